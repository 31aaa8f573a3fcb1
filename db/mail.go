package db

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"cohort/config"
)

// Outbox statuses. Pending mail waits for the dispatcher; the others are
// final.
const (
	MailPending    = "pending"
	MailSent       = "sent"       // accepted by the SMTP server
	MailFailed     = "failed"     // gave up: permanent rejection or too many attempts
	MailSuppressed = "suppressed" // recorded but never to be sent (see app/mail)
	MailDev        = "dev"        // no SMTP configured: kept for the development outbox page
)

// maxMailError bounds last_error: enough for an SMTP reply, never a
// novel-sized driver dump.
const maxMailError = 500

// OutboxMessage is one email in the durable outbox (table mail_outbox).
// Mail is written here first and delivered by a dispatcher, so a request
// never waits on SMTP and a crash or an SMTP outage loses nothing.
type OutboxMessage struct {
	bun.BaseModel `bun:"table:mail_outbox"`

	ID       int64  `bun:"id,pk,autoincrement"`
	To       string `bun:"to_addr"`
	Subject  string `bun:"subject"`
	TextBody string `bun:"text_body"`
	HTMLBody string `bun:"html_body"`
	// Kind names the feature that sent it (login_code, reminder, …), for
	// the outbox page and for logs that must not carry the content.
	Kind string `bun:"kind"`
	// Sensitive bodies (sign-in codes) are wiped once delivered.
	Sensitive bool `bun:"sensitive"`
	// DedupeKey makes an enqueue idempotent: a second message with the same
	// key is dropped. Nil never conflicts.
	DedupeKey     *string    `bun:"dedupe_key"`
	Status        string     `bun:"status"`
	Attempts      int        `bun:"attempts"`
	NextAttemptAt time.Time  `bun:"next_attempt_at"`
	LockedUntil   *time.Time `bun:"locked_until"`
	// LastError is the latest delivery failure: the server's reply or a
	// network error, never the message content.
	LastError string     `bun:"last_error"`
	CreatedAt time.Time  `bun:"created_at"`
	SentAt    *time.Time `bun:"sent_at"`
	// ExpiresAt, when set, is when the message stops being worth sending;
	// the dispatcher drops it after that (MarkMailExpired).
	ExpiresAt *time.Time `bun:"expires_at"`
}

// Expired reports whether m may no longer be sent at now.
func (m *OutboxMessage) Expired(now time.Time) bool {
	return m.ExpiresAt != nil && !now.Before(*m.ExpiresAt)
}

// Dropped reports whether m was given up on because it expired.
func (m *OutboxMessage) Dropped() bool {
	return m.Status == MailFailed && strings.HasPrefix(m.LastError, mailDroppedPrefix)
}

// mailDroppedPrefix starts the last_error of a message dropped at expiry.
const mailDroppedPrefix = "dropped: "

