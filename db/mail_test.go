package db_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestEnqueueMailDedupe(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		ptr := func(s string) *string { return &s }
		tests := []struct {
			name string
			key  *string
			want bool
		}{
			{"no key", nil, true},
			{"no key again is a new message", nil, true},
			{"empty key is no key", ptr(""), true},
			{"empty key again", ptr(""), true},
			{"first with key", ptr("reminder:42:2026-11"), true},
			{"same key is skipped", ptr("reminder:42:2026-11"), false},
			{"other key", ptr("reminder:43:2026-11"), true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := &db.OutboxMessage{To: "ada@example.com", Subject: "Hi", TextBody: "body", DedupeKey: tt.key}
				got, err := s.EnqueueMail(ctx, m)
				if err != nil || got != tt.want {
					t.Fatalf("EnqueueMail = %v, %v; want %v, nil", got, err, tt.want)
				}
				if got && m.ID == 0 {
					t.Fatal("inserted message has no ID")
				}
			})
		}
		all, err := s.ListMail(ctx, db.MailQuery{})
		if err != nil || len(all) != 6 {
			t.Fatalf("ListMail = %d messages, %v; want 6", len(all), err)
		}
		m := all[0]
		if m.Status != db.MailPending || m.Attempts != 0 || m.NextAttemptAt.IsZero() || m.CreatedAt.IsZero() || m.LockedUntil != nil {
			t.Fatalf("defaults not applied: %+v", m)
		}
	})
}

func TestClaimDueMail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		enqueue := func(m *db.OutboxMessage) *db.OutboxMessage {
			t.Helper()
			m.To, m.Subject, m.TextBody = "ada@example.com", "s", "b"
			if _, err := s.EnqueueMail(ctx, m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		due1 := enqueue(&db.OutboxMessage{})
		due2 := enqueue(&db.OutboxMessage{})
		later := enqueue(&db.OutboxMessage{NextAttemptAt: now.Add(time.Hour)})
		enqueue(&db.OutboxMessage{Status: db.MailSuppressed})
		sent := enqueue(&db.OutboxMessage{})
		if err := s.MarkMailSent(ctx, sent.ID, false); err != nil {
			t.Fatal(err)
		}
		ids := func(ms []*db.OutboxMessage) []int64 {
			out := make([]int64, len(ms))
			for i, m := range ms {
				out[i] = m.ID
			}
			return out
		}
		steps := []struct {
			name    string
			advance time.Duration
			limit   int
			want    []int64
		}{
			{"limit takes the oldest due", 0, 1, []int64{due1.ID}},
			{"a leased message is not claimed again", 0, 10, []int64{due2.ID}},
			{"nothing left inside the leases", 30 * time.Second, 10, nil},
			{"an expired lease is claimed again", 31 * time.Second, 10, []int64{due1.ID, due2.ID}},
			{"a future message once due", time.Hour, 10, []int64{due1.ID, due2.ID, later.ID}},
			{"zero limit claims nothing", time.Hour, 0, nil},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				now = now.Add(st.advance)
				got, err := s.ClaimDueMail(ctx, st.limit, time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(ids(got)) != fmt.Sprint(st.want) {
					t.Fatalf("claimed %v, want %v", ids(got), st.want)
				}
				for _, m := range got {
					if m.LockedUntil == nil || !m.LockedUntil.Equal(now.Add(time.Minute)) {
						t.Fatalf("message %d locked until %v, want %v", m.ID, m.LockedUntil, now.Add(time.Minute))
					}
					if m.To != "ada@example.com" || m.TextBody != "b" {
						t.Fatalf("claimed row not returned whole: %+v", m)
					}
				}
			})
		}
	})
}

