CREATE TABLE IF NOT EXISTS people (
    id {{.PK}},
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT 'member',
    status TEXT NOT NULL DEFAULT 'active',
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    last_login_at {{.TS}}
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS people_email_key ON people (email);
--bun:split
CREATE TABLE IF NOT EXISTS programs (
    id {{.PK}},
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    form_key TEXT NOT NULL DEFAULT '',
    opens_at {{.TS}},
    closes_at {{.TS}},
    term_days INTEGER NOT NULL DEFAULT 0,
    settings {{.JSON}} NOT NULL,
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS programs_slug_key ON programs (slug);
--bun:split
CREATE TABLE IF NOT EXISTS enrollments (
    id {{.PK}},
    program_id BIGINT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'draft',
    answers {{.JSON}} NOT NULL,
    completed_steps TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    full_name TEXT NOT NULL DEFAULT '',
    is_mentor {{.Bool}} NOT NULL DEFAULT FALSE,
    is_mentee {{.Bool}} NOT NULL DEFAULT FALSE,
    time_zone TEXT NOT NULL DEFAULT '',
    tz_offset_min INTEGER NOT NULL DEFAULT 0,
    avail_mask INTEGER NOT NULL DEFAULT 0,
    org TEXT NOT NULL DEFAULT '',
    level TEXT NOT NULL DEFAULT '',
    time_at_level TEXT NOT NULL DEFAULT '',
    distance_pref TEXT NOT NULL DEFAULT '',
    track_change TEXT NOT NULL DEFAULT '',
    manager_name TEXT NOT NULL DEFAULT '',
    manager_email TEXT NOT NULL DEFAULT '',
    comments TEXT NOT NULL DEFAULT '',
    submitted_at {{.TS}},
    decided_at {{.TS}},
    expires_at {{.TS}},
    renewed_at {{.TS}},
    withdrawn_at {{.TS}},
    withdraw_reason TEXT NOT NULL DEFAULT '',
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS enrollments_program_person_key ON enrollments (program_id, person_id);
--bun:split
CREATE INDEX IF NOT EXISTS enrollments_person_idx ON enrollments (person_id);
--bun:split
CREATE INDEX IF NOT EXISTS enrollments_program_status_idx ON enrollments (program_id, status, id);
--bun:split
CREATE INDEX IF NOT EXISTS enrollments_program_tz_idx ON enrollments (program_id, tz_offset_min);
--bun:split
CREATE INDEX IF NOT EXISTS enrollments_program_org_idx ON enrollments (program_id, org);
--bun:split
CREATE TABLE IF NOT EXISTS enrollment_interests (
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    side TEXT NOT NULL,
    interest TEXT NOT NULL,
    PRIMARY KEY (enrollment_id, side, interest)
);
--bun:split
CREATE INDEX IF NOT EXISTS enrollment_interests_interest_idx ON enrollment_interests (interest, side, enrollment_id);
--bun:split
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    data {{.Blob}} NOT NULL,
    expires_at {{.TS}}
);
--bun:split
CREATE INDEX IF NOT EXISTS sessions_expires_idx ON sessions (expires_at);
--bun:split
CREATE TABLE IF NOT EXISTS audit_events (
    id {{.PK}},
    at {{.TS}} NOT NULL,
    actor_id BIGINT REFERENCES people (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL DEFAULT '',
    subject_id TEXT NOT NULL DEFAULT '',
    program_id BIGINT REFERENCES programs (id) ON DELETE SET NULL,
    details {{.JSON}} NOT NULL,
    request_id TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX IF NOT EXISTS audit_events_at_idx ON audit_events (at);
--bun:split
CREATE INDEX IF NOT EXISTS audit_events_actor_idx ON audit_events (actor_id, at);
--bun:split
CREATE INDEX IF NOT EXISTS audit_events_action_idx ON audit_events (action, at);
