package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// DigestRecipients lists the active people who may get the staff digest:
// global staff and admins, holders of a program role, and people granted a
// permission by an override. Who sees what is decided per program by the
// caller's permission check.
func (s *Store) DigestRecipients(ctx context.Context) ([]*Person, error) {
	var out []*Person
	err := s.r.NewSelect().Model(&out).
		Where("status = ?", PersonActive).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("role IN (?)", bun.List([]string{RoleStaff, RoleAdmin})).
				WhereOr("id IN (SELECT person_id FROM program_roles)").
				WhereOr("id IN (SELECT person_id FROM permission_overrides WHERE effect = ?)", EffectGrant)
		}).
		Order("id").Scan(ctx)
	return out, translate(err)
}

// ProgramDigest is what the staff digest says about one program.
type ProgramDigest struct {
	// New is how many enrollments were submitted since the last digest.
	New int
	// Waiting is how many mentees sent in before the waiting cut-off are
	// still without a proposed or active pair.
	Waiting int
}

// DigestFor counts programID's enrollments submitted at or after since,
// and its pairable mentees submitted at or before waitingSince who have no
// open pair.
func (s *Store) DigestFor(ctx context.Context, programID int64, since, waitingSince time.Time) (ProgramDigest, error) {
	var d ProgramDigest
	n, err := s.r.NewSelect().Table("enrollments").
		Where("program_id = ? AND submitted_at >= ? AND status <> ?", programID, since.UTC(), StatusDraft).Count(ctx)
	if err != nil {
		return d, translate(err)
	}
	d.New = int(n)
	w, err := s.r.NewSelect().TableExpr("enrollments AS e").
		Where("e.program_id = ? AND e.is_mentee AND e.status IN (?) AND e.submitted_at <= ?",
			programID, bun.List(PairableStatuses), waitingSince.UTC()).
		Where("NOT EXISTS (SELECT 1 FROM pairs AS pr WHERE pr.mentee_enrollment_id = e.id AND pr.status <> ?)", PairEnded).
		Count(ctx)
	d.Waiting = int(w)
	return d, translate(err)
}

// FailedJob is a job whose runs failed, with how often and the last error.
type FailedJob struct {
	Job       string `bun:"job"`
	Runs      int    `bun:"runs"`
	LastError string `bun:"last_error"`
}

// FailedJobsSince lists the jobs with runs that failed since t, by name.
func (s *Store) FailedJobsSince(ctx context.Context, t time.Time) ([]FailedJob, error) {
	var runs []*JobRun
	err := s.r.NewSelect().Model(&runs).Column("job", "error", "started_at").
		Where("outcome = ? AND started_at >= ?", JobError, t.UTC()).
		Order("job", "started_at").Scan(ctx)
	var out []FailedJob
	for _, r := range runs {
		if n := len(out); n > 0 && out[n-1].Job == r.Job {
			out[n-1].Runs++
			out[n-1].LastError = r.Error
			continue
		}
		out = append(out, FailedJob{Job: r.Job, Runs: 1, LastError: r.Error})
	}
	return out, translate(err)
}

// CountFailedMailSince counts messages given up on whose last attempt was
// due at or after t.
func (s *Store) CountFailedMailSince(ctx context.Context, t time.Time) (int, error) {
	n, err := s.r.NewSelect().Model((*OutboxMessage)(nil)).
		Where("status = ? AND next_attempt_at >= ?", MailFailed, t.UTC()).Count(ctx)
	return int(n), translate(err)
}

// ReleaseJobSlot drops the claim on (job, slot), so the slot can be
// claimed again: for work that failed and should be retried in the same
// slot.
func (s *Store) ReleaseJobSlot(ctx context.Context, job, slot string) error {
	_, err := s.w.NewDelete().Model((*JobLock)(nil)).Where("job = ? AND slot = ?", job, slot).Exec(ctx)
	return translate(err)
}
