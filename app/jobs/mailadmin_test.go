package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"cohort/app/demo"
	"cohort/app/jobs"
	"cohort/db"
	"cohort/db/dbtest"
)

// outboxRows is one message in each state the mail delivery table cares
// about.
type outboxRows struct {
	failed, retrying, sensitive, sent, pending, old *db.OutboxMessage
}

// makeOutboxRows fills the outbox of s, on s's clock.
func makeOutboxRows(t *testing.T, s *db.Store) outboxRows {
	t.Helper()
	ctx := context.Background()
	now := s.Now()
	enqueue := func(to, kind string, sensitive bool, created time.Time) *db.OutboxMessage {
		t.Helper()
		m := &db.OutboxMessage{To: to, Subject: "Subject " + kind, TextBody: "body", Kind: kind, Sensitive: sensitive, CreatedAt: created}
		if _, err := s.EnqueueMail(ctx, m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var r outboxRows
	r.failed = enqueue("lost@example.com", db.NotifyDraftReminder, false, now.Add(-2*time.Hour))
	must(s.MarkMailFailed(ctx, r.failed.ID, "550 <lost@example.com>: mailbox unavailable"))
	r.retrying = enqueue("later@example.com", db.NotifyPairIntro, false, now.Add(-time.Hour))
	must(s.MarkMailRetry(ctx, r.retrying.ID, 2, now.Add(time.Hour), "421 try again later"))
	r.sensitive = enqueue("code@example.com", "login_code", true, now.Add(-3*time.Hour))
	must(s.MarkMailFailed(ctx, r.sensitive.ID, "550 rejected"))
	r.sent = enqueue("fine@example.com", db.NotifyPairIntro, false, now.Add(-4*time.Hour))
	must(s.MarkMailSent(ctx, r.sent.ID, false))
	r.pending = enqueue("queued@example.com", db.NotifyPairIntro, false, now.Add(-5*time.Hour))
	r.old = enqueue("ancient@example.com", db.NotifyDraftReminder, false, now.Add(-8*24*time.Hour))
	must(s.MarkMailFailed(ctx, r.old.ID, "550 long ago"))
	return r
}

func outboxMessage(t *testing.T, s *db.Store, id int64) *db.OutboxMessage {
	t.Helper()
	m, err := s.MailByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// MailTrouble lists failed mail and mail waiting for a retry after a
// failure, from the window, newest first; RetryMail re-queues only failed
// mail.
func TestMailTroubleStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return t0 }
		r := makeOutboxRows(t, s)

		ids := func(ms []*db.OutboxMessage) []int64 {
			out := make([]int64, len(ms))
			for i, m := range ms {
				out[i] = m.ID
			}
			return out
		}
		tests := []struct {
			name  string
			since time.Time
			limit int
			want  []int64
		}{
			{"the last 7 days, newest first", t0.Add(-7 * 24 * time.Hour), 50, []int64{r.retrying.ID, r.failed.ID, r.sensitive.ID}},
			{"limited", t0.Add(-7 * 24 * time.Hour), 2, []int64{r.retrying.ID, r.failed.ID}},
			{"a shorter window", t0.Add(-150 * time.Minute), 50, []int64{r.retrying.ID, r.failed.ID}},
			{"a longer window", t0.Add(-9 * 24 * time.Hour), 50, []int64{r.retrying.ID, r.failed.ID, r.sensitive.ID, r.old.ID}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.MailTrouble(ctx, tt.since, tt.limit)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(ids(got)) != fmt.Sprint(tt.want) {
					t.Fatalf("MailTrouble = %v, want %v", ids(got), tt.want)
				}
				for _, m := range got {
					if m.TextBody != "" || m.HTMLBody != "" {
						t.Fatalf("MailTrouble loaded the body of %d", m.ID)
					}
				}
			})
		}

		retries := []struct {
			name string
			id   int64
			want error
		}{
			{"pending after a failure", r.retrying.ID, db.ErrConflict},
			{"sent", r.sent.ID, db.ErrConflict},
			{"pending", r.pending.ID, db.ErrConflict},
			{"unknown", r.old.ID + 1000, db.ErrNotFound},
			{"failed", r.failed.ID, nil},
			{"failed, again", r.failed.ID, db.ErrConflict},
		}
		for _, tt := range retries {
			t.Run("RetryMail "+tt.name, func(t *testing.T) {
				if err := s.RetryMail(ctx, tt.id); !errors.Is(err, tt.want) {
					t.Fatalf("RetryMail = %v, want %v", err, tt.want)
				}
			})
		}
		m := outboxMessage(t, s, r.failed.ID)
		if m.Status != db.MailPending || m.Attempts != 0 || !m.NextAttemptAt.Equal(t0) || m.LockedUntil != nil {
			t.Fatalf("retried message = %+v", m)
		}
	})
}

