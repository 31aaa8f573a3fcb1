-- The search document's case folding: translate() over the Latin, Greek
-- and Cyrillic capitals costs ~180 µs a call whatever the text, most of a
-- step save's database time when a name changes. Text that is all ASCII
-- (octet length = character length) has no such capitals, and lower()
-- under "C" folds it the same: skip the translation for it. The result is
-- unchanged for every input.
--
-- And the update trigger updates its two rows in place before falling back
-- to INSERT … ON CONFLICT, whose speculative insertion cost a changed row
-- more than the update it ends in.
{{if eq .Dialect "pg"}}
CREATE OR REPLACE FUNCTION participant_search_doc(body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('simple'::regconfig, regexp_replace(
        CASE WHEN octet_length(body) = char_length(body) THEN lower(body COLLATE "C")
        ELSE translate(lower(body COLLATE "C"), 'ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮĲĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽƁƂƄƆƇƉƊƋƎƏƐƑƓƔƖƗƘƜƝƟƠƢƤƦƧƩƬƮƯƱƲƳƵƷƸƼǄǇǊǍǏǑǓǕǗǙǛǞǠǢǤǦǨǪǬǮǱǴǶǷǸǺǼǾȀȂȄȆȈȊȌȎȐȒȔȖȘȚȜȞȠȢȤȦȨȪȬȮȰȲȺȻȽȾɁɃɄɅɆɈɊɌɎͰͲͶͿΆΈΉΊΌΎΏΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩΪΫϏϘϚϜϞϠϢϤϦϨϪϬϮϴϷϹϺϽϾϿЀЁЂЃЄЅІЇЈЉЊЋЌЍЎЏАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯѠѢѤѦѨѪѬѮѰѲѴѶѸѺѼѾҀҊҌҎҐҒҔҖҘҚҜҞҠҢҤҦҨҪҬҮҰҲҴҶҸҺҼҾӀӁӃӅӇӉӋӍӐӒӔӖӘӚӜӞӠӢӤӦӨӪӬӮӰӲӴӶӸӺӼӾԀԂԄԆԈԊԌԎԐԒԔԖԘԚԜԞԠԢԤԦԨԪԬԮḀḂḄḆḈḊḌḎḐḒḔḖḘḚḜḞḠḢḤḦḨḪḬḮḰḲḴḶḸḺḼḾṀṂṄṆṈṊṌṎṐṒṔṖṘṚṜṞṠṢṤṦṨṪṬṮṰṲṴṶṸṺṼṾẀẂẄẆẈẊẌẎẐẒẔẞẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸỺỼỾ', 'àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþāăąćĉċčďđēĕėęěĝğġģĥħĩīĭįĳĵķĺļľŀłńņňŋōŏőœŕŗřśŝşšţťŧũūŭůűųŵŷÿźżžɓƃƅɔƈɖɗƌǝəɛƒɠɣɩɨƙɯɲɵơƣƥʀƨʃƭʈưʊʋƴƶʒƹƽǆǉǌǎǐǒǔǖǘǚǜǟǡǣǥǧǩǫǭǯǳǵƕƿǹǻǽǿȁȃȅȇȉȋȍȏȑȓȕȗșțȝȟƞȣȥȧȩȫȭȯȱȳⱥȼƚⱦɂƀʉʌɇɉɋɍɏͱͳͷϳάέήίόύώαβγδεζηθικλμνξοπρστυφχψωϊϋϗϙϛϝϟϡϣϥϧϩϫϭϯθϸϲϻͻͼͽѐёђѓєѕіїјљњћќѝўџабвгдежзийклмнопрстуфхцчшщъыьэюяѡѣѥѧѩѫѭѯѱѳѵѷѹѻѽѿҁҋҍҏґғҕҗҙқҝҟҡңҥҧҩҫҭүұҳҵҷҹһҽҿӏӂӄӆӈӊӌӎӑӓӕӗәӛӝӟӡӣӥӧөӫӭӯӱӳӵӷӹӻӽӿԁԃԅԇԉԋԍԏԑԓԕԗԙԛԝԟԡԣԥԧԩԫԭԯḁḃḅḇḉḋḍḏḑḓḕḗḙḛḝḟḡḣḥḧḩḫḭḯḱḳḵḷḹḻḽḿṁṃṅṇṉṋṍṏṑṓṕṗṙṛṝṟṡṣṥṧṩṫṭṯṱṳṵṷṹṻṽṿẁẃẅẇẉẋẍẏẑẓẕßạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹỻỽỿ') END,
        '[\u0001-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u00a9\u00ab-\u00b1\u00b4\u00b6-\u00b8\u00bb\u00bf\u00d7\u00f7\u0300-\u036f\u2000-\u206f\u20a0-\u20cf\u2190-\u23ff\u2500-\u2775\u2794-\u27bf\u2e00-\u2e7f\u3000-\u3004\u3008-\u3020\ufe00-\ufe0f\ufe30-\ufe4f\uff01-\uff0f\U0001f300-\U0001faff]+', ' ', 'g'))
$$;
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
{{else}}
SELECT 1;
{{end}}
