-- Scheduled jobs: the admin's on/off switch per job (in the database so
-- every instance obeys it), one lock row per (job, slot) that decides which
-- instance runs a slot, and the record of every run.
CREATE TABLE IF NOT EXISTS job_settings (
    name TEXT PRIMARY KEY,
    enabled {{.Bool}} NOT NULL DEFAULT TRUE,
    updated_by BIGINT REFERENCES people (id) ON DELETE SET NULL,
    updated_at {{.TS}} NOT NULL
);
--bun:split
CREATE TABLE IF NOT EXISTS job_locks (
    job TEXT NOT NULL,
    slot TEXT NOT NULL,
    instance TEXT NOT NULL,
    claimed_at {{.TS}} NOT NULL,
    expires_at {{.TS}} NOT NULL,
    finished_at {{.TS}},
    PRIMARY KEY (job, slot)
);
--bun:split
CREATE INDEX IF NOT EXISTS job_locks_claimed_idx ON job_locks (claimed_at);
--bun:split
CREATE TABLE IF NOT EXISTS job_runs (
    id {{.PK}},
    job TEXT NOT NULL,
    slot TEXT NOT NULL,
    instance TEXT NOT NULL,
    trigger TEXT NOT NULL,
    started_at {{.TS}} NOT NULL,
    finished_at {{.TS}},
    outcome TEXT NOT NULL DEFAULT 'running',
    counts {{.JSON}} NOT NULL,
    error TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX IF NOT EXISTS job_runs_job_started_idx ON job_runs (job, started_at);
--bun:split
CREATE INDEX IF NOT EXISTS job_runs_started_idx ON job_runs (started_at);
