package db

import (
	"context"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"cohort/config"
)

// Erased says what ErasePerson deleted or anonymised.
type Erased struct {
	Purged             // the person's enrollments, as the retention job purges them
	Mail          int  // outbox messages to or about the person, deleted
	Sessions      int  // sessions deleted
	LoginCodes    int  // sign-in codes deleted
	AuditEvents   int  // events whose actor or subject was replaced and details cleared
	PersonDeleted bool // false when there was no such person
}

// personRows lists the rows that hold a person's id without a foreign key
// that cascades or nulls them when the person row goes. Tables with such a
// foreign key (identities, roles, overrides, MFA, API tokens, uploads,
// notification records, mail preferences; granted_by, author_id and the
// like) need no entry. A new table that refers to people by id either
// declares "REFERENCES people (id) ON DELETE CASCADE" (or SET NULL) or is
// added here; the erasure test scans every table and fails otherwise.
var personRows = []struct{ table, column string }{
	{"sessions", "person_id"},
}

// ErasePerson deletes person id and everything that is theirs, keeping
// only what must outlive them, anonymously: their enrollments go as the
// retention job purges them (answers, interests, uploads, staff notes,
// snapshots and pairs; the program's retained counts grow; the pair
// history's keyed hashes stay, so a repeat pair is still refused), then
// their sessions, sign-in codes and the mail to or about them; audit
// events they acted in or that name them keep their action and time but
// lose the actor, the subject and the details. Rows with foreign keys to
// people cascade or become NULL with the person row. Files are the
// storage names of the deleted uploads, for the caller to remove from disk
// once the transaction has committed. Call it inside InTx.
func (s *Store) ErasePerson(ctx context.Context, id int64) (Erased, error) {
	var out Erased
	p := new(Person)
	if err := s.w.NewSelect().Model(p).Where("id = ?", id).Scan(ctx); err != nil {
		if isNotFound(translate(err)) {
			return out, nil
		}
		return out, translate(err)
	}
	var es []struct {
		ID        int64  `bun:"id"`
		ProgramID int64  `bun:"program_id"`
		FullName  string `bun:"full_name"`
	}
	if err := s.w.NewSelect().Table("enrollments").Column("id", "program_id", "full_name").
		Where("person_id = ?", id).Order("id").Scan(ctx, &es); err != nil {
		return out, translate(err)
	}
	byProgram := map[int64][]int64{}
	names := []string{p.Name}
	var enrollmentSubjects []string
	for _, e := range es {
		byProgram[e.ProgramID] = append(byProgram[e.ProgramID], e.ID)
		names = append(names, e.FullName)
		enrollmentSubjects = append(enrollmentSubjects, strconv.FormatInt(e.ID, 10))
	}
	for prog, ids := range byProgram {
		got, err := s.purgeEnrollments(ctx, prog, ids, false)
		if err != nil {
			return out, err
		}
		out.Enrollments += got.Enrollments
		out.Uploads += got.Uploads
		out.Notes += got.Notes
		out.Snapshots += got.Snapshots
		out.Pairs += got.Pairs
		out.Files = append(out.Files, got.Files...)
	}
	// Uploads not (or no longer) tied to an enrollment cascade with the
	// person row; their files are the caller's to remove too.
	var loose []string
	if err := s.w.NewSelect().Model((*Upload)(nil)).Column("storage_name").
		Where("person_id = ?", id).Order("id").Scan(ctx, &loose); err != nil {
		return out, translate(err)
	}
	out.Uploads += len(loose)
	out.Files = append(out.Files, loose...)

	// Audit: the events keep what happened and when, not who or to whom.
	idText := strconv.FormatInt(id, 10)
	q := s.w.NewUpdate().Model((*AuditEvent)(nil)).
		Set("actor_id = NULL").Set("subject_id = ''").Set("details = ?", `{"erased":true}`).
		WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
			q = q.WhereOr("actor_id = ?", id).
				WhereOr("subject_type = 'person' AND subject_id = ?", idText).
				WhereOr("LOWER(CAST(details AS TEXT)) LIKE ? ESCAPE '!'", likeContains(p.Email))
			if len(enrollmentSubjects) > 0 {
				q = q.WhereOr("subject_type = 'enrollment' AND subject_id IN (?)", bun.List(enrollmentSubjects))
			}
			return q
		})
	n, err := affected(q.Exec(ctx))
	if err != nil {
		return out, err
	}
	out.AuditEvents = n

	// Mail to them, and mail to others that names them (a pair
	// introduction): the outbox is a log, not a record to keep.
	mail := s.w.NewDelete().Table("mail_outbox").
		WhereOr("LOWER(to_addr) = ?", p.Email)
	for _, text := range append([]string{p.Email}, names...) {
		if len(strings.TrimSpace(text)) < 3 {
			continue // too short to tell a name from any other word
		}
		pat := likeContains(text)
		mail = mail.WhereOr("LOWER(subject) LIKE ? ESCAPE '!' OR LOWER(text_body) LIKE ? ESCAPE '!' OR LOWER(html_body) LIKE ? ESCAPE '!'", pat, pat, pat)
	}
	if out.Mail, err = affected(mail.Exec(ctx)); err != nil {
		return out, err
	}
	if out.LoginCodes, err = affected(s.w.NewDelete().Table("login_codes").Where("email = ?", p.Email).Exec(ctx)); err != nil {
		return out, err
	}
	for _, r := range personRows {
		n, err := affected(s.w.NewDelete().TableExpr("?", bun.Ident(r.table)).Where("? = ?", bun.Ident(r.column), id).Exec(ctx))
		if err != nil {
			return out, err
		}
		if r.table == "sessions" {
			out.Sessions += n
		}
	}
	if _, err := s.w.NewDelete().Model((*Person)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return out, translate(err)
	}
	out.PersonDeleted = true
	if s.dialect == config.DialectSQLite {
		// FTS5 keeps a deleted document's terms in its index segments
		// until they are merged: merge now, so the words are gone too.
		if _, err := s.w.NewRaw("INSERT INTO participant_fts (participant_fts) VALUES ('optimize')").Exec(ctx); err != nil {
			return out, translate(err)
		}
	}
	return out, nil
}

// CountAdmins returns how many active people hold the admin role.
func (s *Store) CountAdmins(ctx context.Context) (int, error) {
	n, err := s.r.NewSelect().Model((*Person)(nil)).
		Where("role = 'admin' AND status = ?", PersonActive).Count(ctx)
	return int(n), translate(err)
}

// likeContains is a LIKE pattern (escape character '!') matching any text
// that contains s, lower-cased.
func likeContains(s string) string {
	r := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

func affected(res interface{ RowsAffected() (int64, error) }, err error) (int, error) {
	if err != nil {
		return 0, translate(err)
	}
	n, err := res.RowsAffected()
	return int(n), translate(err)
}
