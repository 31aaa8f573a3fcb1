{{if eq .Dialect "pg"}}
INSERT INTO participant_search (enrollment_id, doc)
SELECT e.id, participant_search_doc(concat_ws(' ', e.full_name, p.email, e.org, e.comments))
FROM participant_search_pending q JOIN enrollments e ON e.id = q.enrollment_id JOIN people p ON p.id = e.person_id
ON CONFLICT (enrollment_id) DO UPDATE SET doc = EXCLUDED.doc;
--bun:split
CREATE OR REPLACE FUNCTION staff_enrollment_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.full_name, NEW.org, NEW.comments, NEW.person_id)
            IS DISTINCT FROM (OLD.full_name, OLD.org, OLD.comments, OLD.person_id) THEN
        UPDATE participant_search SET doc = participant_search_doc(concat_ws(' ', NEW.full_name, p.email, NEW.org, NEW.comments))
        FROM people p WHERE participant_search.enrollment_id = NEW.id AND p.id = NEW.person_id;
        IF NOT FOUND THEN
            INSERT INTO participant_search (enrollment_id, doc)
            SELECT NEW.id, participant_search_doc(concat_ws(' ', NEW.full_name, p.email, NEW.org, NEW.comments))
            FROM people p WHERE p.id = NEW.person_id
            ON CONFLICT (enrollment_id) DO UPDATE SET doc = EXCLUDED.doc;
        END IF;
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
--bun:split
DROP TABLE IF EXISTS participant_search_pending;
{{else}}
SELECT 1;
{{end}}
