package db

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/uptrace/bun/migrate"

	"cohort/config"
	"cohort/db/migrations"
)

// sqlTypes is what the migration templates see: the column types that differ
// between the dialects.
type sqlTypes struct {
	Dialect, PK, TS, JSON, Blob, Bool string
}

var dialectTypes = map[string]sqlTypes{
	config.DialectSQLite:   {Dialect: "sqlite", PK: "INTEGER PRIMARY KEY AUTOINCREMENT", TS: "TIMESTAMP", JSON: "TEXT", Blob: "BLOB", Bool: "BOOLEAN"},
	config.DialectPostgres: {Dialect: "pg", PK: "BIGSERIAL PRIMARY KEY", TS: "TIMESTAMPTZ", JSON: "JSONB", Blob: "BYTEA", Bool: "BOOLEAN"},
}

// pgMigrationLockKey is an arbitrary constant naming Cohort's migration lock.
const pgMigrationLockKey = 0x636f686f7274 // "cohort"

func (s *Store) migrator() (*migrate.Migrator, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(migrations.FS); err != nil {
		return nil, fmt.Errorf("db: reading migrations: %w", err)
	}
	return migrate.NewMigrator(s.writer, ms,
		migrate.WithTableName("schema_migrations"),
		migrate.WithLocksTableName("schema_migration_locks"),
		// A migration that fails stays pending, so the next attempt re-runs it.
		migrate.WithMarkAppliedOnSuccess(true),
		migrate.WithTemplateData(dialectTypes[s.dialect]),
	), nil
}

// MigrationStatus is one migration and whether it has been applied.
type MigrationStatus struct {
	Name    string
	Applied bool
}

// Migrate applies every pending migration under a lock that concurrent
// instances wait on, and reports the names applied.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	var applied []string
	err := s.withMigrationLock(ctx, func(m *migrate.Migrator) error {
		group, err := m.Migrate(ctx)
		if err != nil {
			return err
		}
		for i := range group.Migrations {
			applied = append(applied, migrationName(&group.Migrations[i]))
		}
		return nil
	})
	return applied, err
}

// RollbackPlan is what a rollback would do: the last group's migrations in
// the order their down files run (newest first), and whether that group is
// every applied migration (then the rollback drops the whole schema and all
// its data).
type RollbackPlan struct {
	Names      []string
	Everything bool
}

// Rollback reverts the last group of migrations and reports their names in
// the order they ran.
func (s *Store) Rollback(ctx context.Context) ([]string, error) {
	return s.RollbackConfirmed(ctx, nil)
}

// RollbackConfirmed is Rollback that first shows confirm the plan, under
// the migration lock, so what it confirms is what runs. An error from
// confirm cancels the rollback and is returned as is. Nothing to revert
// calls no confirm.
func (s *Store) RollbackConfirmed(ctx context.Context, confirm func(RollbackPlan) error) ([]string, error) {
	var reverted []string
	err := s.withMigrationLock(ctx, func(m *migrate.Migrator) error {
		ms, err := m.MigrationsWithStatus(ctx)
		if err != nil {
			return err
		}
		last := ms.LastGroup()
		if len(last.Migrations) == 0 {
			return nil
		}
		// bun reverts a group from its newest migration to its oldest.
		var plan RollbackPlan
		for i := len(last.Migrations) - 1; i >= 0; i-- {
			plan.Names = append(plan.Names, migrationName(&last.Migrations[i]))
		}
		plan.Everything = len(plan.Names) == len(ms.Applied())
		if confirm != nil {
			if err := confirm(plan); err != nil {
				return errConfirm{err}
			}
		}
		if _, err := m.Rollback(ctx); err != nil {
			return err
		}
		reverted = plan.Names
		return nil
	})
	var ce errConfirm
	if errors.As(err, &ce) {
		return nil, ce.err
	}
	return reverted, err
}

// errConfirm carries a refusal out of withMigrationLock unwrapped.
type errConfirm struct{ err error }

func (e errConfirm) Error() string { return e.err.Error() }

func migrationName(m *migrate.Migration) string { return m.Name + "_" + m.Comment }

// MigrationStatuses lists every known migration with its state.
func (s *Store) MigrationStatuses(ctx context.Context) ([]MigrationStatus, error) {
	var out []MigrationStatus
	err := s.withMigrationLock(ctx, func(m *migrate.Migrator) error {
		ms, err := m.MigrationsWithStatus(ctx)
		if err != nil {
			return err
		}
		for _, mg := range ms {
			out = append(out, MigrationStatus{Name: migrationName(&mg), Applied: mg.IsApplied()})
		}
		return nil
	})
	return out, err
}

// PendingMigrations names the migrations this binary knows that the
// database has not applied, oldest first. serve checks it when it does not
// migrate itself, so an unmigrated database stops start-up with a clear
// message instead of failing requests with "no such table".
func (s *Store) PendingMigrations(ctx context.Context) ([]string, error) {
	st, err := s.MigrationStatuses(ctx)
	if err != nil {
		return nil, err
	}
	var pending []string
	for _, m := range st {
		if !m.Applied {
			pending = append(pending, m.Name)
		}
	}
	return pending, nil
}

// withMigrationLock initialises the bookkeeping tables and runs fn while
// holding a lock that a crashed holder cannot leave behind: a session
// advisory lock on a pinned Postgres connection, an flock on a file beside
// the SQLite database. (bun's own lock is a row that a crash leaves in place.)
func (s *Store) withMigrationLock(ctx context.Context, fn func(*migrate.Migrator) error) error {
	m, err := s.migrator()
	if err != nil {
		return err
	}
	unlock, err := s.lockMigrations(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("db: preparing migration tables: %w", err)
	}
	if err := fn(m); err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	return nil
}

func (s *Store) lockMigrations(ctx context.Context) (func(), error) {
	switch s.dialect {
	case config.DialectPostgres:
		conn, err := s.writer.Conn(ctx)
		if err != nil {
			return nil, err
		}
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", pgMigrationLockKey); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("db: migration lock: %w", err)
		}
		return func() {
			_, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(?)", pgMigrationLockKey)
			_ = conn.Close()
		}, nil
	default:
		return s.flockSQLite()
	}
}

func (s *Store) flockSQLite() (func(), error) {
	var path string
	if err := s.writer.NewRaw("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(context.Background(), &path); err != nil {
		return nil, fmt.Errorf("db: locating database file: %w", err)
	}
	f, err := os.OpenFile(path+".migrate-lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("db: migration lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("db: migration lock: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}
