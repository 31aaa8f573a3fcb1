package jobs_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"cohort/app/jobs"
	"cohort/app/mail"
	"cohort/db"
	"cohort/db/dbtest"
)

// Three schedulers (three instances: own store, own gocron, own clock) on
// one database, driven through the same scheduled times: each slot runs
// once and mails once. One instance is stopped in the middle of a job; the
// job is cancelled and recorded, and the next slot runs on the others.
func TestThreeSchedulersShareSlots(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			d := sharedDatabase(t, dialect)
			start := time.Date(2026, 11, 21, 9, 59, 0, 0, time.UTC)
			var notifyCalls atomic.Int64
			slowStarted := make(chan string, 10)
			notify := jobs.Job{Name: "notify", Schedule: "0 * * * *", Run: func(ctx context.Context, env jobs.Env) (jobs.Counts, error) {
				notifyCalls.Add(1)
				time.Sleep(10 * time.Millisecond) // let the others contend
				return jobs.Counts{"mail": 1}, env.Outbox.Enqueue(ctx, mail.Message{
					To: "ada@example.com", Subject: "Hourly", Text: "Slot " + env.Slot, Kind: "test", DedupeKey: "notify:" + env.Slot,
				})
			}}
			slow := jobs.Job{Name: "slow", Schedule: "30 * * * *", Run: func(ctx context.Context, env jobs.Env) (jobs.Counts, error) {
				slowStarted <- env.Instance
				if env.Slot == "2026-11-21T10:30Z" {
					<-ctx.Done() // until its instance stops
					return nil, ctx.Err()
				}
				return jobs.Counts{"done": 1}, nil
			}}

			type instance struct {
				name  string
				clock *clockwork.FakeClock
				sched *jobs.Scheduler
				store *db.Store
				alive bool
			}
			var all []*instance
			for i := range 3 {
				s, err := db.Open(ctx, d, db.Options{MaxOpenConns: 4})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = s.Close() })
				in := &instance{name: fmt.Sprintf("instance-%d", i), clock: clockwork.NewFakeClockAt(start), store: s, alive: true}
				s.Now = in.clock.Now
				r := newRunner(t, s, in.name, notify, slow)
				in.sched, err = jobs.NewScheduler(r, jobs.SchedulerOptions{Clock: in.clock, StopTimeout: 5 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				in.sched.Start()
				t.Cleanup(func() {
					if in.alive {
						_ = in.sched.Shutdown()
					}
				})
				all = append(all, in)
			}
			// advance moves every running instance's clock by dt once each
			// has its timers set (both jobs waiting), as real clocks would.
			advance := func(dt time.Duration) {
				t.Helper()
				for _, in := range all {
					if !in.alive {
						continue
					}
					wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
					err := in.clock.BlockUntilContext(wctx, 2)
					cancel()
					if err != nil {
						t.Fatalf("%s set no timers: %v", in.name, err)
					}
				}
				for _, in := range all {
					if in.alive {
						in.clock.Advance(dt)
					}
				}
			}
			runsOf := func(job string) []*db.JobRun {
				runs, err := all[0].store.ListJobRuns(ctx, job, 20)
				if err != nil {
					t.Fatal(err)
				}
				return runs
			}
			settled := func(job string, n int) {
				t.Helper()
				waitFor(t, func() bool {
					runs := runsOf(job)
					if len(runs) != n {
						return false
					}
					for _, r := range runs {
						if r.Outcome == db.JobRunning {
							return false
						}
					}
					return true
				})
			}

			advance(61 * time.Second) // 10:00:01
			settled("notify", 1)
			advance(30 * time.Minute) // 10:30:01: slow starts on one of them
			var winner string
			select {
			case winner = <-slowStarted:
			case <-time.After(5 * time.Second):
				t.Fatal("slow did not start")
			}
			for _, in := range all {
				if in.name == winner {
					if err := in.sched.Shutdown(); err != nil {
						t.Fatal(err)
					}
					in.alive = false
				}
			}
			settled("slow", 1)
			advance(30 * time.Minute) // 11:00:01
			settled("notify", 2)
			advance(30 * time.Minute) // 11:30:01: the next slot is not blocked
			settled("slow", 2)
			time.Sleep(100 * time.Millisecond) // any late duplicate would show now

			if n := notifyCalls.Load(); n != 2 {
				t.Fatalf("notify ran %d times for 2 slots", n)
			}
			got := map[string]string{}
			for _, r := range append(runsOf("notify"), runsOf("slow")...) {
				got[r.Job+" "+r.Slot] = r.Outcome
			}
			want := map[string]string{
				"notify 2026-11-21T10:00Z": db.JobOK, "notify 2026-11-21T11:00Z": db.JobOK,
				"slow 2026-11-21T10:30Z": db.JobError, "slow 2026-11-21T11:30Z": db.JobOK,
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("runs %v, want %v", got, want)
			}
			if second := <-slowStarted; second == winner {
				t.Fatalf("the 11:30 slot ran on the stopped instance %s", winner)
			}
			msgs, err := all[0].store.ListMail(ctx, db.MailQuery{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != 2 {
				t.Fatalf("%d mails for 2 slots", len(msgs))
			}
		})
	}
}
