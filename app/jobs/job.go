// Package jobs runs Cohort's scheduled work inside the server process: a
// registry of jobs in code, a Runner that runs one slot of a job exactly
// once across every instance sharing the database (a (job, slot) row only
// one instance can insert) and records the run, a Scheduler on gocron that
// fires each job on its cron schedule, the admin page (on/off, run now, last
// result) and the command-line helpers behind `cohort jobs`.
//
// A job is plain Go: Run gets a context (cancelled at shutdown or when the
// job's Timeout passes) and an Env, and returns counts of what it did. New
// jobs are added to Builtin.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/go-co-op/gocron/v2"

	"cohort/app/mail"
	"cohort/config"
	"cohort/db"
)

// DefaultTimeout is a job's longest run unless it sets its own Timeout.
// Its lock is held for twice as long (30 minutes), so a live run is always
// cancelled before its claim could be taken for abandoned.
const DefaultTimeout = 15 * time.Minute

// Counts says what a run did, by name: {"sessions": 12}.
type Counts map[string]int

// Job is one kind of scheduled work.
type Job struct {
	// Name identifies the job in the database, URLs and the command line:
	// lower-case letters, digits, '-' and '_'. It must be unique.
	Name string
	// Description tells an admin what the job does.
	Description string
	// Schedule is a five-field cron expression (minute hour day month
	// weekday), read in JOBS_TIME_ZONE.
	Schedule string
	// Timeout bounds one run (default DefaultTimeout): the run's context is
	// cancelled then.
	Timeout time.Duration
	// Run does the work. It must honour ctx and be safe to run again for a
	// different slot; within one slot the Runner runs it at most once.
	Run func(ctx context.Context, env Env) (Counts, error)
}

func (j Job) timeout() time.Duration {
	if j.Timeout > 0 {
		return j.Timeout
	}
	return DefaultTimeout
}

// LockTTL is how long a claim on one of the job's slots holds before it is
// presumed abandoned: twice the job's Timeout.
func (j Job) LockTTL() time.Duration { return 2 * j.timeout() }

// Trigger says why a run happened (job_runs.trigger).
type Trigger string

// Triggers.
const (
	TriggerSchedule Trigger = "schedule" // the scheduler fired it; honours the on/off switch
	TriggerManual   Trigger = "manual"   // an admin pressed "Run now"; runs even when switched off
	TriggerCLI      Trigger = "cli"      // `cohort jobs run NAME`; runs even when switched off
)

// Env is what a running job may use.
type Env struct {
	Store  *db.Store
	Outbox *mail.Outbox
	Config *config.Config
	Log    *slog.Logger
	// Job, Slot and Trigger describe this run. Slot is unique per run of a
	// job, so "JOB:SLOT:…" makes a good mail dedupe key.
	Job     string
	Slot    string
	Trigger Trigger
	RunID   int64
	// Instance is the runner's name, for claims a job makes of its own.
	Instance string
	// Location is JOBS_TIME_ZONE, where "a day" is a calendar day.
	Location *time.Location
	// HTTP and WebhookBackoff serve jobs that post to webhooks.
	HTTP           *http.Client
	WebhookBackoff []time.Duration
}

// Now is the store's clock (UTC), so tests that move the store's clock move
// the job's too.
func (e Env) Now() time.Time { return e.Store.Now().UTC() }

// validName keeps names safe in URLs, HTML ids and log lines.
var validName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// Registry is the set of jobs the code knows, in a stable order.
type Registry struct {
	jobs   []Job
	byName map[string]int
}

// NewRegistry checks jobs and returns their registry. A duplicate or
// malformed name, a missing Run or a schedule that is not a five-field cron
// expression is an error: start-up should fail rather than a job silently
// never run.
func NewRegistry(jobs ...Job) (*Registry, error) {
	r := &Registry{byName: map[string]int{}}
	for _, j := range jobs {
		if !validName.MatchString(j.Name) {
			return nil, fmt.Errorf("jobs: invalid job name %q (lower-case letters, digits, - and _)", j.Name)
		}
		if _, dup := r.byName[j.Name]; dup {
			return nil, fmt.Errorf("jobs: job name %q is registered twice", j.Name)
		}
		if j.Run == nil {
			return nil, fmt.Errorf("jobs: job %q has no Run function", j.Name)
		}
		if _, err := parseSchedule(j.Schedule, time.UTC); err != nil {
			return nil, fmt.Errorf("jobs: job %q: %w", j.Name, err)
		}
		r.byName[j.Name] = len(r.jobs)
		r.jobs = append(r.jobs, j)
	}
	return r, nil
}

// Jobs returns the jobs in registration order.
func (r *Registry) Jobs() []Job { return append([]Job(nil), r.jobs...) }

// Lookup finds a job by name.
func (r *Registry) Lookup(name string) (Job, bool) {
	i, ok := r.byName[name]
	if !ok {
		return Job{}, false
	}
	return r.jobs[i], true
}

// Names returns the job names, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.jobs))
	for _, j := range r.jobs {
		out = append(out, j.Name)
	}
	sort.Strings(out)
	return out
}

// Builtin is every job Cohort ships.
func Builtin() []Job {
	return []Job{Housekeeping(), DraftReminders(), PairIntroductions(), PairCheckins(), EndOfTerm(), DataRetention(), StaffDigest(), MatchRequestExpiry()}
}

// parseSchedule parses a five-field cron expression in loc with gocron's
// own parser, so what the page shows and what the scheduler does agree.
// Descriptors (@hourly, @every 5m) and TZ= prefixes are refused: the time
// zone is JOBS_TIME_ZONE, and @every has no fixed slots.
func parseSchedule(spec string, loc *time.Location) (gocron.Cron, error) {
	if len(strings.Fields(spec)) != 5 || strings.Contains(spec, "@") || strings.Contains(spec, "TZ=") {
		return nil, fmt.Errorf("schedule %q must be a five-field cron expression (minute hour day month weekday)", spec)
	}
	c := gocron.NewDefaultCron(false)
	if err := c.IsValid(spec, loc, time.Now()); err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	return c, nil
}
