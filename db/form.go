package db

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"cohort/config"
)

// ErrStale means a revision check failed: someone else changed the row
// since the caller read it, and nothing was written.
var ErrStale = errors.New("db: changed by someone else")

// Audit actions of form changes.
const (
	ActionFormDraft   = "form.draft"
	ActionFormDiscard = "form.discard"
	ActionFormPublish = "form.publish"
)

// FormVersion is one published, immutable version of a program's form.
type FormVersion struct {
	bun.BaseModel `bun:"table:form_versions"`

	ID          int64     `bun:"id,pk,autoincrement"`
	ProgramID   int64     `bun:"program_id"`
	Version     int       `bun:"version"`
	Definition  string    `bun:"definition"` // forms.Export JSON
	PublishedBy *int64    `bun:"published_by"`
	PublishedAt time.Time `bun:"published_at"`

	// PublishedByName is the publisher's name (or email), filled by
	// FormVersions and FormVersion; "" when the account is gone.
	PublishedByName string `bun:"published_by_name,scanonly"`
}

// FormDraft is the one draft of a program's form that admins edit.
type FormDraft struct {
	bun.BaseModel `bun:"table:form_drafts"`

	ProgramID  int64     `bun:"program_id,pk"`
	Definition string    `bun:"definition"` // forms.ExportDocument JSON, not necessarily valid
	Revision   int       `bun:"revision"`
	UpdatedBy  *int64    `bun:"updated_by"`
	UpdatedAt  time.Time `bun:"updated_at"`
}

// A program's draft row outlives its drafts: publishing or discarding
// empties its definition and still bumps the revision. Revisions so only
// ever grow per program, and an editor holding the revision of a draft
// that was since published cannot overwrite a newer draft that happens to
// be at the same revision number.

// FormDraft returns the program's draft, or ErrNotFound when there is none.
func (s *Store) FormDraft(ctx context.Context, programID int64) (*FormDraft, error) {
	d := new(FormDraft)
	err := s.r.NewSelect().Model(d).Where("program_id = ?", programID).Where("definition <> ''").Scan(ctx)
	return d, translate(err)
}

// SaveFormDraft writes the draft when its stored revision is still
// baseRevision (0: there is no draft yet) and returns the new revision;
// otherwise it returns ErrStale and writes nothing. The save is audited
// (form.draft, with the revision; never the form itself) in the same
// transaction.
func (s *Store) SaveFormDraft(ctx context.Context, programID int64, definition string, baseRevision int, by int64) (int, error) {
	if definition == "" {
		return 0, errors.New("db: an empty form draft")
	}
	var rev int
	err := s.InTx(ctx, func(ctx context.Context, tx *Store) error {
		cur, err := tx.lockDraftRow(ctx, programID)
		if err != nil {
			return err
		}
		now := tx.now()
		switch {
		case cur == nil && baseRevision == 0:
			rev = 1
			d := &FormDraft{ProgramID: programID, Definition: definition, Revision: rev, UpdatedBy: &by, UpdatedAt: now}
			if _, err := tx.w.NewInsert().Model(d).Exec(ctx); err != nil {
				if err = translate(err); errors.Is(err, ErrConflict) {
					// Another admin's first save got in first.
					return ErrStale
				}
				return err
			}
		case cur == nil:
			return ErrStale
		default:
			open := cur.Definition != ""
			if (baseRevision == 0) == open || (open && cur.Revision != baseRevision) {
				return ErrStale
			}
			rev = cur.Revision + 1
			res, err := tx.w.NewUpdate().Model((*FormDraft)(nil)).
				Set("definition = ?", definition).Set("revision = ?", rev).
				Set("updated_by = ?", by).Set("updated_at = ?", now).
				Where("program_id = ?", programID).Where("revision = ?", cur.Revision).Exec(ctx)
			if err := expectOne(res, err); err != nil {
				if errors.Is(err, ErrNotFound) {
					return ErrStale
				}
				return err
			}
		}
		return tx.recordForm(ctx, ActionFormDraft, programID, by, map[string]any{"revision": rev})
	})
	if err != nil {
		return 0, err
	}
	return rev, nil
}

// DiscardFormDraft drops the draft when its stored revision is still
// baseRevision; otherwise ErrStale. Audited as form.discard.
func (s *Store) DiscardFormDraft(ctx context.Context, programID int64, baseRevision int, by int64) error {
	return s.InTx(ctx, func(ctx context.Context, tx *Store) error {
		if _, err := tx.closeDraft(ctx, programID, baseRevision, by); err != nil {
			return err
		}
		return tx.recordForm(ctx, ActionFormDiscard, programID, by, map[string]any{"revision": baseRevision})
	})
}

// PublishFormDraft makes the draft at baseRevision the program's next
// version, in one transaction: the draft still at baseRevision (else
// ErrStale, and nothing changes), a new version max+1 with the draft's
// definition, programs.form_version set to it, the draft closed, and the
// audit event form.publish {version}. The caller has validated exactly
// that revision.
func (s *Store) PublishFormDraft(ctx context.Context, programID int64, baseRevision int, by int64) (*FormVersion, error) {
	var v *FormVersion
	err := s.InTx(ctx, func(ctx context.Context, tx *Store) error {
		def, err := tx.closeDraft(ctx, programID, baseRevision, by)
		if err != nil {
			return err
		}
		var last int
		if err := tx.w.NewSelect().Model((*FormVersion)(nil)).ColumnExpr("COALESCE(MAX(version), 0)").
			Where("program_id = ?", programID).Scan(ctx, &last); err != nil {
			return translate(err)
		}
		v = &FormVersion{ProgramID: programID, Version: last + 1, Definition: def, PublishedBy: &by, PublishedAt: tx.now()}
		if _, err := tx.w.NewInsert().Model(v).Returning("id").Exec(ctx); err != nil {
			if err = translate(err); errors.Is(err, ErrConflict) {
				return ErrStale
			}
			return err
		}
		res, err := tx.w.NewUpdate().Model((*Program)(nil)).Set("form_version = ?", v.Version).
			Set("updated_at = ?", v.PublishedAt).Where("id = ?", programID).Exec(ctx)
		if err := expectOne(res, err); err != nil {
			return err
		}
		return tx.recordForm(ctx, ActionFormPublish, programID, by, map[string]any{"version": v.Version})
	})
	if err != nil {
		return nil, err
	}
	s.published(programID)
	v.PublishedByName, _ = s.personName(ctx, by)
	return v, nil
}

