package mail

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"cohort/app/metrics"
	"cohort/config"
	"cohort/db"
)

// Defaults for a Dispatcher; its exported fields override them.
const (
	// DefaultInterval is how often Run polls when nobody wakes it: it picks
	// up retries that came due and mail enqueued by other instances.
	DefaultInterval = 15 * time.Second
	// DefaultMaxAttempts is how many deliveries are tried before a message
	// is marked failed.
	DefaultMaxAttempts = 6
	defaultBatch       = 10
	defaultSendTimeout = 30 * time.Second
)

// DefaultBackoff is the wait after the 1st, 2nd, … failed attempt: about
// nine hours in all, enough to ride out a mail provider's outage. Attempts
// beyond its length wait as long as its last entry.
var DefaultBackoff = []time.Duration{time.Minute, 5 * time.Minute, 25 * time.Minute, 2 * time.Hour, 6 * time.Hour}

// Result counts what one pass did.
type Result struct {
	Sent    int // accepted by the SMTP server
	Retried int // failed, to be tried again later
	Failed  int // given up on
	Dropped int // expired before it could be delivered (Message.NotAfter)
	Dev     int // kept for the development outbox (no SMTP configured)
}

// Dispatcher delivers due outbox mail. Several dispatchers (one per
// instance) can run against one database: each message is leased to one of
// them while it is being sent. Delivery is at-least-once: if an instance
// dies after the server accepted a message but before recording it, the
// lease expires and the message is sent again.
type Dispatcher struct {
	store  *db.Store
	sender Sender
	from   string
	log    *slog.Logger
	// Settings; NewDispatcher fills the defaults and tests may change them
	// before the first pass.
	Batch       int             // messages claimed at a time
	SendTimeout time.Duration   // per message, on top of the SMTP timeouts
	MaxAttempts int             // attempts before a message is failed
	Backoff     []time.Duration // wait after each failed attempt

	wake       chan struct{}
	warnNoSMTP sync.Once
	devWarn    bool
}

// NewDispatcher returns a dispatcher delivering through sender, or, with a
// nil sender (no SMTP_HOST), marking mail as kept for the development
// outbox. Times come from store.Now, so tests move the clock there.
func NewDispatcher(cfg *config.Config, store *db.Store, sender Sender, log *slog.Logger) *Dispatcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Dispatcher{
		store:       store,
		sender:      sender,
		from:        cfg.MailFrom,
		log:         log,
		Batch:       defaultBatch,
		SendTimeout: defaultSendTimeout,
		MaxAttempts: DefaultMaxAttempts,
		Backoff:     DefaultBackoff,
		wake:        make(chan struct{}, 1),
		devWarn:     !cfg.IsDevelopment(),
	}
}

// lease is how long a claimed batch stays ours: long enough to send every
// message in it even when each one runs into its timeout.
func (d *Dispatcher) lease() time.Duration {
	return time.Duration(d.Batch)*d.SendTimeout + time.Minute
}

// maxBatches bounds one pass, so a flood of new mail cannot keep RunOnce
// from returning.
const maxBatches = 20

// RunOnce delivers the mail that is due now and says what it did. A failed
// delivery is recorded on the message (retry or failed), not returned; the
// error is for the database, or ctx ending.
func (d *Dispatcher) RunOnce(ctx context.Context) (Result, error) {
	var res Result
	for range maxBatches {
		batch, err := d.store.ClaimDueMail(ctx, d.Batch, d.lease())
		if err != nil {
			return res, err
		}
		for _, m := range batch {
			if err := ctx.Err(); err != nil {
				// The rest keep their lease, which expires; another pass
				// (here or on another instance) takes them.
				return res, err
			}
			if err := d.deliver(ctx, m, &res); err != nil {
				return res, err
			}
		}
		if len(batch) < d.Batch {
			break
		}
	}
	return res, nil
}

