DROP TABLE IF EXISTS audit_events;
--bun:split
DROP TABLE IF EXISTS sessions;
--bun:split
DROP TABLE IF EXISTS enrollment_interests;
--bun:split
DROP TABLE IF EXISTS enrollments;
--bun:split
DROP TABLE IF EXISTS programs;
--bun:split
DROP TABLE IF EXISTS people;
