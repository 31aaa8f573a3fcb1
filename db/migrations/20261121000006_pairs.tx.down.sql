DROP TABLE IF EXISTS api_tokens;
--bun:split
DROP TABLE IF EXISTS pair_history;
--bun:split
DROP TABLE IF EXISTS pairs;
