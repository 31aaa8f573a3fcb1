package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// MailPreference records that a person asked for no more non-essential
// mail.
type MailPreference struct {
	bun.BaseModel `bun:"table:mail_preferences"`

	PersonID       int64      `bun:"person_id,pk"`
	UnsubscribedAt *time.Time `bun:"unsubscribed_at"`
}

// Unsubscribe records that personID wants no more non-essential mail. Doing
// it again keeps the first time.
func (s *Store) Unsubscribe(ctx context.Context, personID int64) error {
	now := s.now()
	_, err := s.w.NewInsert().Model(&MailPreference{PersonID: personID, UnsubscribedAt: &now}).
		On("CONFLICT (person_id) DO NOTHING").Exec(ctx)
	return translate(err)
}

// IsUnsubscribed reports whether personID has unsubscribed.
func (s *Store) IsUnsubscribed(ctx context.Context, personID int64) (bool, error) {
	ok, err := s.r.NewSelect().Model((*MailPreference)(nil)).
		Where("person_id = ? AND unsubscribed_at IS NOT NULL", personID).Exists(ctx)
	return ok, translate(err)
}

// NotificationSent is one notification a job sent. Its key is the mail's
// dedupe key; unlike the outbox row it is not purged after 30 days, so a
// notification is never sent twice.
type NotificationSent struct {
	bun.BaseModel `bun:"table:notifications_sent"`

	Key      string    `bun:"dedupe_key,pk"`
	PersonID int64     `bun:"person_id"`
	Kind     string    `bun:"kind"`
	RefID    int64     `bun:"ref_id"`
	Seq      int       `bun:"seq"`
	SentAt   time.Time `bun:"sent_at"`
}

// ClaimNotification records n (SentAt = now) unless its key is already
// recorded, and reports whether this call recorded it. Call it in the
// transaction that enqueues the mail: whoever records the key sends.
func (s *Store) ClaimNotification(ctx context.Context, n *NotificationSent) (bool, error) {
	n.SentAt = s.now()
	if n.Seq == 0 {
		n.Seq = 1
	}
	res, err := s.w.NewInsert().Model(n).On("CONFLICT (dedupe_key) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, translate(err)
	}
	k, err := res.RowsAffected()
	return k == 1, translate(err)
}

// NotificationsFor lists what was sent of kind about refs (enrollment or
// pair ids), oldest first.
func (s *Store) NotificationsFor(ctx context.Context, kind string, refs []int64) ([]*NotificationSent, error) {
	var out []*NotificationSent
	if len(refs) == 0 {
		return out, nil
	}
	err := s.r.NewSelect().Model(&out).
		Where("kind = ? AND ref_id IN (?)", kind, bun.List(refs)).
		Order("sent_at", "dedupe_key").Scan(ctx)
	return out, translate(err)
}

// DraftReminderTarget is a draft enrollment that may be due a reminder,
// with what the mail needs.
type DraftReminderTarget struct {
	EnrollmentID int64     `bun:"enrollment_id"`
	PersonID     int64     `bun:"person_id"`
	Email        string    `bun:"email"`
	Name         string    `bun:"name"`
	CreatedAt    time.Time `bun:"created_at"`
}

// DraftsForReminder lists programID's draft enrollments created at or
// before createdBefore whose owner is an active account and has not
// unsubscribed, in id order.
func (s *Store) DraftsForReminder(ctx context.Context, programID int64, createdBefore time.Time) ([]*DraftReminderTarget, error) {
	var out []*DraftReminderTarget
	err := s.r.NewSelect().TableExpr("enrollments AS e").
		ColumnExpr("e.id AS enrollment_id, e.person_id, p.email, e.created_at").
		ColumnExpr("COALESCE(NULLIF(e.full_name, ''), p.name, '') AS name").
		Join("JOIN people AS p ON p.id = e.person_id").
		Join("LEFT JOIN mail_preferences AS mp ON mp.person_id = e.person_id").
		Where("e.program_id = ? AND e.status = ? AND e.created_at <= ?", programID, StatusDraft, createdBefore).
		Where("p.status = ? AND mp.unsubscribed_at IS NULL", PersonActive).
		OrderExpr("e.id").Scan(ctx, &out)
	return out, translate(err)
}

// IntroSide is one person of a pair as the introduction mail sees them.
type IntroSide struct {
	EnrollmentID int64  `bun:"enrollment_id"`
	PersonID     int64  `bun:"person_id"`
	Email        string `bun:"email"`
	Name         string `bun:"name"`
	TimeZone     string `bun:"time_zone"`
	AvailMask    int64  `bun:"avail_mask"`
	// Unsubscribed is set when the person wants no non-essential mail.
	Unsubscribed bool `bun:"unsubscribed"`
}

// PairIntro is an active pair with both people.
type PairIntro struct {
	PairID    int64     `bun:"pair_id"`
	ProgramID int64     `bun:"program_id"`
	StartedAt time.Time `bun:"started_at"`
	Mentor    IntroSide `bun:"embed:mentor_"`
	Mentee    IntroSide `bun:"embed:mentee_"`
}

// PairsToIntroduce lists active pairs started at or after since that have
// fewer than two pair_intro notifications recorded, in id order. A pair
// still inside its undo window (started after now less PairUndoWindow)
// waits for the next run.
func (s *Store) PairsToIntroduce(ctx context.Context, since time.Time) ([]*PairIntro, error) {
	var out []*PairIntro
	settled := s.now().Add(-PairUndoWindow)
	err := s.pairPeople().
		Where("pr.status = ? AND pr.started_at IS NOT NULL AND pr.started_at >= ? AND pr.started_at <= ?", PairActive, since, settled).
		Where("(SELECT COUNT(*) FROM notifications_sent AS ns WHERE ns.kind = ? AND ns.ref_id = pr.id) < 2", NotifyPairIntro).
		OrderExpr("pr.id").Scan(ctx, &out)
	return out, translate(err)
}

// Notification kinds (notifications_sent.kind and mail kinds).
const (
	NotifyDraftReminder = "draft_reminder"
	NotifyPairIntro     = "pair_intro"
)
