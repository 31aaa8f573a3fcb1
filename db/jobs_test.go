package db_test

import (
	"context"
	"testing"
	"time"

	"cohort/db"
	"cohort/db/dbtest"
)

func TestJobSettings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		on, err := s.JobEnabled(ctx, "housekeeping")
		if err != nil || !on {
			t.Fatalf("a job without a row: enabled=%v, %v; want on", on, err)
		}
		p := &db.Person{Email: "ada@example.com"}
		if err := s.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		for _, want := range []bool{false, true, false} {
			if err := s.SetJobEnabled(ctx, "housekeeping", want, &p.ID); err != nil {
				t.Fatal(err)
			}
			got, err := s.JobEnabled(ctx, "housekeeping")
			if err != nil || got != want {
				t.Fatalf("after SetJobEnabled(%v): %v, %v", want, got, err)
			}
		}
		if err := s.SetJobEnabled(ctx, "other", true, nil); err != nil {
			t.Fatal(err)
		}
		rows, err := s.JobSettings(ctx)
		if err != nil || len(rows) != 2 || rows[0].Name != "housekeeping" || rows[0].Enabled ||
			rows[0].UpdatedBy == nil || *rows[0].UpdatedBy != p.ID || rows[1].UpdatedBy != nil {
			t.Fatalf("JobSettings = %+v, %v", rows, err)
		}
	})
}

func TestClaimJobSlot(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		ttl := 30 * time.Minute
		claim := func(slot, instance string) bool {
			t.Helper()
			ok, err := s.ClaimJobSlot(ctx, "j", slot, instance, ttl)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		// A run record for a claim, as the Runner writes it.
		start := func(slot, instance string) *db.JobRun {
			t.Helper()
			r := &db.JobRun{Job: "j", Slot: slot, Instance: instance, Trigger: "schedule"}
			if err := s.StartJobRun(ctx, r); err != nil {
				t.Fatal(err)
			}
			return r
		}
		steps := []struct {
			name     string
			advance  time.Duration
			slot     string
			instance string
			want     bool
		}{
			{"first claim wins", 0, "10:00", "a", true},
			{"same slot, other instance", 0, "10:00", "b", false},
			{"same slot, same instance", 0, "10:00", "a", false},
			{"other slot is free", 0, "11:00", "b", true},
			{"just before the TTL the claim holds", ttl - time.Second, "10:00", "b", false},
			{"at the TTL an unfinished claim is taken over", time.Second, "10:00", "b", true},
			{"the taken-over claim holds again", 0, "10:00", "c", false},
		}
		dead := start("10:00", "a") // a claims 10:00, starts, and dies
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				now = now.Add(st.advance)
				if got := claim(st.slot, st.instance); got != st.want {
					t.Fatalf("claim %s by %s = %v, want %v", st.slot, st.instance, got, st.want)
				}
			})
		}
		got, err := s.JobRunByID(ctx, dead.ID)
		if err != nil || got.Outcome != db.JobError || got.FinishedAt == nil || got.Error == "" {
			t.Fatalf("the dead instance's run after takeover = %+v, %v; want an abandoned error", got, err)
		}

		t.Run("a finished claim is never taken over", func(t *testing.T) {
			if !claim("12:00", "a") {
				t.Fatal("claim 12:00")
			}
			if err := s.FinishJobSlot(ctx, "j", "12:00"); err != nil {
				t.Fatal(err)
			}
			now = now.Add(24 * time.Hour)
			if claim("12:00", "b") {
				t.Fatal("a finished slot was claimed again")
			}
		})
	})
}

func TestJobRunsRecordAndAbandon(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		if ok, err := s.ClaimJobSlot(ctx, "j", "10:00", "a", time.Minute); !ok || err != nil {
			t.Fatal(ok, err)
		}
		dead := &db.JobRun{Job: "j", Slot: "10:00", Instance: "a", Trigger: "schedule"}
		if err := s.StartJobRun(ctx, dead); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second)
		if ok, err := s.ClaimJobSlot(ctx, "j", "11:00", "b", time.Minute); !ok || err != nil {
			t.Fatal(ok, err)
		}
		done := &db.JobRun{Job: "j", Slot: "11:00", Instance: "b", Trigger: "schedule"}
		if err := s.StartJobRun(ctx, done); err != nil {
			t.Fatal(err)
		}
		done.Outcome, done.Counts = db.JobOK, map[string]int{"rows": 3}
		if err := s.FinishJobRun(ctx, done); err != nil {
			t.Fatal(err)
		}
		got, err := s.JobRunByID(ctx, done.ID)
		if err != nil || got.Outcome != db.JobOK || got.Counts["rows"] != 3 || got.FinishedAt == nil || got.Trigger != "schedule" {
			t.Fatalf("finished run = %+v, %v", got, err)
		}

		if n, err := s.AbandonExpiredJobRuns(ctx, "j"); n != 0 || err != nil {
			t.Fatalf("before the TTL: abandoned %d, %v", n, err)
		}
		now = now.Add(time.Minute)
		if n, err := s.AbandonExpiredJobRuns(ctx, "j"); n != 1 || err != nil {
			t.Fatalf("after the TTL: abandoned %d, %v; want 1", n, err)
		}
		got, err = s.JobRunByID(ctx, dead.ID)
		if err != nil || got.Outcome != db.JobError || got.FinishedAt == nil {
			t.Fatalf("abandoned run = %+v, %v", got, err)
		}

		latest, err := s.LatestJobRuns(ctx, []string{"j", "none"})
		if err != nil || len(latest) != 1 || latest["j"].ID != done.ID {
			t.Fatalf("LatestJobRuns = %v, %v", latest, err)
		}
		runs, err := s.ListJobRuns(ctx, "j", 10)
		if err != nil || len(runs) != 2 || runs[0].ID != done.ID {
			t.Fatalf("ListJobRuns = %v, %v", runs, err)
		}

		// Retention: only claims and runs from before the cutoff go.
		cut := time.Date(2026, 11, 21, 10, 0, 0, 500_000_000, time.UTC) // between the two claims and runs
		if n, err := s.DeleteJobLocksBefore(ctx, cut); n != 1 || err != nil {
			t.Fatalf("DeleteJobLocksBefore = %d, %v; want 1", n, err)
		}
		if n, err := s.DeleteJobRunsBefore(ctx, cut); n != 1 || err != nil {
			t.Fatalf("DeleteJobRunsBefore = %d, %v; want 1", n, err)
		}
		if _, err := s.JobRunByID(ctx, done.ID); err != nil {
			t.Fatalf("the newer run was deleted: %v", err)
		}
	})
}
