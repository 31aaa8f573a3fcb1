-- Mail that is worthless after a moment (a sign-in code) carries the time
-- after which the dispatcher drops it instead of sending it: a code mailed
-- after a long retry would arrive already dead. NULL never expires.
ALTER TABLE mail_outbox ADD COLUMN expires_at {{.TS}};
--bun:split
-- A sign-in code belongs to the browser that asked for it (a hash of a
-- random value kept in that browser's session): someone else asking for a
-- code for the same address neither retires it nor spends its attempts.
ALTER TABLE login_codes ADD COLUMN flow_hash TEXT NOT NULL DEFAULT '';
--bun:split
CREATE INDEX IF NOT EXISTS login_codes_flow_idx ON login_codes (email, flow_hash, created_at);
