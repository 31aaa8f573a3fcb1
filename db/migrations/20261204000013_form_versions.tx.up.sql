-- Forms as data admins own. A program's current form is its published
-- version (0: the built-in form named by form_key); each enrollment
-- records the version it was answered under. Published versions are
-- immutable; a program has at most one draft, written under a revision
-- number so two admins editing at once cannot overwrite each other.
ALTER TABLE programs ADD COLUMN form_version INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE enrollments ADD COLUMN form_version INTEGER NOT NULL DEFAULT 0;
--bun:split
CREATE TABLE IF NOT EXISTS form_versions (
    id {{.PK}},
    program_id BIGINT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    definition TEXT NOT NULL,
    published_by BIGINT REFERENCES people (id) ON DELETE SET NULL,
    published_at {{.TS}} NOT NULL,
    UNIQUE (program_id, version)
);
--bun:split
CREATE TABLE IF NOT EXISTS form_drafts (
    program_id BIGINT PRIMARY KEY REFERENCES programs (id) ON DELETE CASCADE,
    definition TEXT NOT NULL,
    revision INTEGER NOT NULL,
    updated_by BIGINT REFERENCES people (id) ON DELETE SET NULL,
    updated_at {{.TS}} NOT NULL
);
