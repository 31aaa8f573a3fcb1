package main

import (
	"context"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"cohort/config"
	"cohort/db"
	"cohort/db/migrations"
)

// productionEnv configures a production instance on a SQLite file (no
// migrations on start, as in production) and returns the file's path.
func productionEnv(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.db")
	for k, v := range map[string]string{
		"APP_ENV":             "production",
		"DATABASE_URL":        "sqlite:" + path,
		"BASE_URL":            "https://cohort.example.org",
		"SECRET_KEY":          strings.Repeat("s", 32),
		"PAIR_ID_HASH_SECRET": strings.Repeat("p", 32),
		"SMTP_HOST":           "smtp.example.org",
		"PORT":                strconv.Itoa(freePort(t)),
	} {
		t.Setenv(k, v)
	}
	return path
}

// serve without MIGRATE_ON_START on a database that lacks migrations stops
// at once and says what to run, instead of failing on a missing table.
func TestServeRefusesPendingMigrations(t *testing.T) {
	ups, err := fs.Glob(migrations.FS, "*.up.sql")
	if err != nil || len(ups) < 2 {
		t.Fatalf("migration files: %v %v", ups, err)
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		want    string
	}{
		{"empty database", func(*testing.T, string) {}, strconv.Itoa(len(ups)) + " migrations are pending"},
		{"one migration missing", func(t *testing.T, path string) {
			if code, _, stderr := runCmd(t, "migrate", "up"); code != 0 {
				t.Fatalf("migrate up: %s", stderr)
			}
			s, err := db.Open(context.Background(), config.Database{Dialect: config.DialectSQLite, DSN: path}, db.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.DB().ExecContext(context.Background(),
				"DELETE FROM schema_migrations WHERE id = (SELECT MAX(id) FROM schema_migrations)"); err != nil {
				t.Fatal(err)
			}
		}, "1 migration is pending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := productionEnv(t)
			tt.prepare(t, path)
			code, stderr := serveBriefly(t)
			if code != 1 {
				t.Fatalf("exit code %d, want 1; stderr:\n%s", code, stderr)
			}
			for _, want := range []string{tt.want, "run `cohort migrate up`"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr does not say %q:\n%s", want, stderr)
				}
			}
		})
	}
}

// freePort is a TCP port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// serveBriefly runs `serve` and returns its exit code and stderr. A serve
// that starts instead of refusing gets SIGTERM after a few seconds (and
// the test fails on the exit code), rather than running until the test
// binary times out.
func serveBriefly(t *testing.T) (int, string) {
	t.Helper()
	type result struct {
		code   int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, _, stderr := runCmd(t, "serve")
		done <- result{code, stderr}
	}()
	select {
	case r := <-done:
		return r.code, r.stderr
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
		r := <-done
		t.Errorf("serve started instead of refusing")
		return r.code, r.stderr
	}
}

// Production runs on SQLite when its file is on a volume (an absolute
// path); a relative one, which would put the data in a container's
// throw-away layer, is refused by every command that opens the database.
func TestProductionSQLiteNeedsAbsolutePath(t *testing.T) {
	productionEnv(t)
	t.Setenv("DATABASE_URL", "")
	t.Chdir(t.TempDir())
	t.Setenv("DATA_DIR", "data")
	for _, args := range [][]string{{"migrate", "up"}, {"serve"}} {
		code, _, stderr := runCmd(t, args...)
		if code != 1 || !strings.Contains(stderr, `SQLite database "data/cohort.db" must be an absolute path`) {
			t.Errorf("%s: exit %d, stderr:\n%s", strings.Join(args, " "), code, stderr)
		}
	}
	t.Setenv("DATA_DIR", t.TempDir())
	if code, stdout, stderr := runCmd(t, "migrate", "up"); code != 0 || !strings.Contains(stdout, "applied ") {
		t.Errorf("migrate up into an absolute DATA_DIR: exit %d\n%s%s", code, stdout, stderr)
	}
}
