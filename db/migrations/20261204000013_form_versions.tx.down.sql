DROP TABLE IF EXISTS form_drafts;
--bun:split
DROP TABLE IF EXISTS form_versions;
--bun:split
ALTER TABLE enrollments DROP COLUMN form_version;
--bun:split
ALTER TABLE programs DROP COLUMN form_version;
