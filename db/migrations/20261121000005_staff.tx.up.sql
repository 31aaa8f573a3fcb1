-- Staff workspace: notes on enrollments, free-text search over
-- participants on both databases, a data version per program that tells
-- the participant table's cache when to recompute, and the indexes behind
-- the table's filters and sort orders.
CREATE TABLE IF NOT EXISTS staff_notes (
    id {{.PK}},
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES people (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at {{.TS}} NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS staff_notes_enrollment_idx ON staff_notes (enrollment_id, created_at);
--bun:split
-- A person's audit trail on the participant page: events about one enrollment.
CREATE INDEX IF NOT EXISTS audit_events_subject_idx ON audit_events (subject_type, subject_id, at);
--bun:split
-- One index per sort order, each ending in id (the keyset tie-break).
-- Postgres compares text byte by byte (COLLATE "C") so both databases sort
-- the same whatever the server locale; its indexes must say so to be used.
CREATE INDEX IF NOT EXISTS enrollments_program_name_idx ON enrollments (program_id, full_name{{if eq .Dialect "pg"}} COLLATE "C"{{end}}, id);
--bun:split
CREATE INDEX IF NOT EXISTS enrollments_program_level_idx ON enrollments (program_id, level{{if eq .Dialect "pg"}} COLLATE "C"{{end}}, id);
--bun:split
CREATE INDEX IF NOT EXISTS enrollments_program_submitted_idx ON enrollments (program_id, submitted_at, id);
--bun:split
-- The facet counts group a program's enrollments by status, roles, org and
-- level under the other filters: with every filterable column in one
-- index, that is an index-only scan already in GROUP BY order (on 100,000
-- participants about ten times faster than reading the table).
CREATE INDEX IF NOT EXISTS enrollments_program_facets_idx ON enrollments (program_id, status, is_mentor, is_mentee, org, level,
    tz_offset_min, avail_mask, track_change, distance_pref);
--bun:split
{{if eq .Dialect "pg"}}
-- SQLite's older (program_id, org), (program_id, status, id) and
-- (program_id, tz_offset_min) indexes already end in the rowid and compare
-- bytes; Postgres needs these.
CREATE INDEX IF NOT EXISTS enrollments_program_org_c_idx ON enrollments (program_id, org COLLATE "C", id);
--bun:split
CREATE INDEX IF NOT EXISTS enrollments_program_status_c_idx ON enrollments (program_id, status COLLATE "C", id);
--bun:split
CREATE INDEX IF NOT EXISTS enrollments_program_tz_id_idx ON enrollments (program_id, tz_offset_min, id);
--bun:split
CREATE INDEX IF NOT EXISTS people_email_c_idx ON people (email COLLATE "C");
--bun:split
{{end}}
-- The participant table caches its answers per program, keyed by this
-- version: triggers add 1 whenever anything the table shows changes, in
-- the same transaction as the change, so a reader that sees the old number
-- cannot see newer data than it cached. Rows are spread over 16 shards
-- (enrollment id mod 16) so concurrent writers in one program rarely wait
-- on the same row; the version is their sum. No foreign key: a program
-- being deleted still bumps its version while its enrollments go.
CREATE TABLE IF NOT EXISTS staff_versions (
    program_id BIGINT NOT NULL,
    shard INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (program_id, shard)
);
{{if eq .Dialect "pg"}}
--bun:split
-- Search documents: name, email, organization and comments folded to lower
-- case and with punctuation, symbols and emoji turned into spaces, so
-- Postgres splits words where SQLite FTS5's unicode61 tokenizer does and
-- folds case the way it does whatever the server locale (lower() under
-- "C" folds ASCII, translate() the Latin, Greek and Cyrillic letters).
-- The 'simple' configuration does no stemming and has no stop words.
CREATE TABLE IF NOT EXISTS participant_search (
    enrollment_id BIGINT PRIMARY KEY REFERENCES enrollments (id) ON DELETE CASCADE,
    doc tsvector NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS participant_search_doc_idx ON participant_search USING GIN (doc);
--bun:split
CREATE OR REPLACE FUNCTION participant_search_doc(body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('simple'::regconfig, regexp_replace(
        translate(lower(body COLLATE "C"), 'ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮĲĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽƁƂƄƆƇƉƊƋƎƏƐƑƓƔƖƗƘƜƝƟƠƢƤƦƧƩƬƮƯƱƲƳƵƷƸƼǄǇǊǍǏǑǓǕǗǙǛǞǠǢǤǦǨǪǬǮǱǴǶǷǸǺǼǾȀȂȄȆȈȊȌȎȐȒȔȖȘȚȜȞȠȢȤȦȨȪȬȮȰȲȺȻȽȾɁɃɄɅɆɈɊɌɎͰͲͶͿΆΈΉΊΌΎΏΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩΪΫϏϘϚϜϞϠϢϤϦϨϪϬϮϴϷϹϺϽϾϿЀЁЂЃЄЅІЇЈЉЊЋЌЍЎЏАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯѠѢѤѦѨѪѬѮѰѲѴѶѸѺѼѾҀҊҌҎҐҒҔҖҘҚҜҞҠҢҤҦҨҪҬҮҰҲҴҶҸҺҼҾӀӁӃӅӇӉӋӍӐӒӔӖӘӚӜӞӠӢӤӦӨӪӬӮӰӲӴӶӸӺӼӾԀԂԄԆԈԊԌԎԐԒԔԖԘԚԜԞԠԢԤԦԨԪԬԮḀḂḄḆḈḊḌḎḐḒḔḖḘḚḜḞḠḢḤḦḨḪḬḮḰḲḴḶḸḺḼḾṀṂṄṆṈṊṌṎṐṒṔṖṘṚṜṞṠṢṤṦṨṪṬṮṰṲṴṶṸṺṼṾẀẂẄẆẈẊẌẎẐẒẔẞẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸỺỼỾ', 'àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþāăąćĉċčďđēĕėęěĝğġģĥħĩīĭįĳĵķĺļľŀłńņňŋōŏőœŕŗřśŝşšţťŧũūŭůűųŵŷÿźżžɓƃƅɔƈɖɗƌǝəɛƒɠɣɩɨƙɯɲɵơƣƥʀƨʃƭʈưʊʋƴƶʒƹƽǆǉǌǎǐǒǔǖǘǚǜǟǡǣǥǧǩǫǭǯǳǵƕƿǹǻǽǿȁȃȅȇȉȋȍȏȑȓȕȗșțȝȟƞȣȥȧȩȫȭȯȱȳⱥȼƚⱦɂƀʉʌɇɉɋɍɏͱͳͷϳάέήίόύώαβγδεζηθικλμνξοπρστυφχψωϊϋϗϙϛϝϟϡϣϥϧϩϫϭϯθϸϲϻͻͼͽѐёђѓєѕіїјљњћќѝўџабвгдежзийклмнопрстуфхцчшщъыьэюяѡѣѥѧѩѫѭѯѱѳѵѷѹѻѽѿҁҋҍҏґғҕҗҙқҝҟҡңҥҧҩҫҭүұҳҵҷҹһҽҿӏӂӄӆӈӊӌӎӑӓӕӗәӛӝӟӡӣӥӧөӫӭӯӱӳӵӷӹӻӽӿԁԃԅԇԉԋԍԏԑԓԕԗԙԛԝԟԡԣԥԧԩԫԭԯḁḃḅḇḉḋḍḏḑḓḕḗḙḛḝḟḡḣḥḧḩḫḭḯḱḳḵḷḹḻḽḿṁṃṅṇṉṋṍṏṑṓṕṗṙṛṝṟṡṣṥṧṩṫṭṯṱṳṵṷṹṻṽṿẁẃẅẇẉẋẍẏẑẓẕßạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹỻỽỿ'),
        '[\u0001-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u00a9\u00ab-\u00b1\u00b4\u00b6-\u00b8\u00bb\u00bf\u00d7\u00f7\u0300-\u036f\u2000-\u206f\u20a0-\u20cf\u2190-\u23ff\u2500-\u2775\u2794-\u27bf\u2e00-\u2e7f\u3000-\u3004\u3008-\u3020\ufe00-\ufe0f\ufe30-\ufe4f\uff01-\uff0f\U0001f300-\U0001faff]+', ' ', 'g'))
$$;
--bun:split
-- The Postgres triggers are statement-level, over transition tables: one
-- bump per (program, shard) per statement, not per row. Updating the same
-- counter row once per row of a large insert (a seed, an import) inside
-- one transaction piles up row versions that every later update must walk
-- past, which turned a 100,000-row seed from seconds into minutes.
CREATE OR REPLACE FUNCTION staff_enrollments_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO participant_search (enrollment_id, doc)
    SELECT n.id, participant_search_doc(concat_ws(' ', n.full_name, p.email, n.org, n.comments))
    FROM new_rows n JOIN people p ON p.id = n.person_id
    ON CONFLICT (enrollment_id) DO UPDATE SET doc = EXCLUDED.doc;
    INSERT INTO staff_versions AS v (program_id, shard, n)
    SELECT program_id, (id % 16)::int, count(*) FROM new_rows GROUP BY 1, 2
    ON CONFLICT (program_id, shard) DO UPDATE SET n = v.n + EXCLUDED.n;
    RETURN NULL;
END
$$;
--bun:split
CREATE OR REPLACE TRIGGER staff_enrollments_inserted AFTER INSERT ON enrollments
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION staff_enrollments_inserted();
--bun:split
-- Updates are row-level with a WHEN clause, so the function runs only when
-- something the table shows changed: most step saves change other answers
-- and pay nothing, and a changed row costs one search document and one
-- counter bump (a statement-level trigger would capture every updated row
-- on every save). The whole-statement batching above matters for inserts
-- (seeds, imports); nothing updates enrollments in bulk.
CREATE OR REPLACE FUNCTION staff_enrollment_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.full_name, NEW.org, NEW.comments, NEW.person_id)
            IS DISTINCT FROM (OLD.full_name, OLD.org, OLD.comments, OLD.person_id) THEN
        INSERT INTO participant_search (enrollment_id, doc)
        SELECT NEW.id, participant_search_doc(concat_ws(' ', NEW.full_name, p.email, NEW.org, NEW.comments))
        FROM people p WHERE p.id = NEW.person_id
        ON CONFLICT (enrollment_id) DO UPDATE SET doc = EXCLUDED.doc;
    END IF;
    INSERT INTO staff_versions AS v (program_id, shard, n) VALUES (NEW.program_id, (NEW.id % 16)::int, 1)
    ON CONFLICT (program_id, shard) DO UPDATE SET n = v.n + 1;
    IF OLD.program_id <> NEW.program_id THEN
        INSERT INTO staff_versions AS v (program_id, shard, n) VALUES (OLD.program_id, (OLD.id % 16)::int, 1)
        ON CONFLICT (program_id, shard) DO UPDATE SET n = v.n + 1;
    END IF;
    RETURN NULL;
END
$$;
--bun:split
CREATE OR REPLACE TRIGGER staff_enrollments_updated AFTER UPDATE ON enrollments FOR EACH ROW
WHEN ((NEW.program_id, NEW.person_id, NEW.status, NEW.full_name, NEW.is_mentor, NEW.is_mentee, NEW.time_zone,
       NEW.tz_offset_min, NEW.avail_mask, NEW.org, NEW.level, NEW.track_change, NEW.distance_pref, NEW.comments,
       NEW.submitted_at)
    IS DISTINCT FROM (OLD.program_id, OLD.person_id, OLD.status, OLD.full_name, OLD.is_mentor, OLD.is_mentee, OLD.time_zone,
       OLD.tz_offset_min, OLD.avail_mask, OLD.org, OLD.level, OLD.track_change, OLD.distance_pref, OLD.comments,
       OLD.submitted_at))
EXECUTE FUNCTION staff_enrollment_updated();
--bun:split
-- Deleted enrollments leave the search table by its foreign key.
CREATE OR REPLACE FUNCTION staff_enrollments_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO staff_versions AS v (program_id, shard, n)
    SELECT program_id, (id % 16)::int, count(*) FROM old_rows GROUP BY 1, 2
    ON CONFLICT (program_id, shard) DO UPDATE SET n = v.n + EXCLUDED.n;
    RETURN NULL;
END
$$;
--bun:split
CREATE OR REPLACE TRIGGER staff_enrollments_deleted AFTER DELETE ON enrollments
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION staff_enrollments_deleted();
--bun:split
-- Interests: a change bumps the enrollment's program. An interest deleted
-- because its enrollment is being deleted finds no enrollment here; the
-- enrollment's own trigger has bumped the version.
CREATE OR REPLACE FUNCTION staff_interests_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO staff_versions AS v (program_id, shard, n)
    SELECT e.program_id, (e.id % 16)::int, count(*) FROM new_rows r JOIN enrollments e ON e.id = r.enrollment_id GROUP BY 1, 2
    ON CONFLICT (program_id, shard) DO UPDATE SET n = v.n + EXCLUDED.n;
    RETURN NULL;
END
$$;
--bun:split
CREATE OR REPLACE FUNCTION staff_interests_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO staff_versions AS v (program_id, shard, n)
    SELECT e.program_id, (e.id % 16)::int, count(*) FROM old_rows r JOIN enrollments e ON e.id = r.enrollment_id GROUP BY 1, 2
    ON CONFLICT (program_id, shard) DO UPDATE SET n = v.n + EXCLUDED.n;
    RETURN NULL;
END
$$;
--bun:split
CREATE OR REPLACE TRIGGER staff_interests_inserted AFTER INSERT ON enrollment_interests
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION staff_interests_added();
--bun:split
CREATE OR REPLACE TRIGGER staff_interests_updated AFTER UPDATE ON enrollment_interests
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION staff_interests_added();
--bun:split
CREATE OR REPLACE TRIGGER staff_interests_deleted AFTER DELETE ON enrollment_interests
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION staff_interests_removed();
--bun:split
-- A changed email re-indexes that person's enrollments (rare: row-level).
CREATE OR REPLACE FUNCTION staff_people_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.email IS DISTINCT FROM OLD.email THEN
        UPDATE participant_search s
        SET doc = participant_search_doc(concat_ws(' ', e.full_name, NEW.email, e.org, e.comments))
        FROM enrollments e WHERE e.person_id = NEW.id AND s.enrollment_id = e.id;
        INSERT INTO staff_versions AS v (program_id, shard, n)
        SELECT e.program_id, (e.id % 16)::int, count(*) FROM enrollments e WHERE e.person_id = NEW.id GROUP BY 1, 2
        ON CONFLICT (program_id, shard) DO UPDATE SET n = v.n + EXCLUDED.n;
    END IF;
    RETURN NEW;
END
$$;
--bun:split
CREATE OR REPLACE TRIGGER staff_people_changed AFTER UPDATE OF email ON people
FOR EACH ROW EXECUTE FUNCTION staff_people_changed();
--bun:split
-- Enrollments that existed before this migration.
INSERT INTO participant_search (enrollment_id, doc)
SELECT e.id, participant_search_doc(concat_ws(' ', e.full_name, p.email, e.org, e.comments))
FROM enrollments e JOIN people p ON p.id = e.person_id
ON CONFLICT (enrollment_id) DO UPDATE SET doc = EXCLUDED.doc;
{{else}}
--bun:split
-- The search index: one document per enrollment (rowid = enrollment id).
-- unicode61 folds case and splits at anything that is not a letter or a
-- digit; remove_diacritics 0 keeps "é" distinct from "e", as Postgres's
-- 'simple' configuration does. Prefix indexes make short prefixes cheap.
CREATE VIRTUAL TABLE IF NOT EXISTS participant_fts USING fts5 (
    doc, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3'
);
--bun:split
CREATE TRIGGER IF NOT EXISTS staff_enrollments_ai AFTER INSERT ON enrollments BEGIN
    INSERT INTO participant_fts (rowid, doc)
    SELECT NEW.id, NEW.full_name || ' ' || p.email || ' ' || NEW.org || ' ' || NEW.comments
    FROM people p WHERE p.id = NEW.person_id;
    INSERT INTO staff_versions (program_id, shard, n) VALUES (NEW.program_id, NEW.id % 16, 1)
    ON CONFLICT (program_id, shard) DO UPDATE SET n = n + 1;
END;
--bun:split
-- Edits do not touch the index: they queue the enrollment, and a search
-- re-indexes the queue first (db.syncSearch). A member's autosave while
-- typing a name would otherwise rewrite the index on every keystroke, and
-- an FTS5 write in each small transaction cost a quarter of the step-save
-- throughput; queueing is one indexed insert, or nothing when the
-- enrollment is queued already. The data version still moves at once, so
-- no cached search outlives the change.
CREATE TABLE IF NOT EXISTS participant_fts_pending (
    enrollment_id INTEGER PRIMARY KEY
);
--bun:split
CREATE TRIGGER IF NOT EXISTS staff_enrollments_search_au AFTER UPDATE ON enrollments
WHEN NEW.full_name IS NOT OLD.full_name OR NEW.org IS NOT OLD.org OR NEW.comments IS NOT OLD.comments
    OR NEW.person_id IS NOT OLD.person_id
BEGIN
    INSERT OR IGNORE INTO participant_fts_pending (enrollment_id) VALUES (NEW.id);
END;
--bun:split
CREATE TRIGGER IF NOT EXISTS staff_enrollments_version_au AFTER UPDATE ON enrollments
WHEN NEW.program_id IS NOT OLD.program_id OR NEW.person_id IS NOT OLD.person_id OR NEW.status IS NOT OLD.status
    OR NEW.full_name IS NOT OLD.full_name OR NEW.is_mentor IS NOT OLD.is_mentor OR NEW.is_mentee IS NOT OLD.is_mentee
    OR NEW.time_zone IS NOT OLD.time_zone OR NEW.tz_offset_min IS NOT OLD.tz_offset_min
    OR NEW.avail_mask IS NOT OLD.avail_mask OR NEW.org IS NOT OLD.org OR NEW.level IS NOT OLD.level
    OR NEW.track_change IS NOT OLD.track_change OR NEW.distance_pref IS NOT OLD.distance_pref
    OR NEW.comments IS NOT OLD.comments OR NEW.submitted_at IS NOT OLD.submitted_at
BEGIN
    INSERT INTO staff_versions (program_id, shard, n) VALUES (NEW.program_id, NEW.id % 16, 1)
    ON CONFLICT (program_id, shard) DO UPDATE SET n = n + 1;
    INSERT INTO staff_versions (program_id, shard, n)
    SELECT OLD.program_id, OLD.id % 16, 1 WHERE OLD.program_id <> NEW.program_id
    ON CONFLICT (program_id, shard) DO UPDATE SET n = n + 1;
END;
--bun:split
CREATE TRIGGER IF NOT EXISTS staff_enrollments_ad AFTER DELETE ON enrollments BEGIN
    DELETE FROM participant_fts WHERE rowid = OLD.id;
    DELETE FROM participant_fts_pending WHERE enrollment_id = OLD.id;
    INSERT INTO staff_versions (program_id, shard, n) VALUES (OLD.program_id, OLD.id % 16, 1)
    ON CONFLICT (program_id, shard) DO UPDATE SET n = n + 1;
END;
--bun:split
CREATE TRIGGER IF NOT EXISTS staff_interests_ai AFTER INSERT ON enrollment_interests BEGIN
    INSERT INTO staff_versions (program_id, shard, n)
    SELECT e.program_id, e.id % 16, 1 FROM enrollments e WHERE e.id = NEW.enrollment_id
    ON CONFLICT (program_id, shard) DO UPDATE SET n = n + 1;
END;
--bun:split
CREATE TRIGGER IF NOT EXISTS staff_interests_ad AFTER DELETE ON enrollment_interests BEGIN
    INSERT INTO staff_versions (program_id, shard, n)
    SELECT e.program_id, e.id % 16, 1 FROM enrollments e WHERE e.id = OLD.enrollment_id
    ON CONFLICT (program_id, shard) DO UPDATE SET n = n + 1;
END;
--bun:split
CREATE TRIGGER IF NOT EXISTS staff_people_email_au AFTER UPDATE OF email ON people
WHEN NEW.email IS NOT OLD.email
BEGIN
    INSERT OR IGNORE INTO participant_fts_pending (enrollment_id) SELECT id FROM enrollments WHERE person_id = NEW.id;
    INSERT INTO staff_versions (program_id, shard, n)
    SELECT e.program_id, e.id % 16, 1 FROM enrollments e WHERE e.person_id = NEW.id
    ON CONFLICT (program_id, shard) DO UPDATE SET n = n + 1;
END;
--bun:split
-- Enrollments that existed before this migration (emptied first, so a
-- re-run does not index them twice).
DELETE FROM participant_fts;
--bun:split
DELETE FROM participant_fts_pending;
--bun:split
INSERT INTO participant_fts (rowid, doc)
SELECT e.id, e.full_name || ' ' || p.email || ' ' || e.org || ' ' || e.comments
FROM enrollments e JOIN people p ON p.id = e.person_id;
{{end}}
