DROP TABLE IF EXISTS enrollment_snapshots;
--bun:split
DROP TABLE IF EXISTS uploads;
