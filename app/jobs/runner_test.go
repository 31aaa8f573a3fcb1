package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"maps"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cohort/app/apptest"
	"cohort/app/jobs"
	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestRunSlot(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		var calls atomic.Int64
		counting := func(counts jobs.Counts, err error) func(context.Context, jobs.Env) (jobs.Counts, error) {
			return func(context.Context, jobs.Env) (jobs.Counts, error) {
				calls.Add(1)
				return counts, err
			}
		}
		r := newRunner(t, s, "test-instance",
			jobs.Job{Name: "ok", Schedule: "0 * * * *", Run: counting(jobs.Counts{"things": 2}, nil)},
			jobs.Job{Name: "fails", Schedule: "0 * * * *", Run: counting(jobs.Counts{"done": 1}, errors.New("boom"))},
			jobs.Job{Name: "panics", Schedule: "0 * * * *", Run: func(context.Context, jobs.Env) (jobs.Counts, error) {
				calls.Add(1)
				panic("kaboom")
			}},
			jobs.Job{Name: "slow", Schedule: "0 * * * *", Timeout: 50 * time.Millisecond,
				Run: func(ctx context.Context, _ jobs.Env) (jobs.Counts, error) {
					calls.Add(1)
					<-ctx.Done()
					return nil, ctx.Err()
				}},
			jobs.Job{Name: "off", Schedule: "0 * * * *", Run: counting(jobs.Counts{"n": 1}, nil)},
		)
		if err := s.SetJobEnabled(ctx, "off", false, nil); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name        string
			job, slot   string
			trigger     jobs.Trigger
			wantErr     error
			wantRan     bool // the job function was called
			wantOutcome string
			wantCounts  map[string]int
			wantError   string
		}{
			{"a scheduled slot runs and records its counts", "ok", "2026-11-21T10:00Z", jobs.TriggerSchedule, nil, true, db.JobOK, map[string]int{"things": 2}, ""},
			{"the same slot again does not run", "ok", "2026-11-21T10:00Z", jobs.TriggerSchedule, jobs.ErrSlotTaken, false, "", nil, ""},
			{"nor as a manual trigger", "ok", "2026-11-21T10:00Z", jobs.TriggerManual, jobs.ErrSlotTaken, false, "", nil, ""},
			{"the next slot runs", "ok", "2026-11-21T11:00Z", jobs.TriggerSchedule, nil, true, db.JobOK, map[string]int{"things": 2}, ""},
			{"an error is recorded with the partial counts", "fails", "2026-11-21T10:00Z", jobs.TriggerSchedule, nil, true, db.JobError, map[string]int{"done": 1}, "boom"},
			{"a panic becomes an error run", "panics", "2026-11-21T10:00Z", jobs.TriggerSchedule, nil, true, db.JobError, map[string]int{}, "panic: kaboom"},
			{"the job's timeout cancels its context", "slow", "2026-11-21T10:00Z", jobs.TriggerSchedule, nil, true, db.JobError, map[string]int{}, "context deadline exceeded"},
			{"a switched-off job is skipped on schedule", "off", "2026-11-21T10:00Z", jobs.TriggerSchedule, nil, false, db.JobSkipped, map[string]int{}, "switched off by an admin"},
			{"its skipped slot is taken", "off", "2026-11-21T10:00Z", jobs.TriggerSchedule, jobs.ErrSlotTaken, false, "", nil, ""},
			{"a switched-off job runs when triggered by hand", "off", "manual-1", jobs.TriggerManual, nil, true, db.JobOK, map[string]int{"n": 1}, ""},
			{"and from the command line", "off", "cli-1", jobs.TriggerCLI, nil, true, db.JobOK, map[string]int{"n": 1}, ""},
			{"an unknown job", "nope", "2026-11-21T10:00Z", jobs.TriggerSchedule, jobs.ErrUnknownJob, false, "", nil, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := calls.Load()
				run, err := r.RunSlot(ctx, tt.job, tt.slot, tt.trigger)
				if ran := calls.Load() > before; ran != tt.wantRan {
					t.Errorf("job function called = %v, want %v", ran, tt.wantRan)
				}
				if tt.wantErr != nil {
					if !errors.Is(err, tt.wantErr) || run != nil {
						t.Fatalf("RunSlot = %+v, %v; want nil, %v", run, err, tt.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.JobRunByID(ctx, run.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Job != tt.job || got.Slot != tt.slot || got.Trigger != string(tt.trigger) || got.Instance != "test-instance" ||
					got.Outcome != tt.wantOutcome || got.Error != tt.wantError || !maps.Equal(got.Counts, tt.wantCounts) ||
					got.FinishedAt == nil || !got.StartedAt.Equal(now) {
					t.Fatalf("recorded run = %+v; want %s %q counts %v", got, tt.wantOutcome, tt.wantError, tt.wantCounts)
				}
			})
		}
		// Refused attempts record nothing: one run row per slot claimed.
		var n int
		if err := s.DB().NewRaw("SELECT COUNT(*) FROM job_runs WHERE job = 'ok'").Scan(ctx, &n); err != nil || n != 2 {
			t.Fatalf("runs of ok = %d, %v; want 2 (one per slot)", n, err)
		}
		t.Run("RunNow always runs, under a new slot each time", func(t *testing.T) {
			a, err := r.RunNow(ctx, "ok", jobs.TriggerManual)
			if err != nil {
				t.Fatal(err)
			}
			b, err := r.RunNow(ctx, "ok", jobs.TriggerManual)
			if err != nil {
				t.Fatal(err)
			}
			if a.Slot == b.Slot || a.Outcome != db.JobOK || b.Outcome != db.JobOK {
				t.Fatalf("RunNow twice: %+v, %+v", a, b)
			}
		})
	})
}

