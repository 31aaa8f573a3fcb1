DROP TABLE IF EXISTS retained_counts;
