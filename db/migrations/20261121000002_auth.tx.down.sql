DROP TABLE IF EXISTS mail_outbox;
--bun:split
DROP TABLE IF EXISTS recovery_codes;
--bun:split
DROP TABLE IF EXISTS mfa_totp;
--bun:split
DROP TABLE IF EXISTS rate_limits;
--bun:split
DROP TABLE IF EXISTS login_codes;
--bun:split
DROP TABLE IF EXISTS permission_overrides;
--bun:split
DROP TABLE IF EXISTS program_roles;
--bun:split
DROP TABLE IF EXISTS role_grants;
--bun:split
DROP TABLE IF EXISTS identities;