// A runner that claimed a slot and died (the claim and the "running" record
// exist, nothing finishes them) blocks neither the next slot nor, after the
// job's lock TTL, its own; and its record is closed as abandoned.
func TestDeadRunnerDoesNotBlock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		// Timeout 45m: the claim lapses 90 minutes after it was made.
		job := jobs.Job{Name: "j", Schedule: "0 * * * *", Timeout: 45 * time.Minute,
			Run: func(context.Context, jobs.Env) (jobs.Counts, error) { return jobs.Counts{"n": 1}, nil }}
		live := newRunner(t, s, "live", job)

		// What RunSlot does before it calls the job, by an instance that
		// then dies.
		if ok, err := s.ClaimJobSlot(ctx, "j", "2026-11-21T10:00Z", "dead", job.LockTTL()); !ok || err != nil {
			t.Fatalf("claim = %v, %v", ok, err)
		}
		dead := &db.JobRun{Job: "j", Slot: "2026-11-21T10:00Z", Instance: "dead", Trigger: "schedule"}
		if err := s.StartJobRun(ctx, dead); err != nil {
			t.Fatal(err)
		}

		steps := []struct {
			name    string
			at      time.Duration // after 10:00
			slot    string
			wantErr error
		}{
			{"the dead instance's slot is taken while its claim is fresh", 5 * time.Minute, "2026-11-21T10:00Z", jobs.ErrSlotTaken},
			{"the next slot runs on time, with the dead claim still fresh", 60 * time.Minute, "2026-11-21T11:00Z", nil},
			{"after the TTL the abandoned slot can be taken over", 90 * time.Minute, "2026-11-21T10:00Z", nil},
			{"and then holds like any other", 91 * time.Minute, "2026-11-21T10:00Z", jobs.ErrSlotTaken},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				now = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC).Add(st.at)
				run, err := live.RunSlot(ctx, "j", st.slot, jobs.TriggerSchedule)
				if !errors.Is(err, st.wantErr) {
					t.Fatalf("RunSlot(%s) = %+v, %v; want %v", st.slot, run, err, st.wantErr)
				}
				if err == nil && (run.Outcome != db.JobOK || run.Instance != "live") {
					t.Fatalf("run = %+v", run)
				}
			})
		}
		got, err := s.JobRunByID(ctx, dead.ID)
		if err != nil || got.Outcome != db.JobError || got.FinishedAt == nil || got.Error == "" {
			t.Fatalf("the dead run = %+v, %v; want closed as abandoned", got, err)
		}
	})
}

// JOBS_TIME_ZONE must name a real zone: a typo would otherwise move every
// schedule silently.
func TestJobsTimeZoneSetting(t *testing.T) {
	tests := []struct {
		value   string
		wantErr bool
	}{
		{"UTC", false},
		{"Europe/Berlin", false},
		{"America/Los_Angeles", false},
		{"Mars/Olympus_Mons", true},
		{"Local", true}, // the machine's zone: differs between instances
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			cfg, err := config.FromMap(map[string]string{"APP_ENV": config.EnvTest, "JOBS_TIME_ZONE": tt.value})
			if (err != nil) != tt.wantErr || (err != nil && !strings.Contains(err.Error(), "JOBS_TIME_ZONE")) {
				t.Fatalf("FromMap(JOBS_TIME_ZONE=%s) = %v, want error %v", tt.value, err, tt.wantErr)
			}
			if err == nil && cfg.JobsTimeZone != tt.value {
				t.Fatalf("JobsTimeZone = %q", cfg.JobsTimeZone)
			}
		})
	}
	cfg, err := config.FromMap(map[string]string{"APP_ENV": config.EnvTest})
	if err != nil || cfg.JobsTimeZone != "UTC" || !cfg.SchedulerEnabled {
		t.Fatalf("defaults: zone %q, scheduler %v, %v; want UTC, on", cfg.JobsTimeZone, cfg.SchedulerEnabled, err)
	}
}

// A switch stored for a job the code no longer has is ignored with a
// warning, not an error: an older and a newer release share the database
// during a deploy.
func TestUnknownJobSettingsWarn(t *testing.T) {
	s := dbtest.New(t, config.DialectSQLite)
	ctx := context.Background()
	if err := s.SetJobEnabled(ctx, "retired", false, nil); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	reg, err := jobs.NewRegistry(jobs.Builtin()...)
	if err != nil {
		t.Fatal(err)
	}
	r, err := jobs.NewRunner(reg, jobs.Deps{Config: apptest.Config(t, nil), Store: s, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	sched, err := jobs.NewScheduler(r, jobs.SchedulerOptions{})
	if err != nil {
		t.Fatalf("an unknown job's switch stopped start-up: %v", err)
	}
	_ = sched.Shutdown()
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "job=retired") {
		t.Fatalf("no warning naming the unknown job: %s", logs.String())
	}
	var out bytes.Buffer
	if err := jobs.List(ctx, r, &out); err != nil || strings.Contains(out.String(), "retired") || !strings.Contains(out.String(), "housekeeping") {
		t.Fatalf("jobs list = %q, %v", out.String(), err)
	}
}
