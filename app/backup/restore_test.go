package backup_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"cohort/app/backup"
	"cohort/app/demo"
	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

// TestRestoreTargets: a database with only the schema counts as empty; one
// with data is refused unless forced, and left as it was; forced, it
// becomes the backup.
func TestRestoreTargets(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			src, from := newTarget(t, dialect)
			if _, err := demo.Seed(ctx, src, demo.Options{Participants: 30, Seed: 1}); err != nil {
				t.Fatal(err)
			}
			addUploads(t, src, from.UploadDir, 2)
			file := filepath.Join(t.TempDir(), "b.tar.gz")
			m, err := backup.Create(ctx, src, from, file, "test")
			if err != nil {
				t.Fatal(err)
			}

			// Schema only (fly's release command ran): restored into.
			schemaOnly, to := newTarget(t, dialect)
			if err := schemaOnly.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := backup.Restore(ctx, to, file, false); err != nil {
				t.Fatalf("restore into a migrated, empty database: %v", err)
			}
			assertRows(t, to.Database, m.Rows)

			// Holding data: refused, untouched.
			other, busy := newTarget(t, dialect)
			if _, err := demo.Seed(ctx, other, demo.Options{Participants: 3, Seed: 9}); err != nil {
				t.Fatal(err)
			}
			held, err := backup.CountRows(ctx, other.DB().DB)
			if err != nil {
				t.Fatal(err)
			}
			if err := other.Close(); err != nil {
				t.Fatal(err)
			}
			_, err = backup.Restore(ctx, busy, file, false)
			if !errors.Is(err, backup.ErrNotEmpty) || !strings.Contains(err.Error(), "--force") {
				t.Fatalf("restore into a database with data: %v, want ErrNotEmpty naming --force", err)
			}
			assertRows(t, busy.Database, held)
			// Forced: replaced by the backup.
			if _, err := backup.Restore(ctx, busy, file, true); err != nil {
				t.Fatalf("forced restore: %v", err)
			}
			assertRows(t, busy.Database, m.Rows)
			for _, f := range m.Uploads {
				if _, err := os.Stat(filepath.Join(busy.UploadDir, f.Name)); err != nil {
					t.Errorf("upload %s: %v", f.Name, err)
				}
			}

			// A backup of the other database kind is refused before anything.
			wrong := emptyTarget(t, config.DialectSQLite)
			if dialect == config.DialectSQLite {
				wrong = emptyTarget(t, config.DialectPostgres)
			}
			if _, err := backup.Restore(ctx, wrong, file, true); err == nil || !strings.Contains(err.Error(), "DATABASE_URL names a") {
				t.Errorf("restore into the other dialect: %v", err)
			}
		})
	}
}

func assertRows(t *testing.T, d config.Database, want map[string]int64) {
	t.Helper()
	s, err := db.Open(context.Background(), d, db.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := backup.CountRows(context.Background(), s.DB().DB)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range backup.Tables {
		if got[table] != want[table] {
			t.Errorf("%s: %d rows, want %d", table, got[table], want[table])
		}
	}
}

// TestPostgresToolsMissing: without pg_dump or pg_restore on PATH, the
// error names the missing tool and nothing is written.
func TestPostgresToolsMissing(t *testing.T) {
	ctx := context.Background()
	src, from := newTarget(t, config.DialectPostgres)
	file := filepath.Join(t.TempDir(), "b.tar.gz")
	t.Setenv("PATH", t.TempDir())
	if _, err := backup.Create(ctx, src, from, file, "test"); err == nil || !strings.Contains(err.Error(), "pg_dump is not on PATH") {
		t.Errorf("create without pg_dump: %v", err)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed backup left %s behind: %v", file, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".cohort-backup-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// TestRestoreWithoutPgRestore names pg_restore before touching the target.
func TestRestoreWithoutPgRestore(t *testing.T) {
	ctx := context.Background()
	src, from := newTarget(t, config.DialectPostgres)
	file := filepath.Join(t.TempDir(), "b.tar.gz")
	if _, err := backup.Create(ctx, src, from, file, "test"); err != nil {
		t.Fatal(err)
	}
	to := emptyTarget(t, config.DialectPostgres)
	t.Setenv("PATH", t.TempDir())
	if _, err := backup.Restore(ctx, to, file, false); err == nil || !strings.Contains(err.Error(), "pg_restore is not on PATH") {
		t.Errorf("restore without pg_restore: %v", err)
	}
	if _, err := os.Stat(to.UploadDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("UPLOAD_DIR was touched: %v", err)
	}
}

// TestRestoreRefusesEscapingNames: an archive entry that would land outside
// UPLOAD_DIR stops the restore, and the database is not replaced.
func TestRestoreRefusesEscapingNames(t *testing.T) {
	ctx := context.Background()
	src, from := newTarget(t, config.DialectSQLite)
	file := filepath.Join(t.TempDir(), "b.tar.gz")
	if _, err := backup.Create(ctx, src, from, file, "test"); err != nil {
		t.Fatal(err)
	}
	evil := filepath.Join(t.TempDir(), "evil.tar.gz")
	if err := rewriteWithEntry(file, evil, "uploads/../../escaped", "x"); err != nil {
		t.Fatal(err)
	}
	to := emptyTarget(t, config.DialectSQLite)
	if _, err := backup.Restore(ctx, to, evil, false); err == nil || !strings.Contains(err.Error(), "outside uploads/") {
		t.Errorf("restore of an escaping name: %v", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(to.UploadDir), "..", "escaped")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the escaping file was written")
	}
}

// rewriteWithEntry copies the archive src to dst with one more entry
// (before the rest).
func rewriteWithEntry(src, dst, name, content string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	gr, err := gzip.NewReader(in)
	if err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer out.Close()
	gw := gzip.NewWriter(out)
	tw := tar.NewWriter(gw)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	if _, err := tw.Write([]byte(content)); err != nil {
		return err
	}
	tr := tar.NewReader(gr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gw.Close()
}

// TestRestoredFilesBelongToTheirDirectory: run as root (fly's ssh console),
// the restored database and uploads take the owner of the directory they
// land in, so the unprivileged server can open them.
func TestRestoredFilesBelongToTheirDirectory(t *testing.T) {
	ctx := context.Background()
	src, from := newTarget(t, config.DialectSQLite)
	addUploadFile(t, from.UploadDir)
	file := filepath.Join(t.TempDir(), "b.tar.gz")
	if _, err := backup.Create(ctx, src, from, file, "test"); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	uid, gid := os.Geteuid(), os.Getegid()
	if uid == 0 {
		uid, gid = 65532, 65532 // the image's nonroot user
		if err := os.Chown(home, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	to := backup.Target{Database: config.Database{Dialect: config.DialectSQLite, DSN: filepath.Join(home, "cohort.db")},
		UploadDir: filepath.Join(home, "uploads")}
	if _, err := backup.Restore(ctx, to, file, false); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{to.Database.DSN, to.UploadDir, filepath.Join(to.UploadDir, "f1")} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st := info.Sys().(*syscall.Stat_t); int(st.Uid) != uid || int(st.Gid) != gid {
			t.Errorf("%s belongs to %d:%d, want %d:%d", p, st.Uid, st.Gid, uid, gid)
		}
	}
}

func addUploadFile(t *testing.T, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "f1"), []byte("%PDF-1.4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}
