package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"cohort/app/apperr"
	"cohort/app/apptest"
	"cohort/app/mail"
	"cohort/app/mail/smtptest"
	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// clock pins store.Now to a time the test moves.
type clock struct{ now time.Time }

func setClock(s *db.Store) *clock {
	c := &clock{now: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	s.Now = func() time.Time { return c.now }
	return c
}

// dispatcherFor returns a dispatcher delivering to srv (nil: no SMTP) and
// the outbox that feeds it.
func dispatcherFor(t *testing.T, s *db.Store, srv *smtptest.Server) (*mail.Dispatcher, *mail.Outbox) {
	t.Helper()
	var env map[string]string
	if srv != nil {
		env = srv.Env()
	}
	cfg := apptest.Config(t, env)
	sender, err := mail.NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if (sender == nil) != (srv == nil) {
		t.Fatalf("NewSender = %v with SMTP server %v", sender, srv)
	}
	return mail.NewDispatcher(cfg, s, sender, apptest.Logger()), mail.NewOutbox(cfg, s)
}

func enqueue(t *testing.T, o *mail.Outbox, m mail.Message) {
	t.Helper()
	if err := o.Enqueue(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// only returns the one message in the outbox.
func only(t *testing.T, s *db.Store) *db.OutboxMessage {
	t.Helper()
	msgs, err := s.ListMail(context.Background(), db.MailQuery{})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("outbox holds %d messages (%v), want 1", len(msgs), err)
	}
	return msgs[0]
}

func runOnce(t *testing.T, d *mail.Dispatcher, want mail.Result) {
	t.Helper()
	got, err := d.RunOnce(context.Background())
	if err != nil || got != want {
		t.Fatalf("RunOnce = %+v, %v; want %+v", got, err, want)
	}
}

func TestEnqueueValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		o := mail.NewOutbox(apptest.Config(t, nil), s)
		ok := mail.Message{To: "ada@example.com", Subject: "Hello", Text: "Hi Ada"}
		tests := []struct {
			name    string
			edit    func(m *mail.Message)
			wantErr error
		}{
			{"valid", func(*mail.Message) {}, nil},
			{"named address", func(m *mail.Message) { m.To = "Ada Lovelace <ada@example.com>" }, nil},
			{"LF in To smuggles a header", func(m *mail.Message) { m.To = "ada@example.com\nBcc: eve@example.com" }, mail.ErrHeaderInjection},
			{"CRLF in Subject smuggles a header", func(m *mail.Message) { m.Subject = "Hi\r\nBcc: eve@example.com" }, mail.ErrHeaderInjection},
			{"bare CR in Subject", func(m *mail.Message) { m.Subject = "Hi\rthere" }, mail.ErrHeaderInjection},
			{"not an address", func(m *mail.Message) { m.To = "ada" }, mail.ErrInvalidAddress},
			{"two addresses", func(m *mail.Message) { m.To = "ada@example.com, eve@example.com" }, mail.ErrInvalidAddress},
			{"empty To", func(m *mail.Message) { m.To = "" }, mail.ErrInvalidAddress},
			{"empty subject", func(m *mail.Message) { m.Subject = " " }, mail.ErrEmptyMessage},
			{"empty text", func(m *mail.Message) { m.Text = "" }, mail.ErrEmptyMessage},
		}
		stored := 0
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := ok
				tt.edit(&m)
				err := o.Enqueue(context.Background(), m)
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Enqueue = %v, want %v", err, tt.wantErr)
				}
				if err != nil && apperr.From(err).Code != apperr.Invalid {
					t.Fatalf("error code = %s, want invalid", apperr.From(err).Code)
				}
				if err == nil {
					stored++
				}
			})
		}
		msgs, _ := s.ListMail(context.Background(), db.MailQuery{})
		if len(msgs) != stored {
			t.Fatalf("outbox holds %d messages, want only the %d valid ones", len(msgs), stored)
		}
	})
}

func TestEnqueueDedupeAndSuppress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		o := mail.NewOutbox(apptest.Config(t, nil), s)
		woken := 0
		o.SetWake(func() { woken++ })
		m := mail.Message{To: "ada@example.com", Subject: "Reminder", Text: "Renew", DedupeKey: "renew:1:2026"}
		for range 3 {
			if err := o.Enqueue(ctx, m); err != nil {
				t.Fatalf("duplicate enqueue: %v", err)
			}
		}
		if err := o.Enqueue(ctx, mail.Message{To: "nobody@example.com", Subject: "Code", Text: "123456", Suppress: true}); err != nil {
			t.Fatal(err)
		}
		pending, _ := s.ListMail(ctx, db.MailQuery{Status: db.MailPending})
		suppressed, _ := s.ListMail(ctx, db.MailQuery{Status: db.MailSuppressed})
		if len(pending) != 1 || len(suppressed) != 1 {
			t.Fatalf("pending %d, suppressed %d; want 1 and 1", len(pending), len(suppressed))
		}
		if woken != 1 {
			t.Fatalf("woken %d times, want once (not for duplicates or suppressed mail)", woken)
		}
	})
}

