package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"

	"cohort/config"
)

// SnapshotSQLite writes a consistent copy of the SQLite database to dst, a
// file that must not exist yet, while the app keeps reading and writing:
// VACUUM INTO runs as one read transaction, so the copy is the database as
// of that transaction's start, with every write committed before it and
// none after. With WAL a reader does not hold up the writer.
//
// It runs on a connection of its own: the store's readers are query_only,
// which refuses VACUUM INTO, and the one writer connection must stay free
// for the app.
func (s *Store) SnapshotSQLite(ctx context.Context, dst string) error {
	if s.dialect != config.DialectSQLite {
		return errors.New("db: SnapshotSQLite needs SQLite")
	}
	var seq int
	var name, file string
	if err := s.reader.QueryRowContext(ctx, "SELECT seq, name, file FROM pragma_database_list WHERE name = 'main'").Scan(&seq, &name, &file); err != nil {
		return fmt.Errorf("db: locating the database file: %w", err)
	}
	conn, err := sql.Open("sqlite", "file:"+(&url.URL{Path: file}).EscapedPath()+"?"+sqlitePragmas)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		return fmt.Errorf("db: copying the database: %w", err)
	}
	return nil
}

// Querier is what row counting needs: a database, a connection or a
// transaction.
type Querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// WithPostgresSnapshot runs fn inside a REPEATABLE READ, READ ONLY
// transaction whose snapshot it exports: fn gets the snapshot's id (for
// `pg_dump --snapshot`) and the transaction, so what fn counts and what
// pg_dump writes are the same moment of the database. The snapshot lives
// until fn returns.
func (s *Store) WithPostgresSnapshot(ctx context.Context, fn func(ctx context.Context, snapshot string, q Querier) error) error {
	if s.dialect != config.DialectPostgres {
		return errors.New("db: WithPostgresSnapshot needs Postgres")
	}
	tx, err := s.writer.DB.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var id string
	if err := tx.QueryRowContext(ctx, "SELECT pg_export_snapshot()").Scan(&id); err != nil {
		return fmt.Errorf("db: exporting a snapshot: %w", err)
	}
	return fn(ctx, id, tx)
}
