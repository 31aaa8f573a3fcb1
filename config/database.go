package config

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Database dialects.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "pg"
)

// Database is a parsed DATABASE_URL.
type Database struct {
	Dialect string // DialectSQLite or DialectPostgres
	// DSN is the Postgres URL, or the SQLite file path.
	DSN string
}

// ParseDatabaseURL maps DATABASE_URL to a dialect: unset → the SQLite file
// DATA_DIR/cohort.db; postgres:// or postgresql:// → Postgres; sqlite:PATH,
// sqlite://PATH or file:PATH → that SQLite file.
func ParseDatabaseURL(raw, dataDir string) (Database, error) {
	switch {
	case raw == "":
		return Database{Dialect: DialectSQLite, DSN: filepath.Join(dataDir, "cohort.db")}, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return Database{Dialect: DialectPostgres, DSN: raw}, nil
	case strings.HasPrefix(raw, "sqlite://"):
		return sqlitePath(strings.TrimPrefix(raw, "sqlite://"), raw)
	case strings.HasPrefix(raw, "sqlite:"):
		return sqlitePath(strings.TrimPrefix(raw, "sqlite:"), raw)
	case strings.HasPrefix(raw, "file:"):
		return sqlitePath(strings.TrimPrefix(raw, "file:"), raw)
	}
	return Database{}, fmt.Errorf("DATABASE_URL must start with postgres://, sqlite: or file: (got a value starting %q)", prefix(raw))
}

func sqlitePath(p, raw string) (Database, error) {
	// Query parameters are ours to set (pragmas); a user-supplied one would
	// silently fight them.
	p, _, _ = strings.Cut(p, "?")
	if p == "" || p == ":memory:" {
		return Database{}, fmt.Errorf("DATABASE_URL %q needs a file path (in-memory SQLite gives every connection its own database)", raw)
	}
	return Database{Dialect: DialectSQLite, DSN: p}, nil
}

// prefix shows the scheme part of a bad URL without echoing credentials.
func prefix(s string) string {
	if i := strings.Index(s, ":"); i >= 0 && i < 16 {
		return s[:i+1]
	}
	if len(s) > 8 {
		return s[:8] + "…"
	}
	return s
}

// Database returns the parsed DATABASE_URL (already validated).
func (c *Config) Database() Database {
	d, _ := ParseDatabaseURL(c.DatabaseURL, c.DataDir)
	return d
}

// CheckDataLocation refuses, in production, a SQLite database at a relative
// path. SQLite is a fine production database on one machine, but a relative
// path lands wherever the process happens to start (in a container: its
// throw-away layer), and the data is gone with the next deploy. Commands
// check it when they open the database rather than in Validate, so a
// production configuration built for anything else (tests) needs no path.
func (c *Config) CheckDataLocation() error {
	if db := c.Database(); c.IsProduction() && db.Dialect == DialectSQLite && !filepath.IsAbs(db.DSN) {
		return fmt.Errorf("the SQLite database %q must be an absolute path in production: "+
			"set DATA_DIR to a persistent volume (e.g. /data), or DATABASE_URL to sqlite:/ABSOLUTE/PATH or postgres://…", db.DSN)
	}
	return nil
}
