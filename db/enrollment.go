package db

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Enrollment statuses, in lifecycle order.
const (
	StatusDraft      = "draft"
	StatusSubmitted  = "submitted"
	StatusApproved   = "approved"
	StatusWaitlisted = "waitlisted"
	StatusDeclined   = "declined"
	StatusActive     = "active"
	StatusEnded      = "ended"
	StatusWithdrawn  = "withdrawn"
)

// Interest sides: what a mentor offers, what a mentee wants to learn.
const (
	SideMentor = "mentor"
	SideMentee = "mentee"
)

// Enrollment is a person in a program: their answers, progress and status.
// The answers staff filter and pair on are copied into typed columns (and
// interests into enrollment_interests) so they can be indexed; Answers keeps
// the whole form as submitted.
type Enrollment struct {
	bun.BaseModel `bun:"table:enrollments"`

	ID             int64          `bun:"id,pk,autoincrement"`
	ProgramID      int64          `bun:"program_id"`
	PersonID       int64          `bun:"person_id"`
	Status         string         `bun:"status"`
	Answers        map[string]any `bun:"answers,type:json"`
	CompletedSteps string         `bun:"completed_steps"`
	Version        int            `bun:"version"`
	// FormVersion is the version of the program's form the answers were
	// given under (0: the built-in form). A draft moves to the current
	// version when its member opens it; a submitted enrollment keeps it.
	FormVersion int `bun:"form_version"`

	FullName     string `bun:"full_name"`
	IsMentor     bool   `bun:"is_mentor"`
	IsMentee     bool   `bun:"is_mentee"`
	TimeZone     string `bun:"time_zone"`
	TZOffsetMin  int    `bun:"tz_offset_min"`
	AvailMask    int64  `bun:"avail_mask"` // bit h set = available hour h (UTC)
	Org          string `bun:"org"`
	Level        string `bun:"level"`
	TimeAtLevel  string `bun:"time_at_level"`
	DistancePref string `bun:"distance_pref"`
	TrackChange  string `bun:"track_change"`
	ManagerName  string `bun:"manager_name"`
	ManagerEmail string `bun:"manager_email"`
	Comments     string `bun:"comments"`

	SubmittedAt    *time.Time `bun:"submitted_at"`
	DecidedAt      *time.Time `bun:"decided_at"`
	ExpiresAt      *time.Time `bun:"expires_at"`
	RenewedAt      *time.Time `bun:"renewed_at"`
	WithdrawnAt    *time.Time `bun:"withdrawn_at"`
	WithdrawReason string     `bun:"withdraw_reason"`
	CreatedAt      time.Time  `bun:"created_at"`
	UpdatedAt      time.Time  `bun:"updated_at"`

	// Interests is filled by the store methods that load them.
	Interests []EnrollmentInterest `bun:"-"`
	// ReplaceInterests asks UpdateEnrollment to replace the stored interests
	// with Interests. Most saves do not touch interests; skipping the
	// delete-and-insert then keeps a step save to one read and one write.
	ReplaceInterests bool `bun:"-"`
}

// EnrollmentInterest is one interest on one side of an enrollment.
type EnrollmentInterest struct {
	bun.BaseModel `bun:"table:enrollment_interests"`

	EnrollmentID int64  `bun:"enrollment_id,pk"`
	Side         string `bun:"side,pk"`
	Interest     string `bun:"interest,pk"`
}

// CreateEnrollments inserts enrollments with their interests (seeding and
// imports), setting IDs. Call it inside InTx for many rows.
func (s *Store) CreateEnrollments(ctx context.Context, es []*Enrollment) error {
	if len(es) == 0 {
		return nil
	}
	now := s.now()
	for _, e := range es {
		if e.CreatedAt.IsZero() {
			e.CreatedAt = now
		}
		e.UpdatedAt = now
		if e.Status == "" {
			e.Status = StatusDraft
		}
		if e.Version == 0 {
			e.Version = 1
		}
		if e.Answers == nil {
			e.Answers = map[string]any{}
		}
	}
	if _, err := s.w.NewInsert().Model(&es).Returning("id").Exec(ctx); err != nil {
		return translate(err)
	}
	var interests []EnrollmentInterest
	for _, e := range es {
		for _, in := range e.Interests {
			in.EnrollmentID = e.ID
			interests = append(interests, in)
		}
	}
	if len(interests) == 0 {
		return nil
	}
	_, err := s.w.NewInsert().Model(&interests).Exec(ctx)
	return translate(err)
}

// EnrollmentsByPerson lists a person's enrollments, newest first.
func (s *Store) EnrollmentsByPerson(ctx context.Context, personID int64) ([]*Enrollment, error) {
	var es []*Enrollment
	err := s.r.NewSelect().Model(&es).Where("person_id = ?", personID).Order("created_at DESC", "id DESC").Scan(ctx)
	return es, translate(err)
}

