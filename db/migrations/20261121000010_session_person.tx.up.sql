-- Whose session it is, so a signed-in request reads its session and its
-- person in one query. No foreign key: a session of a deleted person finds
-- no person and is ended by the sign-in check, as before.
ALTER TABLE sessions ADD COLUMN person_id BIGINT;
