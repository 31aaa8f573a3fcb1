-- Sign-in (identities, email codes, TOTP), authorization (program roles,
-- permission overrides, local role grants), rate limits and the mail outbox.
CREATE TABLE IF NOT EXISTS identities (
    id {{.PK}},
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    groups_role TEXT NOT NULL DEFAULT 'member',
    created_at {{.TS}} NOT NULL,
    last_login_at {{.TS}}
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS identities_provider_subject_key ON identities (provider, subject);
--bun:split
CREATE INDEX IF NOT EXISTS identities_person_idx ON identities (person_id);
--bun:split
CREATE TABLE IF NOT EXISTS role_grants (
    person_id BIGINT PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    granted_by BIGINT REFERENCES people (id) ON DELETE SET NULL,
    granted_at {{.TS}} NOT NULL
);
--bun:split
CREATE TABLE IF NOT EXISTS program_roles (
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    program_id BIGINT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    granted_by BIGINT REFERENCES people (id) ON DELETE SET NULL,
    created_at {{.TS}} NOT NULL,
    PRIMARY KEY (person_id, program_id)
);
--bun:split
CREATE INDEX IF NOT EXISTS program_roles_program_idx ON program_roles (program_id);
--bun:split
CREATE TABLE IF NOT EXISTS permission_overrides (
    id {{.PK}},
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    program_id BIGINT NOT NULL DEFAULT 0,
    permission TEXT NOT NULL,
    effect TEXT NOT NULL,
    granted_by BIGINT REFERENCES people (id) ON DELETE SET NULL,
    created_at {{.TS}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS permission_overrides_key ON permission_overrides (person_id, program_id, permission);
--bun:split
CREATE TABLE IF NOT EXISTS login_codes (
    id {{.PK}},
    email TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at {{.TS}} NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    used_at {{.TS}},
    created_at {{.TS}} NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS login_codes_email_idx ON login_codes (email, created_at);
--bun:split
CREATE INDEX IF NOT EXISTS login_codes_expires_idx ON login_codes (expires_at);
--bun:split
CREATE TABLE IF NOT EXISTS rate_limits (
    bucket TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    count INTEGER NOT NULL DEFAULT 0,
    expires_at {{.TS}} NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
--bun:split
CREATE INDEX IF NOT EXISTS rate_limits_expires_idx ON rate_limits (expires_at);
--bun:split
CREATE TABLE IF NOT EXISTS mfa_totp (
    person_id BIGINT PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    secret_enc TEXT NOT NULL,
    confirmed_at {{.TS}},
    created_at {{.TS}} NOT NULL
);
--bun:split
CREATE TABLE IF NOT EXISTS recovery_codes (
    id {{.PK}},
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at {{.TS}},
    created_at {{.TS}} NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS recovery_codes_person_idx ON recovery_codes (person_id);
--bun:split
CREATE TABLE IF NOT EXISTS mail_outbox (
    id {{.PK}},
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL DEFAULT '',
    html_body TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT '',
    sensitive {{.Bool}} NOT NULL DEFAULT FALSE,
    dedupe_key TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {{.TS}} NOT NULL,
    locked_until {{.TS}},
    last_error TEXT NOT NULL DEFAULT '',
    created_at {{.TS}} NOT NULL,
    sent_at {{.TS}}
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS mail_outbox_dedupe_key ON mail_outbox (dedupe_key);
--bun:split
CREATE INDEX IF NOT EXISTS mail_outbox_due_idx ON mail_outbox (status, next_attempt_at);