// EnrollmentCounts counts a program's enrollments by status.
func (s *Store) EnrollmentCounts(ctx context.Context, programID int64) (map[string]int, error) {
	var rows []struct {
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	err := s.r.NewSelect().Model((*Enrollment)(nil)).
		Column("status").ColumnExpr("COUNT(*) AS n").
		Where("program_id = ?", programID).Group("status").Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// EnrollmentByID returns the enrollment, or ErrNotFound. Its Interests are
// not loaded (they are derived from the answers); LoadInterests adds them.
func (s *Store) EnrollmentByID(ctx context.Context, id int64) (*Enrollment, error) {
	var e *Enrollment
	if h := s.hot(ctx); h != nil {
		var err error
		if e, err = h.enrollment(ctx, s, id); err != nil {
			return nil, err
		}
	} else {
		e = new(Enrollment)
		if err := s.r.NewSelect().Model(e).Where("id = ?", id).Scan(ctx); err != nil {
			return nil, translate(err)
		}
	}
	e.Answers = normalizeAnswers(e.Answers)
	return e, nil
}

// EnrollmentFor returns the person's enrollment in the program, or
// ErrNotFound. Interests are not loaded.
func (s *Store) EnrollmentFor(ctx context.Context, programID, personID int64) (*Enrollment, error) {
	e := new(Enrollment)
	if err := s.r.NewSelect().Model(e).Where("program_id = ? AND person_id = ?", programID, personID).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	e.Answers = normalizeAnswers(e.Answers)
	return e, nil
}

// LoadInterests fills e.Interests from the interests table.
func (s *Store) LoadInterests(ctx context.Context, e *Enrollment) error {
	return s.loadInterests(ctx, s.r, e)
}

// StartEnrollment returns the person's enrollment in the program, creating
// a draft, answered under the program's current form version, if there is
// none. Starting twice (two tabs, a double click) gives
// the same enrollment.
func (s *Store) StartEnrollment(ctx context.Context, programID, personID int64, fullName string) (*Enrollment, bool, error) {
	now := s.now()
	e := &Enrollment{ProgramID: programID, PersonID: personID, Status: StatusDraft, Version: 1,
		Answers: map[string]any{}, FullName: fullName, CreatedAt: now, UpdatedAt: now}
	// The form version is the program's at this moment, read by the insert
	// itself so a publish cannot slip in between.
	res, err := s.w.NewInsert().Model(e).
		Value("form_version", "(SELECT form_version FROM programs WHERE id = ?)", programID).
		On("CONFLICT (program_id, person_id) DO NOTHING").Exec(ctx)
	if err != nil {
		return nil, false, translate(err)
	}
	n, _ := res.RowsAffected()
	got, err := s.EnrollmentFor(ctx, programID, personID)
	return got, n == 1, err
}

// UpdateEnrollment applies fn to the current state of enrollment id and
// saves the result, bumping the version. It is optimistic: the row is read
// without a lock, fn runs, and the write succeeds only if the version is
// still the one read; otherwise it reads again and re-applies fn. So
// concurrent updates of one enrollment (two tabs, a double submit) each
// apply to the result of the previous one — no answer is lost, nothing is
// half-written — while an uncontended save costs a single UPDATE statement:
// on SQLite, whose one writer every save waits for, that is most of the
// throughput. fn may run more than once and must only change e; it may
// return an error to change nothing. fn sees the enrollment without its
// interests (they are derived from the answers); to change them it sets
// Interests and ReplaceInterests.
func (s *Store) UpdateEnrollment(ctx context.Context, id int64, fn func(e *Enrollment) error) (*Enrollment, error) {
	return s.UpdateEnrollmentFrom(ctx, &Enrollment{ID: id}, false, fn)
}

// UpdateEnrollmentFrom is UpdateEnrollment starting from a state the caller
// has just read (fresh is true), which saves reading it again when nobody
// changed it in between — the common case.
func (s *Store) UpdateEnrollmentFrom(ctx context.Context, start *Enrollment, fresh bool, fn func(e *Enrollment) error) (*Enrollment, error) {
	id := start.ID
	for attempt := 0; attempt < maxUpdateAttempts; attempt++ {
		e := new(Enrollment)
		if attempt == 0 && fresh {
			*e = *start
			e.Answers = maps.Clone(start.Answers)
			e.Interests, e.ReplaceInterests = nil, false
		} else {
			// Read from the reader pool: on SQLite the one writer connection
			// is the bottleneck, and a stale read only costs a retry.
			if err := s.r.NewSelect().Model(e).Where("id = ?", id).Scan(ctx); err != nil {
				return nil, translate(err)
			}
			e.Answers = normalizeAnswers(e.Answers)
		}
		read := e.Version
		before := s.saveValues(e, "")
		if err := fn(e); err != nil {
			return nil, err
		}
		e.ID = id
		e.Version = read + 1
		e.UpdatedAt = s.now()
		var saved bool
		var err error
		if e.ReplaceInterests {
			err = s.InTx(ctx, func(ctx context.Context, tx *Store) error {
				if saved, err = tx.writeEnrollment(ctx, e, read, &before); err != nil || !saved {
					return err
				}
				return tx.replaceInterests(ctx, e)
			})
		} else {
			saved, err = s.writeEnrollment(ctx, e, read, &before)
		}
		if err != nil {
			return nil, err
		}
		if saved {
			return e, nil
		}
		// Someone saved in between: start again from their result.
	}
	return nil, fmt.Errorf("db: enrollment %d kept changing during %d attempts to save it", id, maxUpdateAttempts)
}

// maxUpdateAttempts bounds the optimistic retries; a person's own saves
// rarely collide more than a few times.
const maxUpdateAttempts = 100

// writeEnrollment saves e if its stored version is still read; before is
// saveValues of e as read.
func (s *Store) writeEnrollment(ctx context.Context, e *Enrollment, read int, before *[len(enrollmentColumns)]any) (bool, error) {
	if saved, ok, err := s.execSave(ctx, e, read, before); ok {
		return saved, err
	}
	res, err := s.w.NewUpdate().Model(e).WherePK().Where("version = ?", read).Exec(ctx)
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s *Store) replaceInterests(ctx context.Context, e *Enrollment) error {
	if _, err := s.w.NewDelete().Model((*EnrollmentInterest)(nil)).Where("enrollment_id = ?", e.ID).Exec(ctx); err != nil {
		return translate(err)
	}
	if len(e.Interests) == 0 {
		return nil
	}
	for i := range e.Interests {
		e.Interests[i].EnrollmentID = e.ID
	}
	_, err := s.w.NewInsert().Model(&e.Interests).Exec(ctx)
	return translate(err)
}

func (s *Store) loadInterests(ctx context.Context, idb bun.IDB, e *Enrollment) error {
	e.Interests = nil
	err := idb.NewSelect().Model(&e.Interests).Where("enrollment_id = ?", e.ID).Order("side", "interest").Scan(ctx)
	e.Answers = normalizeAnswers(e.Answers)
	return translate(err)
}

// normalizeAnswers restores the Go types a JSON round trip loses: lists of
// strings come back as []any.
func normalizeAnswers(a map[string]any) map[string]any {
	if a == nil {
		return map[string]any{}
	}
	for k, v := range a {
		list, ok := v.([]any)
		if !ok {
			continue
		}
		strs := make([]string, 0, len(list))
		for _, x := range list {
			s, ok := x.(string)
			if !ok {
				strs = nil
				break
			}
			strs = append(strs, s)
		}
		if strs != nil || len(list) == 0 {
			if strs == nil {
				strs = []string{}
			}
			a[k] = strs
		}
	}
	return a
}

// CompletedStepList is the set of steps the member has completed.
func (e *Enrollment) CompletedStepList() []string {
	if e.CompletedSteps == "" {
		return nil
	}
	return strings.Split(e.CompletedSteps, ",")
}

// MarkStepCompleted records step as completed (once).
func (e *Enrollment) MarkStepCompleted(step string) {
	for _, s := range e.CompletedStepList() {
		if s == step {
			return
		}
	}
	if e.CompletedSteps == "" {
		e.CompletedSteps = step
		return
	}
	e.CompletedSteps += "," + step
}

// EnrollmentRef names one enrollment and its owner's email (load tests and
// tools that act as members).
type EnrollmentRef struct {
	ID    int64  `bun:"id"`
	Email string `bun:"email"`
}

// EnrollmentsWithStatus lists up to limit enrollments of a program in a
// status, oldest first, with their owners' emails.
func (s *Store) EnrollmentsWithStatus(ctx context.Context, programID int64, status string, limit int) ([]EnrollmentRef, error) {
	var refs []EnrollmentRef
	err := s.r.NewSelect().TableExpr("enrollments AS e").Join("JOIN people AS p ON p.id = e.person_id").
		ColumnExpr("e.id, p.email").Where("e.program_id = ? AND e.status = ?", programID, status).
		OrderExpr("e.id").Limit(int64(limit)).Scan(ctx, &refs)
	return refs, translate(err)
}

// SumVersions adds up the versions of the given enrollments: every save
// adds exactly one, so the difference over a run counts the saves that
// committed.
func (s *Store) SumVersions(ctx context.Context, ids []int64) (int64, error) {
	var n int64
	err := s.r.NewSelect().Model((*Enrollment)(nil)).ColumnExpr("COALESCE(SUM(version), 0)").
		Where("id IN (?)", bun.List(ids)).Scan(ctx, &n)
	return n, translate(err)
}
