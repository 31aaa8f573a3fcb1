package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/go-co-op/gocron/v2"

	"cohort/app/mail"
	"cohort/app/metrics"
	"cohort/config"
	"cohort/db"
)

// Errors RunSlot returns when it did not run the job.
var (
	// ErrUnknownJob means no job has that name.
	ErrUnknownJob = errors.New("jobs: unknown job")
	// ErrSlotTaken means another run (on this or another instance) has
	// claimed the slot. Nothing is recorded for the refused attempt: the
	// winner's run record is the one record of the slot.
	ErrSlotTaken = errors.New("jobs: slot already claimed")
)

// recordTimeout bounds writing a run's result. It runs on a context
// detached from the job's, so a run cancelled by shutdown is still recorded
// (the scheduler stops before the database closes).
const recordTimeout = 10 * time.Second

// Deps is what a Runner needs from the rest of the app.
type Deps struct {
	Config *config.Config
	Store  *db.Store
	// Outbox is what jobs mail through; nil means mail.NewOutbox(Config, Store).
	Outbox *mail.Outbox
	// Log defaults to discarding.
	Log *slog.Logger
	// Instance names this process in locks and run records; empty means
	// hostname:pid.
	Instance string
	// HTTP posts to webhooks; nil means a client with a 10-second timeout.
	HTTP *http.Client
	// WebhookBackoff is the wait before each retry of a failed webhook post
	// (default DefaultWebhookBackoff; tests shorten it).
	WebhookBackoff []time.Duration
}

// Runner runs jobs one slot at a time and records every run. It is safe for
// concurrent use; several Runners (instances) may share one database.
type Runner struct {
	reg      *Registry
	d        Deps
	loc      *time.Location
	crons    map[string]gocron.Cron
	instance string
}

// NewRunner returns a runner for the jobs in reg, reading schedules in
// JOBS_TIME_ZONE.
func NewRunner(reg *Registry, d Deps) (*Runner, error) {
	if d.Config == nil || d.Store == nil {
		return nil, errors.New("jobs: NewRunner needs Config and Store")
	}
	loc, err := time.LoadLocation(d.Config.JobsTimeZone)
	if err != nil {
		return nil, fmt.Errorf("jobs: JOBS_TIME_ZONE: %w", err)
	}
	if d.Outbox == nil {
		d.Outbox = mail.NewOutbox(d.Config, d.Store)
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Instance == "" {
		d.Instance = defaultInstance()
	}
	if d.HTTP == nil {
		d.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	if d.WebhookBackoff == nil {
		d.WebhookBackoff = DefaultWebhookBackoff
	}
	r := &Runner{reg: reg, d: d, loc: loc, crons: map[string]gocron.Cron{}, instance: d.Instance}
	for _, j := range reg.Jobs() {
		c, err := parseSchedule(j.Schedule, loc)
		if err != nil {
			return nil, fmt.Errorf("jobs: job %q: %w", j.Name, err)
		}
		r.crons[j.Name] = c
	}
	return r, nil
}

// Default is the runner for the built-in jobs.
func Default(d Deps) (*Runner, error) {
	reg, err := NewRegistry(Builtin()...)
	if err != nil {
		return nil, err
	}
	return NewRunner(reg, d)
}

func defaultInstance() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "cohort"
	}
	return host + ":" + strconv.Itoa(os.Getpid())
}

// Registry is the runner's set of jobs.
func (r *Runner) Registry() *Registry { return r.reg }

// Instance is the name this runner claims slots under.
func (r *Runner) Instance() string { return r.instance }

// Location is the time zone schedules are read in.
func (r *Runner) Location() *time.Location { return r.loc }

// Store is the database the runner records in.
func (r *Runner) Store() *db.Store { return r.d.Store }

// NextRun is when job's schedule next fires after t (zero for an unknown
// job).
func (r *Runner) NextRun(job string, t time.Time) time.Time {
	c, ok := r.crons[job]
	if !ok {
		return time.Time{}
	}
	return c.Next(t.In(r.loc)).UTC()
}

// SlotAt names the scheduled slot of job that a timer firing at t runs.
func (r *Runner) SlotAt(job string, t time.Time) string {
	c, ok := r.crons[job]
	if !ok {
		return t.UTC().Format(SlotLayout)
	}
	return slotAt(c, t.In(r.loc))
}

// RunNow runs job once, outside its schedule, under a slot of its own (so it
// always runs, whatever the switch says).
func (r *Runner) RunNow(ctx context.Context, job string, trigger Trigger) (*db.JobRun, error) {
	return r.RunSlot(ctx, job, uniqueSlot(trigger), trigger)
}

