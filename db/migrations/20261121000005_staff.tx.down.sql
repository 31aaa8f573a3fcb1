{{if eq .Dialect "pg"}}
DROP TRIGGER IF EXISTS staff_people_changed ON people;
--bun:split
DROP TRIGGER IF EXISTS staff_interests_deleted ON enrollment_interests;
--bun:split
DROP TRIGGER IF EXISTS staff_interests_updated ON enrollment_interests;
--bun:split
DROP TRIGGER IF EXISTS staff_interests_inserted ON enrollment_interests;
--bun:split
DROP TRIGGER IF EXISTS staff_enrollments_deleted ON enrollments;
--bun:split
DROP TRIGGER IF EXISTS staff_enrollments_updated ON enrollments;
--bun:split
DROP TRIGGER IF EXISTS staff_enrollments_inserted ON enrollments;
--bun:split
DROP FUNCTION IF EXISTS staff_people_changed();
--bun:split
DROP FUNCTION IF EXISTS staff_interests_removed();
--bun:split
DROP FUNCTION IF EXISTS staff_interests_added();
--bun:split
DROP FUNCTION IF EXISTS staff_enrollments_deleted();
--bun:split
DROP FUNCTION IF EXISTS staff_enrollment_updated();
--bun:split
DROP FUNCTION IF EXISTS staff_enrollments_inserted();
--bun:split
DROP TABLE IF EXISTS participant_search;
--bun:split
DROP FUNCTION IF EXISTS participant_search_doc(text);
--bun:split
DROP INDEX IF EXISTS people_email_c_idx;
--bun:split
DROP INDEX IF EXISTS enrollments_program_tz_id_idx;
--bun:split
DROP INDEX IF EXISTS enrollments_program_status_c_idx;
--bun:split
DROP INDEX IF EXISTS enrollments_program_org_c_idx;
{{else}}
DROP TRIGGER IF EXISTS staff_people_email_au;
--bun:split
DROP TRIGGER IF EXISTS staff_interests_ad;
--bun:split
DROP TRIGGER IF EXISTS staff_interests_ai;
--bun:split
DROP TRIGGER IF EXISTS staff_enrollments_ad;
--bun:split
DROP TRIGGER IF EXISTS staff_enrollments_version_au;
--bun:split
DROP TRIGGER IF EXISTS staff_enrollments_search_au;
--bun:split
DROP TRIGGER IF EXISTS staff_enrollments_ai;
--bun:split
DROP TABLE IF EXISTS participant_fts;
--bun:split
DROP TABLE IF EXISTS participant_fts_pending;
{{end}}
--bun:split
DROP TABLE IF EXISTS staff_versions;
--bun:split
DROP INDEX IF EXISTS enrollments_program_facets_idx;
--bun:split
DROP INDEX IF EXISTS enrollments_program_submitted_idx;
--bun:split
DROP INDEX IF EXISTS enrollments_program_level_idx;
--bun:split
DROP INDEX IF EXISTS enrollments_program_name_idx;
--bun:split
DROP INDEX IF EXISTS audit_events_subject_idx;
--bun:split
DROP TABLE IF EXISTS staff_notes;
