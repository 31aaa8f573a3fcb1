package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"cohort/app/jobs"
	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

// The scheduling itself, once, with a fake clock: the job bodies and the
// slot logic are tested directly elsewhere.
func TestSchedulerSmoke(t *testing.T) {
	ctx := context.Background()
	s := dbtest.New(t, config.DialectSQLite)
	fake := clockwork.NewFakeClockAt(time.Date(2026, 11, 21, 9, 59, 0, 0, time.UTC))
	s.Now = fake.Now // one clock for the schedule and for the records
	var ticks atomic.Int64
	slots := make(chan string, 10)
	started := make(chan struct{})
	stopped := make(chan error, 1)
	r := newRunner(t, s, "smoke",
		jobs.Job{Name: "tick", Schedule: "0 * * * *", Run: func(_ context.Context, env jobs.Env) (jobs.Counts, error) {
			ticks.Add(1)
			slots <- env.Slot
			return jobs.Counts{"ticks": 1}, nil
		}},
		jobs.Job{Name: "long", Schedule: "30 10 * * *", Run: func(ctx context.Context, _ jobs.Env) (jobs.Counts, error) {
			close(started)
			<-ctx.Done() // until the scheduler shuts down
			stopped <- ctx.Err()
			return nil, ctx.Err()
		}},
	)
	sched, err := jobs.NewScheduler(r, jobs.SchedulerOptions{Clock: fake, StopTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sched.Start()
	shut := false
	t.Cleanup(func() {
		if !shut {
			_ = sched.Shutdown()
		}
	})
	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := fake.BlockUntilContext(waitCtx, 2); err != nil { // both jobs' timers are set
		t.Fatal("the scheduler set no timers:", err)
	}
	if next := sched.NextRun("tick"); !next.Equal(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("tick's next run = %v", next)
	}

	fake.Advance(61 * time.Second) // 10:00:01
	select {
	case slot := <-slots:
		if slot != "2026-11-21T10:00Z" {
			t.Fatalf("slot = %s", slot)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("tick did not run after its scheduled time passed")
	}
	waitFor(t, func() bool {
		runs, err := s.ListJobRuns(ctx, "tick", 10)
		return err == nil && len(runs) == 1 && runs[0].Outcome == db.JobOK && runs[0].Trigger == string(jobs.TriggerSchedule)
	})
	time.Sleep(100 * time.Millisecond)
	if n := ticks.Load(); n != 1 {
		t.Fatalf("tick ran %d times for one scheduled time", n)
	}

	fake.Advance(30 * time.Minute) // 10:30:01: long starts
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("long did not start")
	}
	if err := sched.Shutdown(); err != nil {
		t.Fatal(err)
	}
	shut = true
	select {
	case err := <-stopped:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("long's context ended with %v, want canceled", err)
		}
	default:
		t.Fatal("Shutdown returned while long was still running")
	}
	runs, err := s.ListJobRuns(ctx, "long", 10)
	if err != nil || len(runs) != 1 || runs[0].Outcome != db.JobError || runs[0].Error != context.Canceled.Error() {
		t.Fatalf("long's run after shutdown = %+v, %v; want recorded as canceled", runs, err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