func (d *Dispatcher) deliver(ctx context.Context, row *db.OutboxMessage, res *Result) error {
	if row.Expired(d.store.Now()) {
		// Past its use (a sign-in code after its lifetime): sending it
		// late helps nobody, so it is dropped, visibly.
		reason := "expired at " + row.ExpiresAt.UTC().Format("2006-01-02 15:04 MST") + " before it could be delivered"
		if row.LastError != "" {
			reason += "; last error: " + row.LastError
		}
		if err := d.store.MarkMailExpired(ctx, row.ID, reason); err != nil {
			return err
		}
		d.log.Warn("mail dropped: it expired before it could be delivered", "mail_id", row.ID, "kind", row.Kind, "attempts", row.Attempts)
		res.Dropped++
		return nil
	}
	if d.sender == nil {
		if d.devWarn {
			d.warnNoSMTP.Do(func() {
				d.log.Warn("SMTP_HOST is not set: mail is kept in the outbox table and nobody receives it")
			})
		}
		if err := d.store.MarkMailDev(ctx, row.ID); err != nil {
			return err
		}
		res.Dev++
		metrics.MailDeliveries.WithLabelValues("dev").Inc()
		return nil
	}
	m := Message{To: row.To, Subject: row.Subject, Text: row.TextBody, HTML: row.HTMLBody, Kind: row.Kind, Sensitive: row.Sensitive}
	sctx, cancel := context.WithTimeout(ctx, d.SendTimeout)
	err := d.sender.Send(sctx, d.from, m)
	cancel()
	if err == nil {
		// Record it even if shutdown began meanwhile: the server has the
		// message, and a lost record means sending it twice.
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		// Sensitive bodies (sign-in codes) leave the database once the
		// server has them.
		if err := d.store.MarkMailSent(mctx, row.ID, row.Sensitive); err != nil {
			return err
		}
		res.Sent++
		metrics.MailDeliveries.WithLabelValues("sent").Inc()
		return nil
	}
	if ctx.Err() != nil {
		// Shutting down mid-send is not the message's fault: leave it
		// leased, to be tried again when the lease runs out.
		return ctx.Err()
	}
	attempts := row.Attempts + 1
	reason := safeError(err, m)
	log := d.log.With("mail_id", row.ID, "kind", row.Kind, "attempts", attempts, "err", reason)
	if IsPermanent(err) || attempts >= d.MaxAttempts {
		if err := d.store.MarkMailFailed(ctx, row.ID, reason); err != nil {
			return err
		}
		log.Error("mail delivery failed for good", "permanent", IsPermanent(err))
		res.Failed++
		metrics.MailDeliveries.WithLabelValues("failed").Inc()
		return nil
	}
	next := d.store.Now().Add(d.backoff(attempts))
	if row.ExpiresAt != nil && row.ExpiresAt.Before(next) {
		// Come back when it expires, to drop it then rather than keep a
		// dead message (and a sensitive body) waiting hours for a retry.
		next = *row.ExpiresAt
	}
	if err := d.store.MarkMailRetry(ctx, row.ID, attempts, next, reason); err != nil {
		return err
	}
	log.Warn("mail delivery failed; will retry", "next_attempt_at", next.Format(time.RFC3339))
	res.Retried++
	metrics.MailDeliveries.WithLabelValues("retry").Inc()
	return nil
}

// backoff is the wait after the given number of failed attempts.
func (d *Dispatcher) backoff(attempts int) time.Duration {
	if len(d.Backoff) == 0 {
		return time.Minute
	}
	return d.Backoff[min(attempts, len(d.Backoff))-1]
}

// safeError is what is recorded and logged about a failure: the error's
// text, with the message's bodies cut out should a server ever echo them
// (last_error and logs must never carry a sign-in code).
func safeError(err error, m Message) string {
	s := err.Error()
	for _, body := range []string{m.Text, m.HTML} {
		if body = strings.TrimSpace(body); body != "" {
			s = strings.ReplaceAll(s, body, "[message body]")
		}
	}
	return s
}

// Wake asks a running Run loop to make a pass now. It never blocks; wakes
// that arrive during a pass fold into one more pass.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run makes a pass at once, then every interval and whenever woken, until
// ctx is cancelled. Errors are logged, never fatal: the database may come
// back. Cancel ctx only after the HTTP server has drained, so mail enqueued
// by the last requests is still sent (or stays safely pending).
func (d *Dispatcher) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = DefaultInterval
	}
	defer register(d)()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		res, err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Error("mail dispatcher pass failed", "err", err)
		}
		if res != (Result{}) {
			d.log.Info("mail dispatched", "sent", res.Sent, "retried", res.Retried, "failed", res.Failed, "dropped", res.Dropped, "dev", res.Dev)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
	}
}
