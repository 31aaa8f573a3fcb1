-- Who asked for no more non-essential mail (reminders, digests). Essential
-- mail (sign-in codes, pair introductions) still goes out.
CREATE TABLE IF NOT EXISTS mail_preferences (
    person_id BIGINT PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    unsubscribed_at {{.TS}}
);
--bun:split
-- One row per notification a job has sent, keyed like its outbox dedupe key
-- ("draft_reminder:PERSON:ENROLLMENT:N"). It outlives the outbox's 30-day
-- retention, so a purged message is never sent a second time.
CREATE TABLE IF NOT EXISTS notifications_sent (
    dedupe_key TEXT PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 1,
    sent_at {{.TS}} NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS notifications_sent_ref_idx ON notifications_sent (kind, ref_id);
