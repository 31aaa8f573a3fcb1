{{if eq .Dialect "pg"}}
CREATE OR REPLACE TRIGGER staff_enrollments_updated AFTER UPDATE ON enrollments FOR EACH ROW
WHEN ((NEW.program_id, NEW.person_id, NEW.status, NEW.full_name, NEW.is_mentor, NEW.is_mentee, NEW.time_zone,
       NEW.tz_offset_min, NEW.avail_mask, NEW.org, NEW.level, NEW.track_change, NEW.distance_pref, NEW.comments,
       NEW.submitted_at)
    IS DISTINCT FROM (OLD.program_id, OLD.person_id, OLD.status, OLD.full_name, OLD.is_mentor, OLD.is_mentee, OLD.time_zone,
       OLD.tz_offset_min, OLD.avail_mask, OLD.org, OLD.level, OLD.track_change, OLD.distance_pref, OLD.comments,
       OLD.submitted_at))
EXECUTE FUNCTION staff_enrollment_updated();
--bun:split
CREATE INDEX IF NOT EXISTS enrollments_program_tz_idx ON enrollments (program_id, tz_offset_min);
{{else}}
SELECT 1;
{{end}}
