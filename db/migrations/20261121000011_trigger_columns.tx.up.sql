-- The participant table's update trigger names the columns it watches
-- (UPDATE OF): an UPDATE that writes none of them — a step save writes
-- only the answers and the columns that changed (db.execSave) — does not
-- queue the trigger, and Postgres skips its WHEN clause, which it would
-- otherwise read back from its stored form on every statement (a tenth of
-- the database's time in a typical step save). An UPDATE that writes one
-- still runs the WHEN clause, so writing a column with its old value
-- changes nothing, as before.
--
-- And the (program_id, tz_offset_min) index goes on Postgres: its
-- (program_id, tz_offset_min, id) twin answers every query it answered, and
-- each index is one more entry to write when a row moves.
{{if eq .Dialect "pg"}}
CREATE OR REPLACE TRIGGER staff_enrollments_updated
AFTER UPDATE OF program_id, person_id, status, full_name, is_mentor, is_mentee, time_zone,
       tz_offset_min, avail_mask, org, level, track_change, distance_pref, comments, submitted_at
ON enrollments FOR EACH ROW
WHEN ((NEW.program_id, NEW.person_id, NEW.status, NEW.full_name, NEW.is_mentor, NEW.is_mentee, NEW.time_zone,
       NEW.tz_offset_min, NEW.avail_mask, NEW.org, NEW.level, NEW.track_change, NEW.distance_pref, NEW.comments,
       NEW.submitted_at)
    IS DISTINCT FROM (OLD.program_id, OLD.person_id, OLD.status, OLD.full_name, OLD.is_mentor, OLD.is_mentee, OLD.time_zone,
       OLD.tz_offset_min, OLD.avail_mask, OLD.org, OLD.level, OLD.track_change, OLD.distance_pref, OLD.comments,
       OLD.submitted_at))
EXECUTE FUNCTION staff_enrollment_updated();
--bun:split
DROP INDEX IF EXISTS enrollments_program_tz_idx;
{{else}}
SELECT 1;
{{end}}