func TestMailTransitions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		newMsg := func(t *testing.T) *db.OutboxMessage {
			m := &db.OutboxMessage{To: "ada@example.com", Subject: "Code", TextBody: "123456", HTMLBody: "<b>123456</b>", Sensitive: true, Kind: "login_code"}
			if _, err := s.EnqueueMail(ctx, m); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ClaimDueMail(ctx, 10, time.Minute); err != nil {
				t.Fatal(err)
			}
			return m
		}
		next := now.Add(5 * time.Minute)
		tests := []struct {
			name  string
			mark  func(id int64) error
			check func(t *testing.T, m *db.OutboxMessage)
		}{
			{"sent keeps the body unless asked", func(id int64) error { return s.MarkMailSent(ctx, id, false) },
				func(t *testing.T, m *db.OutboxMessage) {
					if m.Status != db.MailSent || m.SentAt == nil || !m.SentAt.Equal(now) || m.TextBody == "" {
						t.Fatalf("%+v", m)
					}
				}},
			{"sent with wipe empties both bodies", func(id int64) error { return s.MarkMailSent(ctx, id, true) },
				func(t *testing.T, m *db.OutboxMessage) {
					if m.Status != db.MailSent || m.TextBody != "" || m.HTMLBody != "" || m.Subject != "Code" {
						t.Fatalf("%+v", m)
					}
				}},
			{"dev keeps the body", func(id int64) error { return s.MarkMailDev(ctx, id) },
				func(t *testing.T, m *db.OutboxMessage) {
					if m.Status != db.MailDev || m.TextBody != "123456" || m.SentAt == nil {
						t.Fatalf("%+v", m)
					}
				}},
			{"retry stays pending until next", func(id int64) error { return s.MarkMailRetry(ctx, id, 2, next, "451 4.3.0 try later") },
				func(t *testing.T, m *db.OutboxMessage) {
					if m.Status != db.MailPending || m.Attempts != 2 || !m.NextAttemptAt.Equal(next) || m.LastError != "451 4.3.0 try later" || m.SentAt != nil {
						t.Fatalf("%+v", m)
					}
				}},
			{"failed counts the last attempt", func(id int64) error { return s.MarkMailFailed(ctx, id, "550 5.1.1\r\nno such user") },
				func(t *testing.T, m *db.OutboxMessage) {
					if m.Status != db.MailFailed || m.Attempts != 1 || m.LastError != "550 5.1.1 no such user" || m.SentAt != nil {
						t.Fatalf("%+v", m)
					}
				}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := newMsg(t)
				if err := tt.mark(m.ID); err != nil {
					t.Fatal(err)
				}
				got, err := s.MailByID(ctx, m.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.LockedUntil != nil {
					t.Fatalf("lease not released: %v", got.LockedUntil)
				}
				tt.check(t, got)
			})
		}

		t.Run("missing id", func(t *testing.T) {
			for name, err := range map[string]error{
				"sent":   s.MarkMailSent(ctx, 999999, true),
				"dev":    s.MarkMailDev(ctx, 999999),
				"retry":  s.MarkMailRetry(ctx, 999999, 1, next, "x"),
				"failed": s.MarkMailFailed(ctx, 999999, "x"),
				"by id":  func() error { _, err := s.MailByID(ctx, 999999); return err }(),
			} {
				if !errors.Is(err, db.ErrNotFound) {
					t.Errorf("%s: err = %v, want ErrNotFound", name, err)
				}
			}
		})

		t.Run("a retried message is due again at next", func(t *testing.T) {
			m := newMsg(t)
			if err := s.MarkMailRetry(ctx, m.ID, 1, next, "x"); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.ClaimDueMail(ctx, 10, time.Minute); len(got) != 0 {
				t.Fatalf("claimed %d before next attempt", len(got))
			}
			defer func(old time.Time) { now = old }(now)
			now = next
			got, err := s.ClaimDueMail(ctx, 10, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			var found *db.OutboxMessage
			for _, g := range got {
				if g.ID == m.ID {
					found = g
				}
			}
			if found == nil || found.Attempts != 1 {
				t.Fatalf("claim at next did not return message %d with attempts 1: %+v", m.ID, found)
			}
			if err := s.MarkMailFailed(ctx, m.ID, "gave up"); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("last error is clipped", func(t *testing.T) {
			m := newMsg(t)
			long := make([]byte, 2000)
			for i := range long {
				long[i] = 'x'
			}
			if err := s.MarkMailFailed(ctx, m.ID, string(long)); err != nil {
				t.Fatal(err)
			}
			got, _ := s.MailByID(ctx, m.ID)
			if len(got.LastError) > 600 {
				t.Fatalf("last_error is %d bytes", len(got.LastError))
			}
		})
	})
}