// RunSlot runs one slot of job, at most once across every instance:
//
//  1. It claims (job, slot). If another run holds it — finished, or running
//     and not yet past the job's LockTTL — it returns ErrSlotTaken and
//     records nothing.
//  2. A scheduled run of a job an admin switched off is recorded as
//     "skipped" (once per slot, by the claimant) and not run. Manual and
//     command-line runs ignore the switch.
//  3. Otherwise it records the run as "running", runs the job with the
//     job's Timeout, and records "ok" or "error" with the counts and error.
//     A panic in the job becomes an "error" run; it never takes the
//     process down.
//
// The returned run is what was recorded. err is only for failures to run
// or record (unknown job, slot taken, database errors); a job that failed
// is a run with Outcome db.JobError and a nil err.
func (r *Runner) RunSlot(ctx context.Context, name, slot string, trigger Trigger) (*db.JobRun, error) {
	job, ok := r.reg.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownJob, name)
	}
	store := r.d.Store
	// Close the records of earlier runs whose instance died mid-run, so the
	// page does not show them as running forever.
	if n, err := store.AbandonExpiredJobRuns(ctx, name); err != nil {
		return nil, err
	} else if n > 0 {
		r.d.Log.Warn("job runs abandoned by a stopped instance", "job", name, "runs", n)
	}
	claimed, err := store.ClaimJobSlot(ctx, name, slot, r.instance, job.LockTTL())
	if err != nil {
		return nil, err
	}
	if !claimed {
		return nil, ErrSlotTaken
	}
	run := &db.JobRun{Job: name, Slot: slot, Instance: r.instance, Trigger: string(trigger)}
	if trigger == TriggerSchedule {
		enabled, err := store.JobEnabled(ctx, name)
		if err != nil {
			return nil, err
		}
		if !enabled {
			if err := store.StartJobRun(ctx, run); err != nil {
				return nil, err
			}
			run.Outcome, run.Error = db.JobSkipped, "switched off by an admin"
			metrics.JobRuns.WithLabelValues(name, run.Outcome).Inc()
			return run, r.finish(ctx, run)
		}
	}
	if err := store.StartJobRun(ctx, run); err != nil {
		return nil, err
	}
	start := time.Now()
	counts, jerr := r.call(ctx, job, Env{
		Store: store, Outbox: r.d.Outbox, Config: r.d.Config, Log: r.d.Log.With("job", name, "slot", slot),
		Job: name, Slot: slot, Trigger: trigger, RunID: run.ID, Instance: r.instance, Location: r.loc,
		HTTP: r.d.HTTP, WebhookBackoff: r.d.WebhookBackoff,
	})
	run.Counts = map[string]int(counts)
	run.Outcome = db.JobOK
	if jerr != nil {
		run.Outcome, run.Error = db.JobError, jerr.Error()
	}
	metrics.JobRuns.WithLabelValues(name, run.Outcome).Inc()
	if err := r.finish(ctx, run); err != nil {
		return run, err
	}
	attrs := []any{"job", name, "slot", slot, "trigger", string(trigger), "outcome", run.Outcome,
		"counts", run.Counts, "took", time.Since(start).Round(time.Millisecond).String()}
	if jerr != nil {
		r.d.Log.Error("job failed", append(attrs, "err", jerr)...)
	} else {
		r.d.Log.Info("job ran", attrs...)
	}
	return run, nil
}

// finish records run's result and marks its slot done, on a context that
// outlives a cancelled job context.
func (r *Runner) finish(ctx context.Context, run *db.JobRun) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := r.d.Store.FinishJobRun(ctx, run); err != nil {
		return err
	}
	return r.d.Store.FinishJobSlot(ctx, run.Job, run.Slot)
}

// call runs the job under its timeout and turns a panic into an error (with
// the stack in the log, not in the run record an admin reads).
func (r *Runner) call(ctx context.Context, job Job, env Env) (counts Counts, err error) {
	ctx, cancel := context.WithTimeout(ctx, job.timeout())
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			env.Log.Error("job panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	counts, err = job.Run(ctx, env)
	if counts == nil {
		counts = Counts{}
	}
	return counts, err
}

// CheckSettings warns about switches stored for jobs the code does not
// have (a job renamed or removed): they are ignored, not an error, so an
// older and a newer release can share the database during a deploy.
func (r *Runner) CheckSettings(ctx context.Context) error {
	rows, err := r.d.Store.JobSettings(ctx)
	if err != nil {
		return err
	}
	for _, s := range rows {
		if _, ok := r.reg.Lookup(s.Name); !ok {
			r.d.Log.Warn("job_settings names a job this version does not have; ignored", "job", s.Name)
		}
	}
	return nil
}
