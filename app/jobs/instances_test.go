package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cohort/app/jobs"
	"cohort/app/mail"
	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

// Three instances (three stores on one database, each with its own Runner
// and instance name), each firing the same five slots from three goroutines
// at once: every slot runs exactly once in total, has exactly one run
// record, and its notification is enqueued exactly once.
func TestExactlyOnceAcrossInstances(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			d := sharedDatabase(t, dialect)
			const instances, goroutines = 3, 3
			slots := []string{"2026-11-21T10:00Z", "2026-11-21T11:00Z", "2026-11-21T12:00Z", "2026-11-21T13:00Z", "2026-11-21T14:00Z"}
			var calls atomic.Int64
			job := jobs.Job{Name: "notify", Schedule: "0 * * * *", Run: func(ctx context.Context, env jobs.Env) (jobs.Counts, error) {
				calls.Add(1)
				// Hold the claim a moment so the others really contend.
				time.Sleep(5 * time.Millisecond)
				err := env.Outbox.Enqueue(ctx, mail.Message{
					To: "ada@example.com", Subject: "Reminder", Text: "Slot " + env.Slot, Kind: "test",
					DedupeKey: "notify:" + env.Slot,
				})
				return jobs.Counts{"mail": 1}, err
			}}
			var stores []*db.Store
			var runners []*jobs.Runner
			for i := range instances {
				s, err := db.Open(ctx, d, db.Options{MaxOpenConns: 4})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = s.Close() })
				stores = append(stores, s)
				runners = append(runners, newRunner(t, s, fmt.Sprintf("instance-%d", i), job))
			}
			var won, taken atomic.Int64
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, r := range runners {
				for g := range goroutines {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						for k := range slots {
							slot := slots[(k+i+g)%len(slots)] // different orders, same slots
							_, err := r.RunSlot(ctx, "notify", slot, jobs.TriggerSchedule)
							switch {
							case err == nil:
								won.Add(1)
							case errors.Is(err, jobs.ErrSlotTaken):
								taken.Add(1)
							default:
								t.Errorf("instance %d: RunSlot(%s): %v", i, slot, err)
							}
						}
					}()
				}
			}
			close(start)
			wg.Wait()
			total := int64(instances * goroutines * len(slots))
			if calls.Load() != int64(len(slots)) || won.Load() != int64(len(slots)) || won.Load()+taken.Load() != total {
				t.Fatalf("job ran %d times, %d won, %d refused; want %d runs of %d attempts", calls.Load(), won.Load(), taken.Load(), len(slots), total)
			}
			var rows []struct {
				Slot    string `bun:"slot"`
				N       int    `bun:"n"`
				Outcome string `bun:"outcome"`
			}
			if err := stores[0].DB().NewRaw("SELECT slot, COUNT(*) AS n, MIN(outcome) AS outcome FROM job_runs GROUP BY slot ORDER BY slot").Scan(ctx, &rows); err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(slots) {
				t.Fatalf("run records by slot = %+v; want one for each of %d slots", rows, len(slots))
			}
			for i, r := range rows {
				if r.Slot != slots[i] || r.N != 1 || r.Outcome != db.JobOK {
					t.Errorf("slot %s: %d records, outcome %s; want 1, ok", r.Slot, r.N, r.Outcome)
				}
			}
			msgs, err := stores[1].ListMail(ctx, db.MailQuery{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			keys := map[string]int{}
			for _, m := range msgs {
				if m.DedupeKey != nil {
					keys[*m.DedupeKey]++
				}
			}
			if len(msgs) != len(slots) || len(keys) != len(slots) {
				t.Fatalf("mail_outbox has %d messages with keys %v; want one per slot", len(msgs), keys)
			}
		})
	}
}

// sharedDatabase is a migrated database that several stores can open: a
// fresh Postgres database, or a SQLite file (WAL lets several processes'
// connections share it).
func sharedDatabase(t *testing.T, dialect string) config.Database {
	t.Helper()
	if dialect == config.DialectPostgres {
		return config.Database{Dialect: dialect, DSN: dbtest.PostgresDSN(t)}
	}
	d := config.Database{Dialect: dialect, DSN: filepath.Join(t.TempDir(), "shared.db")}
	s, err := db.Open(context.Background(), d, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}
