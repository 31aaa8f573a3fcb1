package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Outcomes of a job run (job_runs.outcome).
const (
	JobRunning = "running" // started, not finished (or its instance died; see AbandonExpiredJobRuns)
	JobOK      = "ok"
	JobError   = "error"
	JobSkipped = "skipped" // the slot was claimed but the job is switched off
)

// JobSetting is an admin's on/off switch for one job. A job without a row is
// on: the switch exists to stop a job, not to start one.
type JobSetting struct {
	bun.BaseModel `bun:"table:job_settings"`

	Name      string    `bun:"name,pk"`
	Enabled   bool      `bun:"enabled"`
	UpdatedBy *int64    `bun:"updated_by"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// JobLock is the claim on one run of a job: the slot (a scheduled time, or a
// unique manual key). Exactly one instance can insert it, which is what makes
// a scheduled slot run once however many instances fire for it. The row
// stays after the run (FinishedAt set) so a late instance finds the slot
// taken; an unfinished claim past ExpiresAt was abandoned by a dead instance
// and may be taken over.
type JobLock struct {
	bun.BaseModel `bun:"table:job_locks"`

	Job        string     `bun:"job,pk"`
	Slot       string     `bun:"slot,pk"`
	Instance   string     `bun:"instance"`
	ClaimedAt  time.Time  `bun:"claimed_at"`
	ExpiresAt  time.Time  `bun:"expires_at"`
	FinishedAt *time.Time `bun:"finished_at"`
}

// JobRun records one run of a job: who ran which slot, why, when, and what
// came of it.
type JobRun struct {
	bun.BaseModel `bun:"table:job_runs"`

	ID         int64          `bun:"id,pk,autoincrement"`
	Job        string         `bun:"job"`
	Slot       string         `bun:"slot"`
	Instance   string         `bun:"instance"`
	Trigger    string         `bun:"trigger"` // schedule, manual or cli
	StartedAt  time.Time      `bun:"started_at"`
	FinishedAt *time.Time     `bun:"finished_at"`
	Outcome    string         `bun:"outcome"`
	Counts     map[string]int `bun:"counts,type:json"`
	Error      string         `bun:"error"`
}

// JobSettings returns every stored switch (including rows for jobs the code
// no longer has; the caller decides what to do about those).
func (s *Store) JobSettings(ctx context.Context) ([]*JobSetting, error) {
	var rows []*JobSetting
	err := s.r.NewSelect().Model(&rows).Order("name").Scan(ctx)
	return rows, translate(err)
}

// JobEnabled reports whether job is switched on (true without a row).
func (s *Store) JobEnabled(ctx context.Context, job string) (bool, error) {
	var row JobSetting
	err := s.r.NewSelect().Model(&row).Where("name = ?", job).Scan(ctx)
	if err = translate(err); isNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return row.Enabled, nil
}

// SetJobEnabled switches job on or off; by is the admin who did it (nil for
// the command line).
func (s *Store) SetJobEnabled(ctx context.Context, job string, enabled bool, by *int64) error {
	row := &JobSetting{Name: job, Enabled: enabled, UpdatedBy: by, UpdatedAt: s.now()}
	_, err := s.w.NewInsert().Model(row).
		On("CONFLICT (name) DO UPDATE").
		Set("enabled = EXCLUDED.enabled").
		Set("updated_by = EXCLUDED.updated_by").
		Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	return translate(err)
}

// ClaimJobSlot tries to claim (job, slot) for instance until ttl from now.
// It returns true to exactly one caller across every instance sharing the
// database: the insert is ON CONFLICT DO NOTHING (no error that would abort
// a Postgres transaction, no advisory lock tied to a pooled connection).
// If the row exists but was claimed, never finished and has expired, its
// instance is presumed dead and the claim is taken over by a single
// conditional UPDATE, which again only one caller can win; the dead run's
// record is then marked as abandoned.
func (s *Store) ClaimJobSlot(ctx context.Context, job, slot, instance string, ttl time.Duration) (bool, error) {
	now := s.now()
	lock := &JobLock{Job: job, Slot: slot, Instance: instance, ClaimedAt: now, ExpiresAt: now.Add(ttl)}
	res, err := s.w.NewInsert().Model(lock).On("CONFLICT (job, slot) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, translate(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return n == 1, err
	}
	claimed := false
	err = s.InTx(ctx, func(ctx context.Context, tx *Store) error {
		res, err := tx.w.NewUpdate().Model((*JobLock)(nil)).
			Set("instance = ?", instance).
			Set("claimed_at = ?", now).
			Set("expires_at = ?", lock.ExpiresAt).
			Where("job = ? AND slot = ?", job, slot).
			Where("finished_at IS NULL AND expires_at <= ?", now).
			Exec(ctx)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n == 0 {
			return err
		}
		claimed = true
		_, err = tx.w.NewUpdate().Model((*JobRun)(nil)).
			Set("outcome = ?", JobError).
			Set("finished_at = ?", now).
			Set("error = ?", "abandoned: its instance stopped before finishing; slot taken over by "+instance).
			Where("job = ? AND slot = ? AND outcome = ?", job, slot, JobRunning).
			Exec(ctx)
		return err
	})
	return claimed, translate(err)
}

// FinishJobSlot marks the claim on (job, slot) as done, so it is never
// taken over.
func (s *Store) FinishJobSlot(ctx context.Context, job, slot string) error {
	return expectOne(s.w.NewUpdate().Model((*JobLock)(nil)).
		Set("finished_at = ?", s.now()).
		Where("job = ? AND slot = ?", job, slot).
		Exec(ctx))
}

// AbandonExpiredJobRuns closes the records of job's runs that are still
// "running" although their claim expired unfinished: their instance died
// mid-run. It says how many it closed. The claim itself stays (a dead
// instance's slot is not re-run on its own; see ClaimJobSlot).
func (s *Store) AbandonExpiredJobRuns(ctx context.Context, job string) (int64, error) {
	now := s.now()
	res, err := s.w.NewUpdate().Model((*JobRun)(nil)).
		Set("outcome = ?", JobError).
		Set("finished_at = ?", now).
		Set("error = ?", "abandoned: its instance stopped before finishing").
		Where("job = ? AND outcome = ?", job, JobRunning).
		Where(`EXISTS (SELECT 1 FROM job_locks AS l WHERE l.job = ?TableAlias.job AND l.slot = ?TableAlias.slot
			AND l.finished_at IS NULL AND l.expires_at <= ?)`, now).
		Exec(ctx)
	if err != nil {
		return 0, translate(err)
	}
	return res.RowsAffected()
}

// StartJobRun records a run as started now and sets its ID.
func (s *Store) StartJobRun(ctx context.Context, run *JobRun) error {
	run.StartedAt = s.now()
	run.FinishedAt = nil
	run.Outcome = JobRunning
	if run.Counts == nil {
		run.Counts = map[string]int{}
	}
	_, err := s.w.NewInsert().Model(run).Returning("id").Exec(ctx)
	return translate(err)
}

// FinishJobRun records run's outcome, counts and error as of now.
func (s *Store) FinishJobRun(ctx context.Context, run *JobRun) error {
	now := s.now()
	run.FinishedAt = &now
	if run.Counts == nil {
		run.Counts = map[string]int{}
	}
	return expectOne(s.w.NewUpdate().Model(run).
		Column("finished_at", "outcome", "counts", "error").
		WherePK().
		Exec(ctx))
}

// JobRunByID returns one run or ErrNotFound.
func (s *Store) JobRunByID(ctx context.Context, id int64) (*JobRun, error) {
	run := new(JobRun)
	if err := s.r.NewSelect().Model(run).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	return run, nil
}

// ListJobRuns returns job's latest runs, newest first (limit 1–500,
// default 50).
func (s *Store) ListJobRuns(ctx context.Context, job string, limit int) ([]*JobRun, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var runs []*JobRun
	err := s.r.NewSelect().Model(&runs).
		Where("job = ?", job).
		Order("started_at DESC", "id DESC").
		Limit(int64(limit)).
		Scan(ctx)
	return runs, translate(err)
}

// LatestJobRuns returns the latest run of each named job that has one. One
// indexed query per job: the list of jobs is short and each lookup reads a
// single row of the (job, started_at) index.
func (s *Store) LatestJobRuns(ctx context.Context, jobs []string) (map[string]*JobRun, error) {
	out := make(map[string]*JobRun, len(jobs))
	for _, job := range jobs {
		runs, err := s.ListJobRuns(ctx, job, 1)
		if err != nil {
			return nil, err
		}
		if len(runs) == 1 {
			out[job] = runs[0]
		}
	}
	return out, nil
}

// DeleteJobLocksBefore removes claims made before t and says how many. Old
// slots never fire again, so their claims protect nothing.
func (s *Store) DeleteJobLocksBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.w.NewDelete().Model((*JobLock)(nil)).Where("claimed_at < ?", t.UTC()).Exec(ctx)
	if err != nil {
		return 0, translate(err)
	}
	return res.RowsAffected()
}

// DeleteJobRunsBefore removes run records started before t and says how
// many.
func (s *Store) DeleteJobRunsBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.w.NewDelete().Model((*JobRun)(nil)).Where("started_at < ?", t.UTC()).Exec(ctx)
	if err != nil {
		return 0, translate(err)
	}
	return res.RowsAffected()
}
