-- Mentor–mentee pairs. A pair is proposed, then active, then ended; it keeps
-- the score and explanation it had when it was made.
CREATE TABLE IF NOT EXISTS pairs (
    id {{.PK}},
    program_id BIGINT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    mentor_enrollment_id BIGINT NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    mentee_enrollment_id BIGINT NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'active', 'ended')),
    score DOUBLE PRECISION NOT NULL DEFAULT 0,
    explanation TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES people (id) ON DELETE SET NULL,
    created_at {{.TS}} NOT NULL,
    started_at {{.TS}},
    ended_at {{.TS}},
    end_reason TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX IF NOT EXISTS pairs_program_status_idx ON pairs (program_id, status, id);
--bun:split
CREATE INDEX IF NOT EXISTS pairs_mentor_idx ON pairs (mentor_enrollment_id, status);
--bun:split
CREATE INDEX IF NOT EXISTS pairs_mentee_idx ON pairs (mentee_enrollment_id, status);
--bun:split
-- A mentee has at most one pair that is not ended (proposed or active).
CREATE UNIQUE INDEX IF NOT EXISTS pairs_mentee_open_key ON pairs (mentee_enrollment_id) WHERE status <> 'ended';
--bun:split
-- Keyed hashes of every pair that became active: HMAC-SHA256 under
-- PAIR_ID_HASH_SECRET of "mentor email\nmentee email". No foreign keys: the
-- history outlives the purge of people, enrollments and pairs, so a repeat
-- pair is refused even after the personal data is gone.
CREATE TABLE IF NOT EXISTS pair_history (
    hash TEXT PRIMARY KEY,
    program_id BIGINT NOT NULL,
    created_at {{.TS}} NOT NULL
);
--bun:split
-- Personal API tokens, stored as a SHA-256 of the token; the token itself is
-- shown once when it is made.
CREATE TABLE IF NOT EXISTS api_tokens (
    id {{.PK}},
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    token_hash TEXT NOT NULL,
    created_at {{.TS}} NOT NULL,
    last_used_at {{.TS}},
    revoked_at {{.TS}}
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS api_tokens_hash_key ON api_tokens (token_hash);
--bun:split
CREATE INDEX IF NOT EXISTS api_tokens_person_idx ON api_tokens (person_id, created_at);
