// Package dbtest gives each test a fresh, migrated database on SQLite and on
// Postgres, so store and handler tests run against both real databases.
//
// A test package calls Main from TestMain (it starts one throwaway Postgres
// cluster per test binary, lazily, and stops it at the end) and then runs
// its cases with Each:
//
//	func TestMain(m *testing.M) { dbtest.Main(m) }
//
//	func TestX(t *testing.T) {
//		dbtest.Each(t, func(t *testing.T, s *db.Store) { … })
//	}
//
// Without PostgreSQL binaries (and no TEST_DATABASE_URL) the postgres
// subtest skips with a loud reason; when CI is set it fails instead.
package dbtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest/pgcluster"
)

var (
	pgOnce     sync.Once
	pgCluster  *pgcluster.Cluster
	pgErr      error
	pgTemplate string
	dbSeq      atomic.Int64

	sqliteOnce     sync.Once
	sqliteTemplate string
	sqliteErr      error
	tmpRoot        string
)

// Main runs the package's tests and then stops the Postgres cluster if one
// was started.
func Main(m *testing.M) {
	dir, err := os.MkdirTemp("", "cohort-dbtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		os.Exit(1)
	}
	tmpRoot = dir
	code := m.Run()
	if pgCluster != nil {
		if pgTemplate != "" {
			_ = pgCluster.DropDatabase(context.Background(), pgTemplate)
		}
		_ = pgCluster.Stop()
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// Dialects lists the databases Each runs on.
var Dialects = []string{config.DialectSQLite, config.DialectPostgres}

// Each runs fn once per dialect as subtests "sqlite" and "postgres", each
// with its own fresh, migrated store.
func Each(t *testing.T, fn func(t *testing.T, s *db.Store)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) {
			fn(t, New(t, d))
		})
	}
}

// New returns a fresh migrated store of the dialect, closed (and dropped)
// when the test ends.
func New(t testing.TB, dialect string) *db.Store {
	t.Helper()
	ctx := context.Background()
	var d config.Database
	switch dialect {
	case config.DialectSQLite:
		d = newSQLite(t)
	case config.DialectPostgres:
		d = newPostgres(t)
	default:
		t.Fatalf("dbtest: unknown dialect %q", dialect)
	}
	s, err := db.Open(ctx, d, db.Options{MaxOpenConns: 8})
	if err != nil {
		t.Fatalf("dbtest: open %s: %v", dialect, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Skip skips (or, under CI, fails) a test that cannot get a dependency.
func Skip(t testing.TB, what string, err error) {
	t.Helper()
	msg := fmt.Sprintf("!!! %s is not available here: %v", what, err)
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set, so this is a failure, not a skip)")
	}
	t.Skip(msg + " — SKIPPING; install it or set TEST_DATABASE_URL")
}

func root(t testing.TB) string {
	if tmpRoot == "" {
		t.Fatal("dbtest: call dbtest.Main(m) from TestMain")
	}
	return tmpRoot
}

// newSQLite copies a migrated template file: far cheaper than migrating
// each test's database.
func newSQLite(t testing.TB) config.Database {
	r := root(t)
	sqliteOnce.Do(func() {
		sqliteTemplate = filepath.Join(r, "template.db")
		s, err := db.Open(context.Background(), config.Database{Dialect: config.DialectSQLite, DSN: sqliteTemplate}, db.Options{})
		if err != nil {
			sqliteErr = err
			return
		}
		if _, err := s.Migrate(context.Background()); err != nil {
			sqliteErr = err
		}
		// Fold the WAL into the main file so a plain copy is complete.
		if _, err := s.DB().Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil && sqliteErr == nil {
			sqliteErr = err
		}
		_ = s.Close()
	})
	if sqliteErr != nil {
		t.Fatalf("dbtest: sqlite template: %v", sqliteErr)
	}
	path := filepath.Join(t.TempDir(), "cohort.db")
	if err := copyFile(sqliteTemplate, path); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return config.Database{Dialect: config.DialectSQLite, DSN: path}
}

func newPostgres(t testing.TB) config.Database {
	pgOnce.Do(startPostgres)
	if pgErr != nil {
		if errors.Is(pgErr, pgcluster.ErrNoPostgres) {
			Skip(t, "PostgreSQL", pgErr)
		}
		t.Fatalf("dbtest: postgres: %v", pgErr)
	}
	name := fmt.Sprintf("cohort_test_%d_%d", os.Getpid(), dbSeq.Add(1))
	ctx := context.Background()
	if err := pgCluster.CreateDatabase(ctx, name, pgTemplate); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() { _ = pgCluster.DropDatabase(context.Background(), name) })
	return config.Database{Dialect: config.DialectPostgres, DSN: pgCluster.DSN(name)}
}

func startPostgres() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pgCluster, pgErr = pgcluster.Start(ctx)
	if pgErr != nil {
		return
	}
	// Per-process template name: several test binaries may share one
	// TEST_DATABASE_URL server.
	pgTemplate = fmt.Sprintf("cohort_tmpl_%d", os.Getpid())
	if pgErr = pgCluster.CreateDatabase(ctx, pgTemplate, ""); pgErr != nil {
		return
	}
	s, err := db.Open(ctx, config.Database{Dialect: config.DialectPostgres, DSN: pgCluster.DSN(pgTemplate)}, db.Options{MaxOpenConns: 2})
	if err != nil {
		pgErr = err
		return
	}
	_, pgErr = s.Migrate(ctx)
	_ = s.Close()
}

// PostgresDSN returns a fresh, migrated Postgres database's URL (for tests
// that open several stores on one database, like the multi-instance ones).
func PostgresDSN(t testing.TB) string {
	t.Helper()
	return newPostgres(t).DSN
}

// EmptyPostgresDSN returns the URL of a fresh Postgres database with no
// schema at all (nothing migrated), for tests of restoring into one.
func EmptyPostgresDSN(t testing.TB) string {
	t.Helper()
	pgOnce.Do(startPostgres)
	if pgErr != nil {
		if errors.Is(pgErr, pgcluster.ErrNoPostgres) {
			Skip(t, "PostgreSQL", pgErr)
		}
		t.Fatalf("dbtest: postgres: %v", pgErr)
	}
	name := fmt.Sprintf("cohort_empty_%d_%d", os.Getpid(), dbSeq.Add(1))
	if err := pgCluster.CreateDatabase(context.Background(), name, ""); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() { _ = pgCluster.DropDatabase(context.Background(), name) })
	return pgCluster.DSN(name)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
