package db

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"
)

// TermStatuses are the statuses of an enrollment that is running: it ends
// when its term does. A renewal in progress (a draft that was submitted
// before) runs too.
var TermStatuses = []string{StatusSubmitted, StatusApproved, StatusWaitlisted, StatusActive}

// PairableStatuses are the statuses of an enrollment that may be paired:
// sent in and not turned down, withdrawn or over.
var PairableStatuses = []string{StatusSubmitted, StatusApproved, StatusActive}

// FinalStatuses are the statuses after which an enrollment's personal data
// is kept only for the program's retention period.
var FinalStatuses = []string{StatusEnded, StatusWithdrawn, StatusDeclined}

// Notification kinds of the member lifecycle.
const (
	NotifyCheckin         = "pair_checkin"
	NotifyEndNotice       = "end_notice"       // an enrollment's term ends soon
	NotifyRenewalReminder = "renewal_reminder" // … in a program that renews
	NotifyPairEndNotice   = "pair_end_notice"
	NotifyFarewell        = "farewell"
	NotifyPairFarewell    = "pair_farewell"
	NotifyStaffDigest     = "staff_digest"
)

// TermEnrollment is a running enrollment with a term end, with what the
// end-of-term mails need.
type TermEnrollment struct {
	EnrollmentID int64     `bun:"enrollment_id"`
	PersonID     int64     `bun:"person_id"`
	Email        string    `bun:"email"`
	Name         string    `bun:"name"`
	Status       string    `bun:"status"`
	ExpiresAt    time.Time `bun:"expires_at"`
	// Unsubscribed is set when the person wants no non-essential mail.
	Unsubscribed bool `bun:"unsubscribed"`
	// Disabled is set when the person's account is disabled: their
	// enrollment still ends, but nobody is mailed.
	Disabled bool `bun:"disabled"`
}

// EnrollmentsEndingBy lists programID's running enrollments (TermStatuses,
// or a draft renewal) whose term ends at or before t, in id order.
func (s *Store) EnrollmentsEndingBy(ctx context.Context, programID int64, t time.Time) ([]*TermEnrollment, error) {
	var out []*TermEnrollment
	err := s.r.NewSelect().TableExpr("enrollments AS e").
		ColumnExpr("e.id AS enrollment_id, e.person_id, p.email, e.status, e.expires_at").
		ColumnExpr("COALESCE(NULLIF(e.full_name, ''), p.name, '') AS name").
		ColumnExpr("(mp.unsubscribed_at IS NOT NULL) AS unsubscribed").
		ColumnExpr("(p.status <> ?) AS disabled", PersonActive).
		Join("JOIN people AS p ON p.id = e.person_id").
		Join("LEFT JOIN mail_preferences AS mp ON mp.person_id = e.person_id").
		Where("e.program_id = ? AND e.expires_at IS NOT NULL AND e.expires_at <= ?", programID, t.UTC()).
		Where("(e.status IN (?) OR (e.status = ? AND e.submitted_at IS NOT NULL))", bun.List(TermStatuses), StatusDraft).
		OrderExpr("e.id").Scan(ctx, &out)
	return out, translate(err)
}

// IsRunning reports whether an enrollment in this state is running (its
// term can end): the condition EnrollmentsEndingBy selects on.
func (e *Enrollment) IsRunning() bool {
	if e.Status == StatusDraft {
		return e.SubmittedAt != nil
	}
	return slices.Contains(TermStatuses, e.Status)
}

// pairPeople selects pairs with both people (PairIntro rows).
func (s *Store) pairPeople() *bun.SelectQuery {
	side := func(prefix, e, p string) string {
		return e + ".id AS " + prefix + "enrollment_id, " + e + ".person_id AS " + prefix + "person_id, " + p + ".email AS " + prefix + "email, " +
			"COALESCE(NULLIF(" + e + ".full_name, ''), " + p + ".name, '') AS " + prefix + "name, " +
			e + ".time_zone AS " + prefix + "time_zone, " + e + ".avail_mask AS " + prefix + "avail_mask, " +
			"(SELECT COUNT(*) FROM mail_preferences AS m WHERE m.person_id = " + e + ".person_id AND m.unsubscribed_at IS NOT NULL) > 0 AS " + prefix + "unsubscribed"
	}
	return s.r.NewSelect().TableExpr("pairs AS pr").
		ColumnExpr("pr.id AS pair_id, pr.program_id, pr.started_at").
		ColumnExpr(side("mentor_", "me", "mp")).
		ColumnExpr(side("mentee_", "ee", "ep")).
		Join("JOIN enrollments AS me ON me.id = pr.mentor_enrollment_id").
		Join("JOIN people AS mp ON mp.id = me.person_id").
		Join("JOIN enrollments AS ee ON ee.id = pr.mentee_enrollment_id").
		Join("JOIN people AS ep ON ep.id = ee.person_id")
}

// ActivePairs lists programID's active pairs with both people, in id
// order.
func (s *Store) ActivePairs(ctx context.Context, programID int64) ([]*PairIntro, error) {
	var out []*PairIntro
	err := s.pairPeople().
		Where("pr.program_id = ? AND pr.status = ? AND pr.started_at IS NOT NULL", programID, PairActive).
		OrderExpr("pr.id").Scan(ctx, &out)
	return out, translate(err)
}

// OpenPairsOf lists the proposed and active pairs an enrollment is in.
func (s *Store) OpenPairsOf(ctx context.Context, enrollmentID int64) ([]*Pair, error) {
	var out []*Pair
	err := s.r.NewSelect().Model(&out).
		Where("(mentor_enrollment_id = ? OR mentee_enrollment_id = ?) AND status <> ?", enrollmentID, enrollmentID, PairEnded).
		Order("id").Scan(ctx)
	return out, translate(err)
}

