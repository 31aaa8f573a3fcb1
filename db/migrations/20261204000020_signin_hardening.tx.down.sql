DROP INDEX IF EXISTS login_codes_flow_idx;
--bun:split
ALTER TABLE login_codes DROP COLUMN flow_hash;
--bun:split
ALTER TABLE mail_outbox DROP COLUMN expires_at;
