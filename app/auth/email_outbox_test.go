package auth_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/mail"
	"cohort/app/mail/smtptest"
	"cohort/db"
	"cohort/db/dbtest"
)

// outboxText is every column of every outbox row, as text, for looking
// for a code wherever it might linger.
func outboxText(t *testing.T, s *db.Store) string {
	t.Helper()
	var rows []map[string]any
	if err := s.DB().NewRaw("SELECT * FROM mail_outbox").Scan(t.Context(), &rows); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rows {
		for k, v := range r {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%s=%v\n", k, v)
		}
	}
	return b.String()
}

// README says a sign-in code is stored only as an HMAC: once the mail is
// delivered (or suppressed), no column of the outbox holds it.
func TestEmailCodeNotKeptInOutbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newMailWorld(t, s, nil)
		c := apptest.NewClient(t, w.srv)
		requestCode(t, c, "member@example.com")
		requestCode(t, apptest.NewClient(t, w.srv), "nobody@example.com") // suppressed: no account
		codes := w.codesFor(t, "member@example.com")
		if len(codes) != 1 {
			t.Fatalf("mailed codes %v", codes)
		}
		msgs := w.smtp.Messages()
		if !strings.Contains(msgs[len(msgs)-1].Data, "Subject: Your Cohort sign-in code") {
			t.Fatalf("unexpected subject in %q", msgs[len(msgs)-1].Data)
		}
		all := outboxText(t, s)
		for _, form := range []string{codes[0], strings.ReplaceAll(codes[0], "-", "")} {
			if strings.Contains(all, form) {
				t.Fatalf("the delivered code %s is still in the outbox:\n%s", form, all)
			}
		}
		if strings.Contains(all, "Your sign-in code is") {
			t.Fatalf("a code mail's body (the suppressed one's?) is in the outbox:\n%s", all)
		}
	})
}

// A code mail that cannot be delivered within the code's lifetime is
// dropped, not sent dead, and the admin page says so.
func TestEmailCodeMailDroppedAfterExpiry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newMailWorld(t, s, nil)
		refusing := smtptest.Start(t, smtptest.Options{RefuseFirst: 1000})
		cfg := apptest.Config(t, refusing.Env())
		sender, err := mail.NewSender(cfg)
		if err != nil {
			t.Fatal(err)
		}
		d := mail.NewDispatcher(cfg, s, sender, apptest.Logger())
		c := apptest.NewClient(t, w.srv)
		requestCode(t, c, "member@example.com")
		ctx := context.Background()
		var dropped int
		for range 10 {
			res, err := d.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			dropped += res.Dropped
			w.clock.advance(5 * time.Minute)
		}
		msgs, err := s.ListMail(ctx, db.MailQuery{})
		if err != nil || len(msgs) != 1 {
			t.Fatalf("outbox %v, %v", msgs, err)
		}
		m := msgs[0]
		if dropped != 1 || !m.Dropped() || m.Kind != "login_code" || m.TextBody != "" || len(refusing.Messages()) != 0 {
			t.Fatalf("after the code expired: dropped %d, message %+v, delivered %d", dropped, m, len(refusing.Messages()))
		}
		admin := apptest.NewClient(t, w.srv)
		admin.SignInAs(demo.AdminEmail)
		page := admin.Get("/admin/jobs")
		_, row, ok := strings.Cut(page.Body, fmt.Sprintf(`id="mail-%d"`, m.ID))
		row, _, _ = strings.Cut(row, "</tr>")
		if !ok || !strings.Contains(row, "Dropped: expired") || !strings.Contains(row, "dropped: expired at") ||
			!strings.Contains(row, "<td>login_code</td>") || strings.Contains(row, "<form") {
			t.Fatalf("the failed-mail list does not show the dropped code mail (found %v):\n%s", ok, row)
		}
	})
}
