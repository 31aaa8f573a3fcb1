DROP TABLE IF EXISTS job_runs;
--bun:split
DROP TABLE IF EXISTS job_locks;
--bun:split
DROP TABLE IF EXISTS job_settings;
