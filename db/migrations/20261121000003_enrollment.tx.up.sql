-- Files uploaded in enrollment forms. The bytes live on disk under a random
-- name (storage_name); the row says whose they are.
CREATE TABLE IF NOT EXISTS uploads (
    id {{.PK}},
    enrollment_id BIGINT REFERENCES enrollments (id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    field_key TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    storage_name TEXT NOT NULL,
    created_at {{.TS}} NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS uploads_enrollment_idx ON uploads (enrollment_id);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS uploads_storage_name_key ON uploads (storage_name);
--bun:split
-- The answers as they were when a member started renewing, so the renewed
-- enrollment can say what changed.
CREATE TABLE IF NOT EXISTS enrollment_snapshots (
    id {{.PK}},
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    answers {{.JSON}} NOT NULL,
    created_at {{.TS}} NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS enrollment_snapshots_enrollment_idx ON enrollment_snapshots (enrollment_id, created_at);
