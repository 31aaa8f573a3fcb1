DROP TABLE IF EXISTS pair_concerns_handled;
--bun:split
DROP TABLE IF EXISTS checkin_answers;