// publishHooks are the functions OnFormPublished registered.
type publishHooks struct {
	mu  sync.Mutex
	fns []func(programID int64)
}

// OnFormPublished registers fn to run after each committed
// PublishFormDraft of this store, with the program's id: caches of program
// rows in this process (formsource, the staff table) forget the program
// there and then, whoever published. Other processes see the new version
// when their caches expire.
func (s *Store) OnFormPublished(fn func(programID int64)) {
	if s.hooks == nil {
		return
	}
	s.hooks.mu.Lock()
	s.hooks.fns = append(s.hooks.fns, fn)
	s.hooks.mu.Unlock()
}

func (s *Store) published(programID int64) {
	if s.hooks == nil {
		return
	}
	s.hooks.mu.Lock()
	fns := slices.Clone(s.hooks.fns)
	s.hooks.mu.Unlock()
	for _, fn := range fns {
		fn(programID)
	}
}

// FormVersions lists a program's published versions, newest first, with
// their publisher's name.
func (s *Store) FormVersions(ctx context.Context, programID int64) ([]*FormVersion, error) {
	var vs []*FormVersion
	err := s.versionsQuery(&vs).Where("fv.program_id = ?", programID).Order("fv.version DESC").Scan(ctx)
	return vs, translate(err)
}

// FormVersion returns one published version, or ErrNotFound.
func (s *Store) FormVersion(ctx context.Context, programID int64, version int) (*FormVersion, error) {
	v := new(FormVersion)
	err := s.versionsQuery(v).Where("fv.program_id = ?", programID).Where("fv.version = ?", version).Scan(ctx)
	return v, translate(err)
}

func (s *Store) versionsQuery(model any) *bun.SelectQuery {
	return s.r.NewSelect().Model(model).ModelTableExpr("form_versions AS fv").
		ColumnExpr("fv.*").
		ColumnExpr("COALESCE(NULLIF(p.name, ''), p.email, '') AS published_by_name").
		Join("LEFT JOIN people AS p ON p.id = fv.published_by")
}

// lockDraftRow reads the program's draft row, empty or not (nil when it
// has never had one), locking it on Postgres until the transaction ends.
func (s *Store) lockDraftRow(ctx context.Context, programID int64) (*FormDraft, error) {
	d := new(FormDraft)
	q := s.w.NewSelect().Model(d).Where("program_id = ?", programID)
	if s.dialect == config.DialectPostgres {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		if err = translate(err); errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	return d, nil
}

// closeDraft empties the open draft at baseRevision (bumping the
// revision) and returns its definition; ErrStale when there is no open
// draft at that revision.
func (s *Store) closeDraft(ctx context.Context, programID int64, baseRevision int, by int64) (string, error) {
	cur, err := s.lockDraftRow(ctx, programID)
	if err != nil {
		return "", err
	}
	if cur == nil || cur.Definition == "" || cur.Revision != baseRevision {
		return "", ErrStale
	}
	res, err := s.w.NewUpdate().Model((*FormDraft)(nil)).
		Set("definition = ''").Set("revision = ?", cur.Revision+1).
		Set("updated_by = ?", by).Set("updated_at = ?", s.now()).
		Where("program_id = ?", programID).Where("revision = ?", cur.Revision).Exec(ctx)
	if err := expectOne(res, err); err != nil {
		if errors.Is(err, ErrNotFound) {
			return "", ErrStale
		}
		return "", err
	}
	return cur.Definition, nil
}

func (s *Store) recordForm(ctx context.Context, action string, programID, by int64, details map[string]any) error {
	ev := &AuditEvent{
		Action: action, SubjectType: "program", SubjectID: strconv.FormatInt(programID, 10),
		ProgramID: &programID, Details: details,
	}
	if by != 0 {
		ev.ActorID = &by
	}
	return s.RecordAudit(ctx, ev)
}

func (s *Store) personName(ctx context.Context, id int64) (string, error) {
	var name string
	err := s.r.NewSelect().Table("people").ColumnExpr("COALESCE(NULLIF(name, ''), email)").Where("id = ?", id).Scan(ctx, &name)
	return name, translate(err)
}

// EnrollmentAnswers is an enrollment's answers with the form version they
// were given under.
type EnrollmentAnswers struct {
	ID          int64          `bun:"id"`
	FormVersion int            `bun:"form_version"`
	Answers     map[string]any `bun:"answers,type:json"`
}

// AnswersOf reads the answers of the program's enrollments ids (one query
// for a batch of an export); ids not in the program are left out.
func (s *Store) AnswersOf(ctx context.Context, programID int64, ids []int64) (map[int64]*EnrollmentAnswers, error) {
	out := make(map[int64]*EnrollmentAnswers, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []*EnrollmentAnswers
	err := s.r.NewSelect().Table("enrollments").Column("id", "form_version", "answers").
		Where("program_id = ?", programID).Where("id IN (?)", bun.List(ids)).Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err)
	}
	for _, r := range rows {
		r.Answers = normalizeAnswers(r.Answers)
		out[r.ID] = r
	}
	return out, nil
}