func TestDispatcherDelivers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := smtptest.Start(t, smtptest.Options{})
		d, o := dispatcherFor(t, s, srv)
		enqueue(t, o, mail.Message{To: "Ada <ada@example.com>", Subject: "Welcome to Cohort — ünïcode", Text: "Hello Ada,\nwelcome.", HTML: "<p>Hello Ada, welcome.</p>", Kind: "welcome"})
		runOnce(t, d, mail.Result{Sent: 1})
		runOnce(t, d, mail.Result{}) // exactly once
		got := srv.WaitFor(1, 5*time.Second)
		if len(got) != 1 {
			t.Fatalf("server received %d messages, want 1", len(got))
		}
		r := got[0]
		if r.From != "cohort@localhost" || len(r.To) != 1 || r.To[0] != "ada@example.com" {
			t.Fatalf("envelope from %q to %v", r.From, r.To)
		}
		if r.Subject != "Welcome to Cohort — ünïcode" || r.Text != "Hello Ada,\nwelcome." {
			t.Fatalf("subject %q, text %q", r.Subject, r.Text)
		}
		for _, want := range []string{"multipart/alternative", "text/html", `From: "Cohort" <cohort@localhost>`, "Message-ID:"} {
			if !strings.Contains(r.Data, want) {
				t.Errorf("message lacks %q:\n%s", want, r.Data)
			}
		}
		m := only(t, s)
		if m.Status != db.MailSent || m.SentAt == nil || m.TextBody == "" || m.LastError != "" {
			t.Fatalf("after delivery: %+v", m)
		}
	})
}

func TestDispatcherRetriesThenDelivers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		clk := setClock(s)
		srv := smtptest.Start(t, smtptest.Options{RefuseFirst: 1})
		d, o := dispatcherFor(t, s, srv)
		enqueue(t, o, mail.Message{To: "ada@example.com", Subject: "Code", Text: "Your code is 424242", Sensitive: true})
		runOnce(t, d, mail.Result{Retried: 1})
		m := only(t, s)
		if m.Status != db.MailPending || m.Attempts != 1 || !m.NextAttemptAt.After(clk.now) || m.LastError == "" || m.LockedUntil != nil {
			t.Fatalf("after a refused attempt: %+v", m)
		}
		if !m.NextAttemptAt.Equal(clk.now.Add(mail.DefaultBackoff[0])) {
			t.Fatalf("next attempt at %v, want now + %v", m.NextAttemptAt, mail.DefaultBackoff[0])
		}
		if strings.Contains(m.LastError, "424242") || !strings.Contains(m.LastError, "451") {
			t.Fatalf("last_error = %q", m.LastError)
		}
		runOnce(t, d, mail.Result{}) // not due yet
		clk.now = m.NextAttemptAt.Add(time.Second)
		runOnce(t, d, mail.Result{Sent: 1})
		runOnce(t, d, mail.Result{})
		if got := srv.Messages(); len(got) != 1 || srv.Refused() != 1 {
			t.Fatalf("server received %d, refused %d; want 1 and 1", len(got), srv.Refused())
		}
		m, _ = s.MailByID(ctx, m.ID)
		if m.Status != db.MailSent || m.TextBody != "" {
			t.Fatalf("sensitive message after delivery: %+v", m)
		}
	})
}

func TestDispatcherGivesUp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		clk := setClock(s)
		srv := smtptest.Start(t, smtptest.Options{RefuseFirst: 1000})
		d, o := dispatcherFor(t, s, srv)
		enqueue(t, o, mail.Message{To: "ada@example.com", Subject: "Hi", Text: "body"})
		for attempt := 1; attempt < mail.DefaultMaxAttempts; attempt++ {
			runOnce(t, d, mail.Result{Retried: 1})
			m := only(t, s)
			wantWait := mail.DefaultBackoff[attempt-1]
			if m.Attempts != attempt || !m.NextAttemptAt.Equal(clk.now.Add(wantWait)) {
				t.Fatalf("attempt %d: attempts %d, next in %v; want wait %v", attempt, m.Attempts, m.NextAttemptAt.Sub(clk.now), wantWait)
			}
			clk.now = m.NextAttemptAt
		}
		runOnce(t, d, mail.Result{Failed: 1})
		m := only(t, s)
		if m.Status != db.MailFailed || m.Attempts != mail.DefaultMaxAttempts || m.SentAt != nil || m.LastError == "" {
			t.Fatalf("after the last attempt: %+v", m)
		}
		clk.now = clk.now.Add(24 * time.Hour)
		runOnce(t, d, mail.Result{})
		if len(srv.Messages()) != 0 || srv.Refused() != mail.DefaultMaxAttempts {
			t.Fatalf("server received %d, refused %d", len(srv.Messages()), srv.Refused())
		}
	})
}

func TestDispatcherOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		opts      *smtptest.Options // nil: no SMTP configured
		env       map[string]string // on top of the server's
		msg       mail.Message
		want      mail.Result
		status    string
		keepsBody bool
		delivered int
	}{
		{name: "permanent 5xx fails at once", opts: &smtptest.Options{RejectRecipients: []string{"gone@example.com"}},
			msg:  mail.Message{To: "gone@example.com", Subject: "Hi", Text: "body"},
			want: mail.Result{Failed: 1}, status: db.MailFailed, keepsBody: true},
		{name: "suppressed is never delivered", opts: &smtptest.Options{},
			msg:  mail.Message{To: "nobody@example.com", Subject: "Hi", Text: "body", Suppress: true},
			want: mail.Result{}, status: db.MailSuppressed, keepsBody: true},
		{name: "suppressed sensitive body is never stored", opts: &smtptest.Options{},
			msg:  mail.Message{To: "nobody@example.com", Subject: "Code", Text: "111111", HTML: "<b>111111</b>", Suppress: true, Sensitive: true},
			want: mail.Result{}, status: db.MailSuppressed, keepsBody: false},
		{name: "sensitive body wiped when given up", opts: &smtptest.Options{RejectRecipients: []string{"gone@example.com"}},
			msg:  mail.Message{To: "gone@example.com", Subject: "Code", Text: "444444", HTML: "<b>444444</b>", Sensitive: true},
			want: mail.Result{Failed: 1}, status: db.MailFailed, keepsBody: false},
		{name: "sensitive body wiped after SMTP", opts: &smtptest.Options{},
			msg:  mail.Message{To: "ada@example.com", Subject: "Code", Text: "222222", HTML: "<b>222222</b>", Sensitive: true},
			want: mail.Result{Sent: 1}, status: db.MailSent, keepsBody: false, delivered: 1},
		{name: "no SMTP keeps it for the dev outbox", opts: nil,
			msg:  mail.Message{To: "ada@example.com", Subject: "Code", Text: "333333", Sensitive: true},
			want: mail.Result{Dev: 1}, status: db.MailDev, keepsBody: true},
		{name: "SMTP AUTH PLAIN", opts: &smtptest.Options{RequireAuth: true},
			msg:  mail.Message{To: "ada@example.com", Subject: "Hi", Text: "body"},
			want: mail.Result{Sent: 1}, status: db.MailSent, keepsBody: true, delivered: 1},
		{name: "wrong password is retried, not given up", opts: &smtptest.Options{RequireAuth: true},
			env:  map[string]string{"SMTP_PASSWORD": "wrong"},
			msg:  mail.Message{To: "ada@example.com", Subject: "Hi", Text: "body"},
			want: mail.Result{Retried: 1}, status: db.MailPending, keepsBody: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, s *db.Store) {
				env := map[string]string{}
				var srv *smtptest.Server
				if tt.opts != nil {
					srv = smtptest.Start(t, *tt.opts)
					env = srv.Env()
				}
				for k, v := range tt.env {
					env[k] = v
				}
				cfg := apptest.Config(t, env)
				sender, err := mail.NewSender(cfg)
				if err != nil {
					t.Fatal(err)
				}
				d := mail.NewDispatcher(cfg, s, sender, apptest.Logger())
				enqueue(t, mail.NewOutbox(cfg, s), tt.msg)
				runOnce(t, d, tt.want)
				m := only(t, s)
				if m.Status != tt.status {
					t.Fatalf("status %q, want %q (last error %q)", m.Status, tt.status, m.LastError)
				}
				if (m.TextBody != "") != tt.keepsBody || (m.HTMLBody != "") != (tt.keepsBody && tt.msg.HTML != "") {
					t.Fatalf("body kept = %v, want %v", m.TextBody != "", tt.keepsBody)
				}
				if srv != nil && len(srv.Messages()) != tt.delivered {
					t.Fatalf("server received %d, want %d", len(srv.Messages()), tt.delivered)
				}
				if tt.delivered == 1 && srv.Messages()[0].Text != tt.msg.Text {
					t.Fatalf("delivered text %q, want %q", srv.Messages()[0].Text, tt.msg.Text)
				}
			})
		})
	}
}

