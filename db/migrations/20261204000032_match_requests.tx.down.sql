DROP TABLE IF EXISTS mentor_prefs;
--bun:split
DROP TABLE IF EXISTS match_requests;