// PurgeableEnrollments lists programID's enrollments that ended, were
// withdrawn or declined at or before t, in id order. When each one ended is
// its term end, withdrawal or decision, else its last change.
func (s *Store) PurgeableEnrollments(ctx context.Context, programID int64, t time.Time) ([]int64, error) {
	var ids []int64
	err := s.r.NewSelect().Table("enrollments").Column("id").
		Where("program_id = ? AND status IN (?)", programID, bun.List(FinalStatuses)).
		Where(`COALESCE(CASE status WHEN ? THEN expires_at WHEN ? THEN withdrawn_at WHEN ? THEN decided_at END, updated_at) <= ?`,
			StatusEnded, StatusWithdrawn, StatusDeclined, t.UTC()).
		Order("id").Scan(ctx, &ids)
	return ids, translate(err)
}

// Purged says what PurgeEnrollments deleted.
type Purged struct {
	Enrollments int
	Uploads     int
	Notes       int
	Snapshots   int
	Pairs       int
	AuditEvents int // events whose details were cleared
	// Files are the storage names of the deleted uploads: the caller
	// removes them from disk once the transaction has committed.
	Files []string
}

// PurgeEnrollments deletes the enrollments ids of programID with every
// piece of personal data hanging off them — answers and the columns made
// from them, interests, uploads, staff notes, snapshots, their pairs — and
// clears the details of their audit events (which may quote answers),
// keeping the events themselves. Before deleting it adds them to the
// program's retained counts. Ids not in programID, or not in a final
// status, are left alone. Call it inside InTx.
func (s *Store) PurgeEnrollments(ctx context.Context, programID int64, ids []int64) (Purged, error) {
	return s.purgeEnrollments(ctx, programID, ids, true)
}

// purgeEnrollments is PurgeEnrollments; finalOnly false also purges
// enrollments still running (a member erasing their account).
func (s *Store) purgeEnrollments(ctx context.Context, programID int64, ids []int64, finalOnly bool) (Purged, error) {
	var out Purged
	if len(ids) == 0 {
		return out, nil
	}
	var es []*Enrollment
	q := s.w.NewSelect().Model(&es).Column("id", "status", "is_mentor", "is_mentee").
		Where("program_id = ? AND id IN (?)", programID, bun.List(ids))
	if finalOnly {
		q = q.Where("status IN (?)", bun.List(FinalStatuses))
	}
	err := q.Order("id").Scan(ctx)
	if err != nil || len(es) == 0 {
		return out, translate(err)
	}
	keep := make([]int64, len(es))
	counts := map[string]int{"enrollments": len(es)}
	for i, e := range es {
		keep[i] = e.ID
		counts["status:"+e.Status]++
		if e.IsMentor {
			counts["mentors"]++
		}
		if e.IsMentee {
			counts["mentees"]++
		}
	}
	in := bun.List(keep)
	count := func(table, where string, args ...any) (int, error) {
		n, err := s.w.NewSelect().Table(table).Where(where, args...).Count(ctx)
		return int(n), translate(err)
	}
	if out.Pairs, err = count("pairs", "mentor_enrollment_id IN (?) OR mentee_enrollment_id IN (?)", in, in); err != nil {
		return out, err
	}
	if out.Pairs > 0 {
		// A pair whose other side was purged earlier was counted then.
		counts["pairs"] = out.Pairs
	}
	if out.Notes, err = count("staff_notes", "enrollment_id IN (?)", in); err != nil {
		return out, err
	}
	if out.Snapshots, err = count("enrollment_snapshots", "enrollment_id IN (?)", in); err != nil {
		return out, err
	}
	if err := s.w.NewSelect().Model((*Upload)(nil)).Column("storage_name").
		Where("enrollment_id IN (?)", in).Order("id").Scan(ctx, &out.Files); err != nil {
		return out, translate(err)
	}
	out.Uploads = len(out.Files)
	subjects := make([]string, len(keep))
	for i, id := range keep {
		subjects[i] = strconv.FormatInt(id, 10)
	}
	res, err := s.w.NewUpdate().Model((*AuditEvent)(nil)).Set("details = ?", `{"purged":true}`).
		Where("subject_type = 'enrollment' AND subject_id IN (?)", bun.List(subjects)).Exec(ctx)
	if err != nil {
		return out, translate(err)
	}
	if n, err := res.RowsAffected(); err == nil {
		out.AuditEvents = int(n)
	}
	for metric, n := range counts {
		if _, err := s.w.NewRaw(`INSERT INTO retained_counts (program_id, metric, n) VALUES (?, ?, ?)
ON CONFLICT (program_id, metric) DO UPDATE SET n = retained_counts.n + EXCLUDED.n`, programID, metric, n).Exec(ctx); err != nil {
			return out, translate(err)
		}
	}
	// Foreign keys cascade to interests, uploads, notes, snapshots, pairs
	// and the search rows.
	res, err = s.w.NewDelete().Model((*Enrollment)(nil)).Where("id IN (?)", in).Exec(ctx)
	if err != nil {
		return out, translate(err)
	}
	n, err := res.RowsAffected()
	out.Enrollments = int(n)
	return out, translate(err)
}

// RetainedCounts returns programID's anonymous counts of purged
// enrollments by metric.
func (s *Store) RetainedCounts(ctx context.Context, programID int64) (map[string]int, error) {
	var rows []struct {
		Metric string `bun:"metric"`
		N      int    `bun:"n"`
	}
	err := s.r.NewSelect().Table("retained_counts").Column("metric", "n").
		Where("program_id = ?", programID).Scan(ctx, &rows)
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Metric] = r.N
	}
	return out, translate(err)
}
