-- Postgres queues search documents the way SQLite does (migration 0005):
-- an edit to a name, organization or comment no longer rewrites the
-- participant's search document and its GIN entries in the same
-- transaction; it queues the enrollment, and a search brings the queued
-- documents up to date first (db.syncSearch). A member's autosave while
-- typing their name rewrote the document on every save — a fifth of the
-- database's work in such a save — though staff search far less often
-- than members type. Queueing an enrollment already queued costs one index
-- probe. The data version still moves at once, so no cached result
-- outlives the change.
{{if eq .Dialect "pg"}}
CREATE TABLE IF NOT EXISTS participant_search_pending (
    enrollment_id BIGINT PRIMARY KEY
);
--bun:split
CREATE OR REPLACE FUNCTION staff_enrollment_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.full_name, NEW.org, NEW.comments, NEW.person_id)
            IS DISTINCT FROM (OLD.full_name, OLD.org, OLD.comments, OLD.person_id) THEN
        INSERT INTO participant_search_pending (enrollment_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    END IF;
    UPDATE staff_versions SET n = n + 1 WHERE program_id = NEW.program_id AND shard = (NEW.id % 16)::int;
    IF NOT FOUND THEN
        INSERT INTO staff_versions AS v (program_id, shard, n) VALUES (NEW.program_id, (NEW.id % 16)::int, 1)
        ON CONFLICT (program_id, shard) DO UPDATE SET n = v.n + 1;
    END IF;
    IF OLD.program_id <> NEW.program_id THEN
        INSERT INTO staff_versions AS v (program_id, shard, n) VALUES (OLD.program_id, (OLD.id % 16)::int, 1)
        ON CONFLICT (program_id, shard) DO UPDATE SET n = v.n + 1;
    END IF;
    RETURN NULL;
END
$$;
{{else}}
SELECT 1;
{{end}}
