DROP TABLE IF EXISTS notifications_sent;
--bun:split
DROP TABLE IF EXISTS mail_preferences;