func TestListAndDeleteMail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		var ids []int64
		for i, status := range []string{db.MailPending, db.MailSent, db.MailDev, db.MailSuppressed, db.MailPending} {
			m := &db.OutboxMessage{To: "ada@example.com", Subject: fmt.Sprint(i), TextBody: "b", Status: status}
			if _, err := s.EnqueueMail(ctx, m); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
			now = now.Add(time.Hour)
		}
		tests := []struct {
			name string
			q    db.MailQuery
			want []int64
		}{
			{"all newest first", db.MailQuery{}, []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}},
			{"by status", db.MailQuery{Status: db.MailPending}, []int64{ids[4], ids[0]}},
			{"limit", db.MailQuery{Limit: 2}, []int64{ids[4], ids[3]}},
			{"no match", db.MailQuery{Status: db.MailFailed}, []int64{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.ListMail(ctx, tt.q)
				if err != nil {
					t.Fatal(err)
				}
				gotIDs := []int64{}
				for _, m := range got {
					gotIDs = append(gotIDs, m.ID)
				}
				if fmt.Sprint(gotIDs) != fmt.Sprint(tt.want) {
					t.Fatalf("ListMail(%+v) = %v, want %v", tt.q, gotIDs, tt.want)
				}
			})
		}
		// Everything was created before now; only finished mail goes.
		n, err := s.DeleteMailBefore(ctx, now)
		if err != nil || n != 3 {
			t.Fatalf("DeleteMailBefore = %d, %v; want 3", n, err)
		}
		left, _ := s.ListMail(ctx, db.MailQuery{})
		if len(left) != 2 || left[0].Status != db.MailPending || left[1].Status != db.MailPending {
			t.Fatalf("left %+v, want the two pending messages", left)
		}
	})
}

// Several instances claim from one outbox at once: each message must go to
// exactly one of them.
func TestClaimDueMailConcurrent(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			target := config.Database{Dialect: d}
			if d == config.DialectSQLite {
				target.DSN = filepath.Join(t.TempDir(), "claim.db")
				s, err := db.Open(ctx, target, db.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				_ = s.Close()
			} else {
				target.DSN = dbtest.PostgresDSN(t)
			}
			const total, workers = 120, 4
			seed, err := db.Open(ctx, target, db.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer seed.Close()
			for i := range total {
				if _, err := seed.EnqueueMail(ctx, &db.OutboxMessage{To: "a@example.com", Subject: fmt.Sprint(i), TextBody: "b"}); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			claimed := make([][]int64, workers)
			errs := make([]error, workers)
			start := make(chan struct{})
			for w := range workers {
				s, err := db.Open(ctx, target, db.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					for {
						ms, err := s.ClaimDueMail(ctx, 7, time.Hour)
						if err != nil {
							errs[w] = err
							return
						}
						if len(ms) == 0 {
							return
						}
						for _, m := range ms {
							claimed[w] = append(claimed[w], m.ID)
						}
					}
				}()
			}
			close(start)
			wg.Wait()
			seen := map[int64]int{}
			for w := range workers {
				if errs[w] != nil {
					t.Fatalf("worker %d: %v", w, errs[w])
				}
				for _, id := range claimed[w] {
					seen[id]++
					if seen[id] > 1 {
						t.Fatalf("message %d claimed twice", id)
					}
				}
			}
			if len(seen) != total {
				t.Fatalf("%d of %d messages claimed", len(seen), total)
			}
		})
	}
}
