-- Requests of mentees to mentors in programs whose matching mode lets
-- members choose. A request is pending until the mentor accepts or
-- declines it, the mentee's pair is made with someone else (withdrawn), it
-- expires, or staff cancel it. The accepted one names the pair it made.
CREATE TABLE IF NOT EXISTS match_requests (
    id {{.PK}},
    program_id BIGINT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    mentee_enrollment_id BIGINT NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    mentor_enrollment_id BIGINT NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'accepted', 'declined', 'withdrawn', 'expired', 'cancelled')),
    message TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    pair_id BIGINT REFERENCES pairs (id) ON DELETE SET NULL,
    created_at {{.TS}} NOT NULL,
    expires_at {{.TS}} NOT NULL,
    decided_at {{.TS}}
);
--bun:split
-- One pending request per mentee and mentor: asking twice is a conflict.
CREATE UNIQUE INDEX IF NOT EXISTS match_requests_pending_key
    ON match_requests (mentee_enrollment_id, mentor_enrollment_id) WHERE status = 'pending';
--bun:split
CREATE INDEX IF NOT EXISTS match_requests_program_idx ON match_requests (program_id, status, created_at);
--bun:split
CREATE INDEX IF NOT EXISTS match_requests_mentor_idx ON match_requests (mentor_enrollment_id, status);
--bun:split
CREATE INDEX IF NOT EXISTS match_requests_expiry_idx ON match_requests (status, expires_at);
--bun:split
-- A mentor's own choices about requests: paused takes no new ones, and
-- capacity (0: the program's limit) is how many mentees they take, never
-- more than the program allows.
CREATE TABLE IF NOT EXISTS mentor_prefs (
    enrollment_id BIGINT PRIMARY KEY REFERENCES enrollments (id) ON DELETE CASCADE,
    paused {{.Bool}} NOT NULL DEFAULT FALSE,
    capacity INTEGER NOT NULL DEFAULT 0,
    updated_at {{.TS}} NOT NULL
);
