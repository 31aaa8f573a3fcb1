-- A person whose account was created by confirming an emailed code (self-
-- registration), not by SSO, an admin or an import: programs whose
-- "Self-registration by email" switch is off do not take their enrollments.
ALTER TABLE people ADD COLUMN self_registered {{.Bool}} NOT NULL DEFAULT FALSE;
