-- Answers to the pair check-in survey: one per person per check-in point
-- (weeks after the pair started), edited in place until the point's window
-- closes. The note is for staff with participants.view only.
CREATE TABLE IF NOT EXISTS checkin_answers (
    id {{.PK}},
    pair_id BIGINT NOT NULL REFERENCES pairs (id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    weeks INTEGER NOT NULL,
    met TEXT NOT NULL CHECK (met IN ('not_yet', 'once', 'several')),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    note TEXT NOT NULL DEFAULT '',
    contact_me {{.Bool}} NOT NULL DEFAULT FALSE,
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS checkin_answers_point_key ON checkin_answers (pair_id, person_id, weeks);
--bun:split
CREATE INDEX IF NOT EXISTS checkin_answers_person_idx ON checkin_answers (person_id);
--bun:split
-- When staff last marked a pair's check-in concerns handled: answers saved
-- before it raise nothing in the pair's health. Each marking is audited
-- with its note.
CREATE TABLE IF NOT EXISTS pair_concerns_handled (
    pair_id BIGINT PRIMARY KEY REFERENCES pairs (id) ON DELETE CASCADE,
    handled_at {{.TS}} NOT NULL,
    handled_by BIGINT REFERENCES people (id) ON DELETE SET NULL,
    note TEXT NOT NULL DEFAULT ''
);
