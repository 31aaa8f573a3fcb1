ALTER TABLE sessions DROP COLUMN person_id;
