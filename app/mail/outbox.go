// Package mail is how Cohort sends email. Every message is first written to
// the durable outbox table (Outbox.Enqueue), then a Dispatcher delivers it
// through a Sender (SMTP) with retries, so a request never waits on a mail
// server and an outage or a restart loses nothing. Without SMTP configured
// (development) messages stay in the table and show on /dev/outbox.
package mail

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"sync"
	"time"

	"cohort/app/apperr"
	"cohort/config"
	"cohort/db"
)

// Message is one email to enqueue.
type Message struct {
	To      string // one address, "ada@example.com" or "Ada <ada@example.com>"
	Subject string
	Text    string // the text/plain body; required
	HTML    string // optional text/html alternative
	Kind    string // what sent it (login_code, reminder, …), for the outbox page and logs
	// Sensitive bodies (sign-in codes) are wiped from the outbox once an
	// SMTP server has accepted them. In development (no SMTP) they are kept
	// so the outbox page can show them.
	Sensitive bool
	// DedupeKey makes Enqueue idempotent: a message whose key is already in
	// the outbox is silently dropped. Empty means no deduplication.
	DedupeKey string
	// Suppress records the message but never sends it. The sign-in-code
	// flow enqueues a suppressed message for unknown addresses, so a
	// request does the same database work whether or not the address has an
	// account and its timing tells an attacker nothing.
	Suppress bool
	// NotAfter, when set, is when the message stops being worth sending (a
	// sign-in code's expiry): the dispatcher drops it instead of delivering
	// it later, for example after retries, and the admin page lists it as
	// dropped.
	NotAfter time.Time
}

// Errors Enqueue returns (wrapped in an apperr.Invalid).
var (
	// ErrInvalidAddress means To is not one valid email address.
	ErrInvalidAddress = errors.New("mail: invalid recipient address")
	// ErrHeaderInjection means To or Subject contains a line break, which
	// could smuggle extra headers (Bcc: …) into the message.
	ErrHeaderInjection = errors.New("mail: line break in a header field")
	// ErrEmptyMessage means the message has no subject or no text body.
	ErrEmptyMessage = errors.New("mail: subject and text body are required")
)

// Outbox enqueues mail. It is safe for concurrent use.
type Outbox struct {
	store *db.Store
	// wake, when set, replaces waking the dispatchers running on store.
	wake func()
}

// NewOutbox returns an outbox writing to store. cfg is taken so every mail
// piece is wired the same way; Enqueue needs no setting from it today.
func NewOutbox(cfg *config.Config, store *db.Store) *Outbox {
	_ = cfg
	return &Outbox{store: store}
}

// SetWake replaces what Enqueue calls after a message is stored. By default
// it wakes every Dispatcher running in this process on the same store, so
// mail goes out at once instead of at the next poll.
func (o *Outbox) SetWake(fn func()) { o.wake = fn }

// In returns an outbox that writes through tx (a store from db.Store.InTx),
// so the message commits or rolls back with the rest of the transaction.
// It does not wake the dispatcher, which could not see the uncommitted row
// yet: call Wake on the original outbox after the commit (or let the next
// poll find it).
func (o *Outbox) In(tx *db.Store) *Outbox {
	return &Outbox{store: tx, wake: func() {}}
}

// Wake asks the dispatchers to make a pass now.
func (o *Outbox) Wake() {
	if o.wake != nil {
		o.wake()
		return
	}
	wakeStore(o.store)
}

// Enqueue validates m and stores it for delivery. A duplicate DedupeKey is
// not an error. Invalid messages are refused with an apperr.Invalid wrapping
// ErrInvalidAddress, ErrHeaderInjection or ErrEmptyMessage.
func (o *Outbox) Enqueue(ctx context.Context, m Message) error {
	if err := m.validate(); err != nil {
		msg := "That message cannot be sent."
		if errors.Is(err, ErrInvalidAddress) {
			msg = "That email address is not valid."
		}
		return apperr.Wrap(err, apperr.Invalid, msg)
	}
	row := &db.OutboxMessage{
		To:        strings.TrimSpace(m.To),
		Subject:   m.Subject,
		TextBody:  m.Text,
		HTMLBody:  m.HTML,
		Kind:      m.Kind,
		Sensitive: m.Sensitive,
		Status:    db.MailPending,
	}
	if m.DedupeKey != "" {
		row.DedupeKey = &m.DedupeKey
	}
	if !m.NotAfter.IsZero() {
		t := m.NotAfter.UTC()
		row.ExpiresAt = &t
	}
	if m.Suppress {
		row.Status = db.MailSuppressed
		if m.Sensitive {
			// Never sent, so never needed: a sensitive body (a live
			// sign-in code) is not kept for the outbox purge to find.
			row.TextBody, row.HTMLBody = "", ""
		}
	}
	inserted, err := o.store.EnqueueMail(ctx, row)
	if err != nil {
		return err
	}
	if inserted && !m.Suppress {
		o.Wake()
	}
	return nil
}

func (m Message) validate() error {
	if strings.ContainsAny(m.To, "\r\n") || strings.ContainsAny(m.Subject, "\r\n") {
		return ErrHeaderInjection
	}
	addr, err := mail.ParseAddress(strings.TrimSpace(m.To))
	if err != nil || !strings.Contains(addr.Address, "@") {
		return ErrInvalidAddress
	}
	if strings.TrimSpace(m.Subject) == "" || strings.TrimSpace(m.Text) == "" {
		return ErrEmptyMessage
	}
	return nil
}

// The dispatchers running in this process, by the store they read, so an
// Enqueue anywhere in the app can wake them without the two being wired
// together by hand. Keyed by store: a test's dispatcher never wakes for
// another test's mail.
var running = struct {
	sync.Mutex
	m map[*db.Store]map[*Dispatcher]struct{}
}{m: map[*db.Store]map[*Dispatcher]struct{}{}}

func register(d *Dispatcher) (unregister func()) {
	running.Lock()
	defer running.Unlock()
	set := running.m[d.store]
	if set == nil {
		set = map[*Dispatcher]struct{}{}
		running.m[d.store] = set
	}
	set[d] = struct{}{}
	return func() {
		running.Lock()
		defer running.Unlock()
		delete(running.m[d.store], d)
		if len(running.m[d.store]) == 0 {
			delete(running.m, d.store)
		}
	}
}

func wakeStore(s *db.Store) {
	running.Lock()
	defer running.Unlock()
	for d := range running.m[s] {
		d.Wake()
	}
}
