ALTER TABLE people DROP COLUMN self_registered;
