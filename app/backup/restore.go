package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"cohort/config"
	"cohort/db"
)

// ErrNotEmpty is returned by Restore when the target database holds data
// and Force is off.
var ErrNotEmpty = errors.New("backup: the target database is not empty")

// RestoreResult says what Restore did.
type RestoreResult struct {
	Manifest *Manifest
	// Migrations are the migrations applied after the restore (a backup
	// from an older release).
	Migrations []string
}

// dataTables decide whether a database is empty: a database that has only
// its schema (fly's release command migrated it) counts as empty.
var dataTables = []string{"people", "programs", "enrollments"}

// Restore puts the backup in file into t: into an empty database (one
// without tables, or with the schema and no people, programs or
// enrollments) unless force, which replaces what is there. It writes the
// uploads into t.UploadDir and then applies pending migrations. The app
// must not be running against t.Database meanwhile.
func Restore(ctx context.Context, t Target, file string, force bool) (*RestoreResult, error) {
	m, err := ReadManifest(file)
	if err != nil {
		return nil, err
	}
	if m.Dialect != t.Database.Dialect {
		return nil, fmt.Errorf("backup: %s holds a %s database, but DATABASE_URL names a %s one", file, m.Dialect, t.Database.Dialect)
	}
	var restoreTool string
	if m.Dialect == config.DialectPostgres {
		// Before anything is touched: a missing tool should cost nothing.
		if restoreTool, err = pgTool("pg_restore"); err != nil {
			return nil, err
		}
	}
	hasTables, err := inspect(ctx, t.Database, force)
	if err != nil {
		return nil, err
	}

	// Unpack: the dump beside its destination, the uploads into place.
	tmpDir := ""
	if m.Dialect == config.DialectSQLite {
		tmpDir = filepath.Dir(t.Database.DSN)
	}
	dir, err := os.MkdirTemp(tmpDir, ".cohort-restore-")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(dir)
	dump := filepath.Join(dir, m.Database)
	if err := os.MkdirAll(t.UploadDir, 0o750); err != nil {
		return nil, fmt.Errorf("backup: UPLOAD_DIR: %w", err)
	}
	var sawDump bool
	err = walkArchive(file, func(name string, r io.Reader) error {
		switch {
		case name == m.Database:
			sawDump = true
			return writeFile(dump, r)
		case strings.HasPrefix(name, uploadsDir):
			p := uploadPath(t.UploadDir, name)
			if p == "" {
				return fmt.Errorf("backup: refusing the archive entry %q (outside uploads/)", name)
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
				return err
			}
			return writeFile(p, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !sawDump {
		return nil, fmt.Errorf("backup: %s has no %s", file, m.Database)
	}

	switch m.Dialect {
	case config.DialectSQLite:
		if err := replaceSQLite(ctx, dump, t.Database.DSN); err != nil {
			return nil, err
		}
	case config.DialectPostgres:
		if err := pgRestore(ctx, restoreTool, t.Database.DSN, dump, hasTables); err != nil {
			return nil, err
		}
	}
	store, err := db.Open(ctx, t.Database, db.Options{MaxOpenConns: 2})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	applied, err := store.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("backup: migrate up after the restore: %w", err)
	}
	owned := []string{t.UploadDir}
	if m.Dialect == config.DialectSQLite {
		owned = append(owned, t.Database.DSN)
	}
	if err := giveToDirOwner(owned...); err != nil {
		return nil, fmt.Errorf("backup: giving the restored files to their directory's owner: %w", err)
	}
	return &RestoreResult{Manifest: m, Migrations: applied}, nil
}

// inspect says whether the target has tables, and refuses one with data
// unless force.
func inspect(ctx context.Context, d config.Database, force bool) (hasTables bool, err error) {
	store, err := db.Open(ctx, d, db.Options{MaxOpenConns: 1})
	if err != nil {
		return false, err
	}
	defer store.Close()
	q := store.DB().DB
	list := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if d.Dialect == config.DialectPostgres {
		list = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
	}
	rows, err := q.QueryContext(ctx, list)
	if err != nil {
		return false, fmt.Errorf("backup: listing tables: %w", err)
	}
	tables := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return false, err
		}
		tables[n] = true
	}
	if err := rows.Close(); err != nil {
		return false, err
	}
	var held []string
	for _, t := range dataTables {
		if !tables[t] {
			continue
		}
		var n int64
		if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t).Scan(&n); err != nil {
			return false, fmt.Errorf("backup: counting %s: %w", t, err)
		}
		if n > 0 {
			held = append(held, fmt.Sprintf("%d %s", n, t))
		}
	}
	if len(held) > 0 && !force {
		return false, fmt.Errorf("%w (it holds %s); restore into an empty database, or pass --force to replace everything in it", ErrNotEmpty, strings.Join(held, ", "))
	}
	return len(tables) > 0, nil
}

func writeFile(p string, r io.Reader) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// replaceSQLite checks the restored copy and moves it over the database
// file, dropping the old file's WAL so none of it is replayed onto the copy.
func replaceSQLite(ctx context.Context, src, dst string) error {
	copyDB, err := db.Open(ctx, config.Database{Dialect: config.DialectSQLite, DSN: src}, db.Options{MaxOpenConns: 1})
	if err != nil {
		return fmt.Errorf("backup: opening the restored database: %w", err)
	}
	var result string
	err = copyDB.DB().QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&result)
	if cerr := copyDB.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup: checking the restored database: %w", err)
	}
	if result != "ok" {
		return fmt.Errorf("backup: the database in the backup fails its integrity check: %s", result)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(dst + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("backup: %w", err)
		}
	}
	if err := os.Rename(src, dst); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

func pgRestore(ctx context.Context, bin, dsn, dump string, clean bool) error {
	conn, env, err := libpqURL(dsn)
	if err != nil {
		return err
	}
	// One transaction: a failed restore leaves the database as it was.
	args := []string{"--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"}
	if clean {
		args = append(args, "--clean", "--if-exists")
	}
	args = append(args, "--dbname="+conn, dump)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("backup: pg_restore: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
