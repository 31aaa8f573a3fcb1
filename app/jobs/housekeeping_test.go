package jobs_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"cohort/app/jobs"
	"cohort/db"
	"cohort/db/dbtest"
)

// Housekeeping deletes what has expired — and nothing that has not — with
// time taken from the store's clock.
func TestHousekeeping(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
		at := func(d time.Duration) { s.Now = func() time.Time { return now.Add(d) } }
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		day := 24 * time.Hour

		// Sessions: one expired, one live, one without expiry.
		at(-2 * time.Hour)
		must(s.SessionSet(ctx, "expired", []byte("x"), time.Hour))
		at(0)
		must(s.SessionSet(ctx, "live", []byte("x"), time.Hour))
		must(s.SessionSet(ctx, "forever", []byte("x"), 0))

		// Sign-in codes: one expired, one used, one live.
		at(-time.Hour)
		_, err := s.CreateLoginCode(ctx, "ada@example.com", "h1", 10*time.Minute)
		must(err)
		at(0)
		used, err := s.CreateLoginCode(ctx, "ada@example.com", "h2", 10*time.Minute)
		must(err)
		if ok, err := s.UseLoginCode(ctx, used.ID); !ok || err != nil {
			t.Fatal("UseLoginCode", ok, err)
		}
		_, err = s.CreateLoginCode(ctx, "bob@example.com", "h3", 10*time.Minute)
		must(err)

		// Rate-limit windows: one finished, one current.
		at(-time.Hour)
		_, err = s.HitRateLimit(ctx, "ip:1", 15*time.Minute)
		must(err)
		at(0)
		_, err = s.HitRateLimit(ctx, "ip:1", 15*time.Minute)
		must(err)

		// Mail: delivered 31 days ago (goes), delivered 29 days ago (stays),
		// still pending after 31 days (stays: not delivered yet).
		enqueue := func(age time.Duration, sent bool) {
			t.Helper()
			at(-age)
			m := &db.OutboxMessage{To: "ada@example.com", Subject: "s", TextBody: "b"}
			_, err := s.EnqueueMail(ctx, m)
			must(err)
			if sent {
				must(s.MarkMailSent(ctx, m.ID, false))
			}
		}
		enqueue(31*day, true)
		enqueue(29*day, true)
		enqueue(31*day, false)

		// Job claims and runs: 31 days old (go) and 29 days old (stay).
		for _, age := range []time.Duration{31 * day, 29 * day} {
			at(-age)
			slot := now.Add(-age).Format(jobs.SlotLayout)
			if ok, err := s.ClaimJobSlot(ctx, "housekeeping", slot, "old", time.Hour); !ok || err != nil {
				t.Fatal("claim", ok, err)
			}
			run := &db.JobRun{Job: "housekeeping", Slot: slot, Instance: "old", Trigger: "schedule"}
			must(s.StartJobRun(ctx, run))
			run.Outcome = db.JobOK
			must(s.FinishJobRun(ctx, run))
			must(s.FinishJobSlot(ctx, "housekeeping", slot))
		}

		at(0)
		r := newRunner(t, s, "test", jobs.Builtin()...)
		run, err := r.RunNow(ctx, "housekeeping", jobs.TriggerCLI)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"sessions": 1, "login_codes": 2, "rate_limits": 1, "mail": 1, "job_locks": 1, "job_runs": 1}
		if run.Outcome != db.JobOK || !maps.Equal(run.Counts, want) {
			t.Fatalf("housekeeping = %s %v (%s); want ok %v", run.Outcome, run.Counts, run.Error, want)
		}
		left := map[string]int{}
		for _, table := range []string{"sessions", "login_codes", "rate_limits", "mail_outbox", "job_locks", "job_runs"} {
			var n int
			must(s.DB().NewRaw("SELECT COUNT(*) FROM "+table).Scan(ctx, &n))
			left[table] = n
		}
		// What stays, including this run's own claim and record.
		wantLeft := map[string]int{"sessions": 2, "login_codes": 1, "rate_limits": 1, "mail_outbox": 2, "job_locks": 2, "job_runs": 2}
		if !maps.Equal(left, wantLeft) {
			t.Fatalf("rows left = %v, want %v", left, wantLeft)
		}
		if _, err := s.SessionGet(ctx, "live"); err != nil {
			t.Fatal(err)
		}
	})
}