// Enqueue wakes a running dispatcher: mail goes out at once, not at the
// next poll (an hour away here).
func TestRunWakesOnEnqueue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := smtptest.Start(t, smtptest.Options{})
		d, o := dispatcherFor(t, s, srv)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); d.Run(ctx, time.Hour) }()
		defer func() { cancel(); <-done }()
		for i := 1; i <= 2; i++ {
			enqueue(t, o, mail.Message{To: "ada@example.com", Subject: "Hi", Text: "body"})
			if got := srv.WaitFor(i, 10*time.Second); len(got) != i {
				t.Fatalf("after enqueue %d the server has %d messages", i, len(got))
			}
		}
	})
}

func TestNewSenderConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantNil bool
		wantErr bool
	}{
		{"no SMTP_HOST", nil, true, false},
		{"starttls", map[string]string{"SMTP_HOST": "smtp.example.org"}, false, false},
		{"implicit tls with auth", map[string]string{"SMTP_HOST": "smtp.example.org", "SMTP_PORT": "465", "SMTP_TLS": "tls",
			"SMTP_USERNAME": "u", "SMTP_PASSWORD": "p"}, false, false},
		{"bad MAIL_FROM", map[string]string{"SMTP_HOST": "smtp.example.org", "MAIL_FROM": "not an address"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.FromMap(mergeEnv(map[string]string{"APP_ENV": "test"}, tt.env))
			if err != nil {
				t.Fatal(err)
			}
			s, err := mail.NewSender(cfg)
			if (err != nil) != tt.wantErr || (s == nil) != (tt.wantNil || tt.wantErr) {
				t.Fatalf("NewSender = %v, %v", s, err)
			}
		})
	}
}

func mergeEnv(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]string{a, b} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// echoSender fails the way a careless server might: quoting the message
// back in its error.
type echoSender struct{ calls int }

func (e *echoSender) Send(_ context.Context, _ string, m mail.Message) error {
	e.calls++
	return errors.New("451 rejected content: " + m.Text)
}

func TestFailureNeverRecordsBody(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		cfg := apptest.Config(t, nil)
		sender := &echoSender{}
		d := mail.NewDispatcher(cfg, s, sender, apptest.Logger())
		enqueue(t, mail.NewOutbox(cfg, s), mail.Message{To: "ada@example.com", Subject: "Code", Text: "Your code is 987654", Sensitive: true})
		runOnce(t, d, mail.Result{Retried: 1})
		m := only(t, s)
		if sender.calls != 1 || strings.Contains(m.LastError, "987654") || !strings.Contains(m.LastError, "451") {
			t.Fatalf("calls %d, last_error %q", sender.calls, m.LastError)
		}
	})
}

// An SMTP server whose certificate a private CA signed is refused (as it
// must be: verification is never skipped) until SMTP_CA_FILE names that CA;
// then mail goes through STARTTLS with the password.
func TestSMTPPrivateCA(t *testing.T) {
	serverTLS, caFile := smtptest.PrivateCA(t)
	srv := smtptest.Start(t, smtptest.Options{TLS: serverTLS, RequireAuth: true})
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"system roots only", nil, "certificate signed by unknown authority"},
		{"SMTP_CA_FILE", map[string]string{"SMTP_CA_FILE": caFile}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := mergeEnv(srv.Env(), tt.env)
			if env["SMTP_TLS"] != "starttls" {
				t.Fatalf("smtptest with TLS asks for SMTP_TLS=%q", env["SMTP_TLS"])
			}
			cfg := apptest.Config(t, env)
			sender, err := mail.NewSender(cfg)
			if err != nil {
				t.Fatal(err)
			}
			before := len(srv.Messages())
			err = sender.Send(context.Background(), "Cohort <cohort@example.org>",
				mail.Message{To: "ada@example.org", Subject: "Hello", Text: "over TLS"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Send error = %v, want %q", err, tt.wantErr)
				}
				if len(srv.Messages()) != before {
					t.Fatal("the message was delivered to an unverified server")
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := srv.Messages()
			if len(msgs) != before+1 || msgs[len(msgs)-1].Text != "over TLS" {
				t.Fatalf("received %+v", msgs)
			}
		})
	}
}

