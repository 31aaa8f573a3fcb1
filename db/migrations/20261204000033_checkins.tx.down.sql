DROP TABLE IF EXISTS checkin_answers;