// The jobs page lists mail with delivery problems; "Send again" re-queues
// failed mail (not sign-in codes), with an audit event; only admins may.
func TestMailAdminRetry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		f := newAdminFixture(t, s)
		admin, err := s.PersonByEmail(ctx, demo.AdminEmail)
		if err != nil {
			t.Fatal(err)
		}
		r := makeOutboxRows(t, s)
		c := f.client(t, demo.AdminEmail)

		retryAction := func(id int64) string { return fmt.Sprintf(`action="/admin/mail/%d/retry"`, id) }
		row := func(id int64) string { return fmt.Sprintf(`id="mail-%d"`, id) }

		t.Run("the page lists failed and retrying mail", func(t *testing.T) {
			res := c.Get("/admin/jobs")
			if res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
			_, table, ok := strings.Cut(res.Body, `<h2 id="mail">`)
			if !ok {
				t.Fatal("no mail delivery section")
			}
			rowOf := func(id int64) string {
				_, after, ok := strings.Cut(table, row(id))
				if !ok {
					t.Fatalf("no row for message %d", id)
				}
				before, _, _ := strings.Cut(after, "</tr>")
				return before
			}
			for _, tt := range []struct {
				name string
				id   int64
				want []string
				not  []string
			}{
				{"failed", r.failed.ID,
					[]string{"<td>lost@example.com</td>", "<td>draft_reminder</td>", "Given up", "<td>1</td>",
						"<code>550 &lt;lost@example.com&gt;: mailbox unavailable</code>", retryAction(r.failed.ID), `name="_csrf" value="` + c.CSRF + `"`},
					nil},
				{"retrying", r.retrying.ID,
					[]string{"<td>later@example.com</td>", "<td>pair_intro</td>", "Retrying at ", "<td>2</td>", "<code>421 try again later</code>"},
					[]string{"Given up", "<form"}},
				{"sign-in code: listed, no button", r.sensitive.ID,
					[]string{"<td>code@example.com</td>", "<td>login_code</td>", "Given up"},
					[]string{"<form", "Send again"}},
			} {
				t.Run(tt.name, func(t *testing.T) {
					got := rowOf(tt.id)
					for _, want := range tt.want {
						if !strings.Contains(got, want) {
							t.Errorf("row lacks %q:\n%s", want, got)
						}
					}
					for _, bad := range tt.not {
						if strings.Contains(got, bad) {
							t.Errorf("row has %q:\n%s", bad, got)
						}
					}
				})
			}
			for _, m := range []*db.OutboxMessage{r.sent, r.pending, r.old} {
				if strings.Contains(table, row(m.ID)) || strings.Contains(table, m.To) {
					t.Errorf("message %d (%s, %s) is listed", m.ID, m.Status, m.To)
				}
			}
			if n := strings.Count(table, `action="/admin/mail/`); n != 1 {
				t.Errorf("%d Send again forms, want 1", n)
			}
		})

		// Refused first: nobody but an admin may, and an admin only with
		// the form's token.
		refused := []struct {
			who, email string
			token      string // "" for the client's own
			want       int
		}{
			{"anonymous", "", "", 401},
			{"member", demo.MemberEmail, "", 403},
			{"staff", demo.StaffEmail, "", 403},
			{"admin with a forged token", demo.AdminEmail, "forged", 403},
		}
		for _, tt := range refused {
			t.Run("refused: "+tt.who, func(t *testing.T) {
				cl := f.client(t, tt.email)
				form := url.Values{}
				if tt.token != "" {
					form.Set("_csrf", tt.token)
				}
				if res := cl.PostForm(fmt.Sprintf("/admin/mail/%d/retry", r.failed.ID), form); res.StatusCode != tt.want {
					t.Fatalf("status %d, want %d: %.200s", res.StatusCode, tt.want, res.Body)
				}
				if m := outboxMessage(t, s, r.failed.ID); m.Status != db.MailFailed || m.Attempts != 1 {
					t.Fatalf("refused retry changed the message: %s, %d attempts", m.Status, m.Attempts)
				}
				if res := cl.Get("/admin/jobs"); tt.email != demo.AdminEmail && res.StatusCode != tt.want {
					t.Fatalf("GET /admin/jobs = %d, want %d", res.StatusCode, tt.want)
				}
			})
		}
		if n := len(f.events(t, jobs.ActionRetry)); n != 0 {
			t.Fatalf("%d mail.retry events after refused requests", n)
		}

		tests := []struct {
			name       string
			path       string
			wantStatus int
			id         int64  // the message that must stay as it was (0: none)
			wantState  string // its status afterwards
		}{
			{"failed mail is queued again", fmt.Sprintf("/admin/mail/%d/retry", r.failed.ID), 303, r.failed.ID, db.MailPending},
			{"again: no longer failed", fmt.Sprintf("/admin/mail/%d/retry", r.failed.ID), 409, r.failed.ID, db.MailPending},
			{"a sign-in code is not resent", fmt.Sprintf("/admin/mail/%d/retry", r.sensitive.ID), 409, r.sensitive.ID, db.MailFailed},
			{"sent mail", fmt.Sprintf("/admin/mail/%d/retry", r.sent.ID), 409, r.sent.ID, db.MailSent},
			{"mail waiting for its retry", fmt.Sprintf("/admin/mail/%d/retry", r.retrying.ID), 409, r.retrying.ID, db.MailPending},
			{"unknown id", fmt.Sprintf("/admin/mail/%d/retry", r.old.ID+1000), 404, 0, ""},
			{"id zero", "/admin/mail/0/retry", 404, 0, ""},
			{"not a number", "/admin/mail/abc/retry", 404, 0, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var before *db.OutboxMessage
				if tt.id != 0 {
					before = outboxMessage(t, s, tt.id)
				}
				events := len(f.events(t, jobs.ActionRetry))
				res := c.PostForm(tt.path, nil)
				if res.StatusCode != tt.wantStatus {
					t.Fatalf("status %d, want %d: %.300s", res.StatusCode, tt.wantStatus, res.Body)
				}
				evs := f.events(t, jobs.ActionRetry)
				if tt.wantStatus != 303 {
					if len(evs) != events {
						t.Fatal("a refused retry was audited")
					}
					if before != nil {
						after := outboxMessage(t, s, tt.id)
						if after.Status != tt.wantState || after.Attempts != before.Attempts || !after.NextAttemptAt.Equal(before.NextAttemptAt) {
							t.Fatalf("refused retry changed the message: %+v → %+v", before, after)
						}
					}
					return
				}
				if loc := res.Header.Get("Location"); loc != "/admin/jobs?done=retried#mail" {
					t.Fatalf("Location = %q", loc)
				}
				after := outboxMessage(t, s, tt.id)
				if after.Status != db.MailPending || after.Attempts != 0 || after.LockedUntil != nil ||
					after.NextAttemptAt.After(s.Now().Add(time.Second)) || after.TextBody != "body" {
					t.Fatalf("retried message = %+v", after)
				}
				if len(evs) != events+1 {
					t.Fatalf("%d mail.retry events, want %d", len(evs), events+1)
				}
				ev := evs[0]
				if ev.SubjectType != "mail" || ev.SubjectID != fmt.Sprint(tt.id) || ev.ActorID == nil || *ev.ActorID != admin.ID ||
					ev.Details["kind"] != db.NotifyDraftReminder || fmt.Sprint(ev.Details["attempts"]) != "1" {
					t.Fatalf("audit event = %+v", ev)
				}
				page := c.Get("/admin/jobs?done=retried").Body
				if !strings.Contains(page, "Mail queued again") || strings.Contains(page, row(tt.id)) {
					t.Fatal("the page after the retry has no confirmation or still lists the message")
				}
			})
		}
		if n := len(f.events(t, jobs.ActionRetry)); n != 1 {
			t.Fatalf("%d mail.retry events, want 1", n)
		}
	})
}
