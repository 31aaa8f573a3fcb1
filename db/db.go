// Package db is Cohort's storage: bun models (one file per entity), the Store
// whose methods every handler and job goes through, the embedded migrations
// and the per-dialect connection setup for SQLite and Postgres.
package db

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver

	"cohort/config"
)

// Options tune the connection pools.
type Options struct {
	MaxOpenConns int // Postgres pool size; SQLite reader pool size
	MaxIdleConns int
}

// Store is the database. Writes go to w and reads to r: on SQLite these are
// two pools (one writer connection, several readers) because SQLite allows
// one writer at a time and a single writer connection avoids "database is
// locked" storms; on Postgres both are the same pool. Inside a transaction
// both are the transaction.
type Store struct {
	w, r    bun.IDB
	writer  *bun.DB
	reader  *bun.DB
	dialect string
	// Now is the clock; tests replace it.
	Now      func() time.Time
	hotStmts *hotStmts
	save     *saveStmts
	hooks    *publishHooks // shared by the store's transactions
}

// Open connects to the database described by d.
func Open(ctx context.Context, d config.Database, o Options) (*Store, error) {
	if o.MaxOpenConns < 1 {
		o.MaxOpenConns = 8
	}
	if o.MaxIdleConns < 1 || o.MaxIdleConns > o.MaxOpenConns {
		o.MaxIdleConns = o.MaxOpenConns
	}
	var s *Store
	var err error
	switch d.Dialect {
	case config.DialectSQLite:
		s, err = openSQLite(d.DSN, o)
	case config.DialectPostgres:
		s, err = openPostgres(d.DSN, o)
	default:
		return nil, fmt.Errorf("db: unknown dialect %q", d.Dialect)
	}
	if err != nil {
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("db: connecting: %w", err)
	}
	return s, nil
}

// SQLite pragmas ride in the DSN so every pooled connection gets them.
const sqlitePragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"

func openSQLite(path string, o Options) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("db: creating %s: %w", dir, err)
		}
	}
	fileURL := "file:" + (&url.URL{Path: path}).EscapedPath()
	// BEGIN IMMEDIATE takes the write lock up front, so a read-then-write
	// transaction never fails half-way with SQLITE_BUSY.
	w, err := sql.Open("sqlite", fileURL+"?"+sqlitePragmas+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", fileURL+"?"+sqlitePragmas+"&_pragma=query_only(1)")
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(o.MaxOpenConns)
	r.SetMaxIdleConns(o.MaxIdleConns)
	wdb := bun.NewDB(w, sqlitedialect.New())
	rdb := bun.NewDB(r, sqlitedialect.New())
	// Create the file and switch it to WAL through the writer before any
	// reader opens it (a query_only connection cannot change journal mode).
	// Switching a new file to WAL needs a moment of exclusive access that
	// busy_timeout does not cover; several processes opening the same new
	// file at once (instances starting together) retry briefly.
	var err2 error
	for attempt := 0; attempt < 50; attempt++ {
		if _, err2 = wdb.Exec("SELECT 1"); err2 == nil || !strings.Contains(err2.Error(), "locked") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err2 != nil {
		_ = w.Close()
		_ = r.Close()
		return nil, fmt.Errorf("db: opening %s: %w", path, err2)
	}
	return &Store{w: wdb, r: rdb, writer: wdb, reader: rdb, dialect: config.DialectSQLite, Now: utcNow, hotStmts: &hotStmts{}, save: &saveStmts{}, hooks: &publishHooks{}}, nil
}

func openPostgres(dsn string, o Options) (*Store, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("db: DATABASE_URL is not a valid URL")
	}
	q := u.Query()
	// bun inlines values into the SQL, so pgx's default statement cache
	// would prepare every distinct query; exec mode sends them as-is.
	if q.Get("default_query_exec_mode") == "" {
		q.Set("default_query_exec_mode", "exec")
	}
	u.RawQuery = q.Encode()
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("db: DATABASE_URL: %w", err)
	}
	sqldb := stdlib.OpenDB(*cfg)
	sqldb.SetMaxOpenConns(o.MaxOpenConns)
	sqldb.SetMaxIdleConns(o.MaxIdleConns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	sqldb.SetConnMaxLifetime(time.Hour)
	bdb := bun.NewDB(sqldb, pgdialect.New())
	return &Store{w: bdb, r: bdb, writer: bdb, reader: bdb, dialect: config.DialectPostgres, Now: utcNow, hotStmts: &hotStmts{}, save: &saveStmts{}, hooks: &publishHooks{}}, nil
}

func utcNow() time.Time { return time.Now().UTC() }

// now is the store's clock in UTC, truncated to microseconds so values
// round-trip identically through both databases.
func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Dialect is config.DialectSQLite or config.DialectPostgres.
func (s *Store) Dialect() string { return s.dialect }

// DB is the writer handle, for migrations and tests.
func (s *Store) DB() *bun.DB { return s.writer }

// Ping checks that the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.writer.PingContext(ctx); err != nil {
		return err
	}
	if s.reader != s.writer {
		return s.reader.PingContext(ctx)
	}
	return nil
}

// Close closes both pools.
func (s *Store) Close() error {
	if s.hotStmts != nil {
		s.hotStmts.close()
	}
	if s.save != nil {
		s.save.close()
	}
	err := s.writer.Close()
	if s.reader != s.writer {
		if rerr := s.reader.Close(); err == nil {
			err = rerr
		}
	}
	return err
}

// InTx runs fn in one write transaction: fn's store reads and writes through
// the transaction, which commits if fn returns nil and rolls back otherwise.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, tx *Store) error) error {
	if _, inTx := s.w.(bun.Tx); inTx {
		return fn(ctx, s)
	}
	err := s.writer.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		txs := *s
		txs.w, txs.r = tx, tx
		return fn(ctx, &txs)
	})
	return translate(err)
}