// EnqueueMail inserts m (status pending unless set, due now unless a time
// is set) and sets its ID. A message whose DedupeKey is already in the
// outbox is not an error: it is skipped and inserted is false.
func (s *Store) EnqueueMail(ctx context.Context, m *OutboxMessage) (inserted bool, err error) {
	now := s.now()
	if m.Status == "" {
		m.Status = MailPending
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now
	}
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = now
	}
	if m.DedupeKey != nil && *m.DedupeKey == "" {
		m.DedupeKey = nil
	}
	// ON CONFLICT … DO NOTHING (both dialects) instead of catching the
	// unique violation: on Postgres a violation would abort a surrounding
	// transaction, and a duplicate is an expected outcome, not an error.
	res, err := s.w.NewInsert().Model(m).
		On("CONFLICT (dedupe_key) DO NOTHING").
		Returning("id").
		Exec(ctx)
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// ClaimDueMail leases up to limit pending messages that are due and not
// leased by someone else, for lease, and returns them oldest first. Only the
// caller that claimed a row may deliver it until the lease runs out, so
// several dispatchers (instances) can run at once without sending a message
// twice; a dispatcher that dies mid-send leaves a lease that simply expires.
func (s *Store) ClaimDueMail(ctx context.Context, limit int, lease time.Duration) ([]*OutboxMessage, error) {
	if limit <= 0 {
		return nil, nil
	}
	now := s.now()
	until := now.Add(lease)
	// The due rows are picked once, in a MATERIALIZED CTE: on Postgres a
	// plain "id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)" can be
	// re-run per outer row, and each re-run skips the rows this very
	// statement just locked and takes the next ones, blowing through the
	// limit (seen in tests). SKIP LOCKED lets a concurrent claimer take
	// other rows instead of queueing behind ours; the outer WHERE repeats
	// the lease test so a row leased since our snapshot is left alone.
	// SQLite has one writer connection, so the statement is serialised
	// anyway (and has no FOR UPDATE).
	lock := ""
	if s.dialect == config.DialectPostgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	q := `WITH due AS MATERIALIZED (
	SELECT id FROM mail_outbox
	WHERE status = ? AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)
	ORDER BY next_attempt_at, id
	LIMIT ?` + lock + `
)
UPDATE mail_outbox SET locked_until = ?
WHERE id IN (SELECT id FROM due)
AND status = ? AND (locked_until IS NULL OR locked_until < ?)
RETURNING *`
	var msgs []*OutboxMessage
	err := s.w.NewRaw(q, MailPending, now, now, limit, until, MailPending, now).Scan(ctx, &msgs)
	if err != nil && !isNotFound(translate(err)) {
		return nil, translate(err)
	}
	// RETURNING promises no order.
	slices.SortFunc(msgs, func(a, b *OutboxMessage) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return msgs, nil
}

// MarkMailSent records delivery; wipeBody empties the text and HTML bodies
// (a sign-in code has no business staying in the database once mailed).
func (s *Store) MarkMailSent(ctx context.Context, id int64, wipeBody bool) error {
	q := s.w.NewUpdate().Model((*OutboxMessage)(nil)).
		Set("status = ?", MailSent).
		Set("sent_at = ?", s.now()).
		Set("locked_until = NULL").
		Set("last_error = ''").
		Where("id = ?", id)
	if wipeBody {
		q.Set("text_body = ''").Set("html_body = ''")
	}
	return expectOne(q.Exec(ctx))
}

// MarkMailDev records that, with no SMTP configured, the message went to
// the development outbox page instead. The body is kept so the page can
// show it.
func (s *Store) MarkMailDev(ctx context.Context, id int64) error {
	return expectOne(s.w.NewUpdate().Model((*OutboxMessage)(nil)).
		Set("status = ?", MailDev).
		Set("sent_at = ?", s.now()).
		Set("locked_until = NULL").
		Where("id = ?", id).Exec(ctx))
}

// MarkMailRetry records a failed attempt: the message stays pending, with
// attempts attempts so far, and becomes due again at next.
func (s *Store) MarkMailRetry(ctx context.Context, id int64, attempts int, next time.Time, lastErr string) error {
	return expectOne(s.w.NewUpdate().Model((*OutboxMessage)(nil)).
		Set("attempts = ?", attempts).
		Set("next_attempt_at = ?", next.UTC().Truncate(time.Microsecond)).
		Set("locked_until = NULL").
		Set("last_error = ?", clipMailError(lastErr)).
		Where("id = ?", id).Exec(ctx))
}

// MarkMailFailed gives up on a message after its final attempt, which it
// counts (attempts + 1). A sensitive message's bodies are wiped: it is
// never sent again, and a sign-in code must not wait in the table.
func (s *Store) MarkMailFailed(ctx context.Context, id int64, lastErr string) error {
	return expectOne(s.w.NewUpdate().Model((*OutboxMessage)(nil)).
		Set("status = ?", MailFailed).
		Set("attempts = attempts + 1").
		Set("locked_until = NULL").
		Set("last_error = ?", clipMailError(lastErr)).
		Set("text_body = CASE WHEN sensitive THEN '' ELSE text_body END").
		Set("html_body = CASE WHEN sensitive THEN '' ELSE html_body END").
		Where("id = ?", id).Exec(ctx))
}

// MarkMailExpired drops a message that was not delivered before its
// ExpiresAt: failed, with a last_error starting "dropped: " (what the
// admin page shows), no attempt counted, and its bodies wiped — it will
// never be sent.
func (s *Store) MarkMailExpired(ctx context.Context, id int64, reason string) error {
	return expectOne(s.w.NewUpdate().Model((*OutboxMessage)(nil)).
		Set("status = ?", MailFailed).
		Set("locked_until = NULL").
		Set("last_error = ?", clipMailError(mailDroppedPrefix+reason)).
		Set("text_body = ''").
		Set("html_body = ''").
		Where("id = ?", id).Exec(ctx))
}

// MailQuery filters ListMail. Zero fields do not filter.
type MailQuery struct {
	Status string
	Limit  int // default 50, at most 500
}

// ListMail returns matching messages, newest first.
func (s *Store) ListMail(ctx context.Context, q MailQuery) ([]*OutboxMessage, error) {
	var msgs []*OutboxMessage
	sel := s.r.NewSelect().Model(&msgs).Order("created_at DESC", "id DESC")
	if q.Status != "" {
		sel.Where("status = ?", q.Status)
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
	sel.Limit(int64(q.Limit))
	err := sel.Scan(ctx)
	return msgs, translate(err)
}

// MailByID returns one message or ErrNotFound.
func (s *Store) MailByID(ctx context.Context, id int64) (*OutboxMessage, error) {
	m := new(OutboxMessage)
	err := s.r.NewSelect().Model(m).Where("id = ?", id).Scan(ctx)
	if err != nil {
		return nil, translate(err)
	}
	return m, nil
}

// DeleteMailBefore removes finished messages (anything but pending)
// created before t, and says how many. Pending mail is never dropped, however
// old: it has not been delivered yet.
func (s *Store) DeleteMailBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.w.NewDelete().Model((*OutboxMessage)(nil)).
		Where("created_at < ?", t.UTC()).
		Where("status <> ?", MailPending).
		Exec(ctx)
	if err != nil {
		return 0, translate(err)
	}
	return res.RowsAffected()
}

// clipMailError keeps last_error short and on one line (it is shown in a table
// cell and read in logs).
func clipMailError(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxMailError {
		return s
	}
	s = s[:maxMailError]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// MailTrouble lists, newest first, the messages created at or after since
// that were given up on or are waiting to be retried after a failure: what
// the admin page shows under mail delivery.
func (s *Store) MailTrouble(ctx context.Context, since time.Time, limit int) ([]*OutboxMessage, error) {
	var msgs []*OutboxMessage
	err := s.r.NewSelect().Model(&msgs).
		ExcludeColumn("text_body", "html_body").
		Where("created_at >= ?", since.UTC()).
		Where("(status = ? OR (status = ? AND attempts > 0))", MailFailed, MailPending).
		Order("created_at DESC", "id DESC").Limit(int64(limit)).Scan(ctx)
	return msgs, translate(err)
}

// RetryMail puts a message that was given up on back in the queue, due
// now, with a fresh set of attempts. A message that is not failed is
// ErrConflict; a missing one ErrNotFound.
func (s *Store) RetryMail(ctx context.Context, id int64) error {
	err := expectOne(s.w.NewUpdate().Model((*OutboxMessage)(nil)).
		Set("status = ?", MailPending).
		Set("attempts = 0").
		Set("next_attempt_at = ?", s.now()).
		Set("locked_until = NULL").
		// Mail dropped at its expiry stays dropped: sending it now
		// would be later still.
		Where("id = ? AND status = ? AND (expires_at IS NULL OR expires_at > ?)", id, MailFailed, s.now()).Exec(ctx))
	if isNotFound(err) {
		if _, err := s.MailByID(ctx, id); err != nil {
			return err
		}
		return ErrConflict
	}
	return err
}