// Mail with a NotAfter (a sign-in code) that could not be delivered in time
// is dropped, not sent late: its retry waits no longer than its expiry,
// then it is failed as "dropped", its bodies wiped, listed among the mail
// with delivery problems, and not offered again.
func TestDispatcherDropsExpiredMail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		clk := setClock(s)
		// Three refusals, then the server would accept: too late.
		srv := smtptest.Start(t, smtptest.Options{RefuseFirst: 3})
		d, o := dispatcherFor(t, s, srv)
		expires := clk.now.Add(10 * time.Minute)
		enqueue(t, o, mail.Message{To: "ada@example.com", Subject: "Code", Text: "Your code is 5555-5555", HTML: "<b>5555-5555</b>",
			Kind: "login_code", Sensitive: true, NotAfter: expires})
		// 1 min, then 5 min: still within the code's life, retried.
		for _, wait := range mail.DefaultBackoff[:2] {
			runOnce(t, d, mail.Result{Retried: 1})
			m := only(t, s)
			if !m.NextAttemptAt.Equal(clk.now.Add(wait)) {
				t.Fatalf("next attempt in %v, want %v", m.NextAttemptAt.Sub(clk.now), wait)
			}
			clk.now = m.NextAttemptAt
		}
		// The third wait (25 min) would end after the expiry: it ends there.
		runOnce(t, d, mail.Result{Retried: 1})
		if m := only(t, s); !m.NextAttemptAt.Equal(expires) || m.TextBody == "" {
			t.Fatalf("next attempt at %v, want the expiry %v", m.NextAttemptAt, expires)
		}
		clk.now = expires
		runOnce(t, d, mail.Result{Dropped: 1})
		m := only(t, s)
		if m.Status != db.MailFailed || !m.Dropped() || m.Attempts != 3 || m.SentAt != nil {
			t.Fatalf("after expiry: %+v", m)
		}
		if !strings.HasPrefix(m.LastError, "dropped: expired at 2026-11-21 09:10 UTC before it could be delivered") {
			t.Fatalf("last_error = %q", m.LastError)
		}
		if m.TextBody != "" || m.HTMLBody != "" || strings.Contains(m.Subject+m.LastError, "5555") {
			t.Fatalf("a dropped code is still readable: %+v", m)
		}
		if got := srv.Messages(); len(got) != 0 {
			t.Fatalf("the server received %d messages after the expiry", len(got))
		}
		trouble, err := s.MailTrouble(ctx, clk.now.Add(-time.Hour), 10)
		if err != nil || len(trouble) != 1 || !trouble[0].Dropped() {
			t.Fatalf("MailTrouble = %v, %v; want the dropped message", trouble, err)
		}
		if err := s.RetryMail(ctx, m.ID); !errors.Is(err, db.ErrConflict) {
			t.Fatalf("RetryMail of dropped mail = %v, want ErrConflict", err)
		}
		runOnce(t, d, mail.Result{})
	})
	t.Run("due mail past its expiry is dropped without an attempt", func(t *testing.T) {
		s := dbtest.New(t, config.DialectSQLite)
		clk := setClock(s)
		srv := smtptest.Start(t, smtptest.Options{})
		d, o := dispatcherFor(t, s, srv)
		enqueue(t, o, mail.Message{To: "ada@example.com", Subject: "Code", Text: "Your code is 6666-6666", Kind: "login_code", Sensitive: true,
			NotAfter: clk.now.Add(time.Minute)})
		clk.now = clk.now.Add(time.Minute) // e.g. every instance was down
		runOnce(t, d, mail.Result{Dropped: 1})
		if m := only(t, s); !m.Dropped() || m.Attempts != 0 || m.LastError != "dropped: expired at 2026-11-21 09:01 UTC before it could be delivered" {
			t.Fatalf("after expiry: %+v", m)
		}
		if len(srv.Messages()) != 0 {
			t.Fatal("sent after its expiry")
		}
	})
	t.Run("before its expiry it is sent", func(t *testing.T) {
		s := dbtest.New(t, config.DialectSQLite)
		clk := setClock(s)
		srv := smtptest.Start(t, smtptest.Options{})
		d, o := dispatcherFor(t, s, srv)
		enqueue(t, o, mail.Message{To: "ada@example.com", Subject: "Code", Text: "Your code is 7777-7777", Kind: "login_code", Sensitive: true,
			NotAfter: clk.now.Add(time.Minute)})
		clk.now = clk.now.Add(59 * time.Second)
		runOnce(t, d, mail.Result{Sent: 1})
	})
}
