-- What is left of enrollments after the retention purge deleted them:
-- anonymous counts per program ("enrollments", "status:ended", "mentors",
-- "mentees", "pairs"), added to at every purge. The pair history keeps the
-- keyed hashes, so a repeat pair is still refused.
CREATE TABLE IF NOT EXISTS retained_counts (
    program_id BIGINT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (program_id, metric)
);
