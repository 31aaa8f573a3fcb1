package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
)

// DefaultStopTimeout is how long Shutdown waits for running jobs after
// cancelling their contexts. Jobs stop at their next context check and the
// Runner records them as errors, which takes moments; this only bounds a job
// that ignores its context.
const DefaultStopTimeout = 10 * time.Second

// SchedulerOptions tune a Scheduler.
type SchedulerOptions struct {
	// Clock drives the schedule; nil is the real clock. Tests pass a
	// clockwork.FakeClock (and point the store's clock at it too).
	Clock clockwork.Clock
	// StopTimeout bounds Shutdown's wait (default DefaultStopTimeout).
	StopTimeout time.Duration
}

// Scheduler fires every registered job on its cron schedule, in this
// process, through the Runner. Each instance runs one; the Runner's
// (job, slot) claim makes each scheduled slot run once among them.
type Scheduler struct {
	runner *Runner
	clock  clockwork.Clock
	s      gocron.Scheduler
	jobs   map[string]gocron.Job
}

// NewScheduler creates one gocron job per registered job: cron schedule in
// JOBS_TIME_ZONE, singleton mode (a run that overlaps the next fire time
// makes that fire time wait, not run twice in this process), and a task that
// takes the context gocron cancels at shutdown. It also warns about stored
// switches for jobs the code does not have.
func NewScheduler(r *Runner, o SchedulerOptions) (*Scheduler, error) {
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	if err := r.CheckSettings(ctx); err != nil {
		return nil, fmt.Errorf("jobs: reading job settings: %w", err)
	}
	gs, err := gocron.NewScheduler(
		gocron.WithClock(o.Clock),
		gocron.WithLocation(r.Location()),
		gocron.WithStopTimeout(o.StopTimeout),
	)
	if err != nil {
		return nil, err
	}
	s := &Scheduler{runner: r, clock: o.Clock, s: gs, jobs: map[string]gocron.Job{}}
	for _, j := range r.Registry().Jobs() {
		gj, err := gs.NewJob(
			gocron.CronJob(j.Schedule, false),
			gocron.NewTask(s.task, j.Name),
			gocron.WithName(j.Name),
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
		)
		if err != nil {
			_ = gs.Shutdown()
			return nil, fmt.Errorf("jobs: scheduling %q: %w", j.Name, err)
		}
		s.jobs[j.Name] = gj
	}
	return s, nil
}

// task is what gocron runs at each fire time. The slot is computed from the
// clock at firing, which is the scheduled time (see slotAt).
func (s *Scheduler) task(ctx context.Context, name string) {
	slot := s.runner.SlotAt(name, s.clock.Now())
	_, err := s.runner.RunSlot(ctx, name, slot, TriggerSchedule)
	switch {
	case errors.Is(err, ErrSlotTaken):
		s.runner.d.Log.Debug("job slot taken by another instance", "job", name, "slot", slot)
	case err != nil:
		s.runner.d.Log.Error("job could not run", "job", name, "slot", slot, "err", err)
	}
}

// Start begins firing jobs.
func (s *Scheduler) Start() {
	s.s.Start()
	s.runner.d.Log.Info("job scheduler started", "jobs", len(s.jobs), "time_zone", s.runner.Location().String(),
		"instance", s.runner.Instance())
}

// NextRun is when the scheduler will next fire job (zero before Start or
// for an unknown job).
func (s *Scheduler) NextRun(job string) time.Time {
	gj, ok := s.jobs[job]
	if !ok {
		return time.Time{}
	}
	t, err := gj.NextRun()
	if err != nil {
		return time.Time{}
	}
	return t
}

// Shutdown stops firing, cancels the context of every running job and
// waits for them to finish (at most the StopTimeout), so their results are
// recorded before the database closes.
func (s *Scheduler) Shutdown() error {
	start := time.Now()
	err := s.s.Shutdown()
	s.runner.d.Log.Info("job scheduler stopped", "took", time.Since(start).Round(time.Millisecond).String())
	return err
}
