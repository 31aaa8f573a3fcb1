// Package migrations holds Cohort's schema changes as SQL files, embedded in
// the binary. Each file is a text/template rendered with the dialect's
// column types (see db.Migrate), so one file serves SQLite and Postgres.
// Migrations are additive and repeatable (IF NOT EXISTS), so an older release
// still runs against a newer schema and a re-run after a crash is harmless.
package migrations

import "embed"

// FS is the embedded migration files.
//
//go:embed *.sql
var FS embed.FS
