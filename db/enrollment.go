package db

import (
	"context"
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

	// Interests is filled by the store methods that load or save them.
	Interests []EnrollmentInterest `bun:"-"`
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
