package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// startCluster starts a cluster or skips the test when PostgreSQL is not
// installed. In CI (env CI set) a missing PostgreSQL is a failure, so the
// database tests can't silently stop running there.
func startCluster(t *testing.T) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	begin := time.Now()
	c, err := Start(ctx)
	if errors.Is(err, ErrNoPostgres) {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but PostgreSQL is unavailable: %v", err)
		}
		t.Skipf("!!! SKIPPING: PostgreSQL tests did not run: %v", err)
	}
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("Start took %v", time.Since(begin))
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

var dbSeq atomic.Int64

// uniqueName avoids clashes when TEST_DATABASE_URL points many test
// binaries at one shared server.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), dbSeq.Add(1))
}

func connect(t *testing.T, ctx context.Context, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	return conn
}

func TestCluster(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	ctx := t.Context()

	src, cp := uniqueName("pgcluster_src"), uniqueName("pgcluster_copy")
	t.Cleanup(func() {
		for _, n := range []string{cp, src} {
			_ = c.DropDatabase(context.Background(), n)
		}
	})

	if err := c.CreateDatabase(ctx, src, ""); err != nil {
		t.Fatalf("CreateDatabase: %v", err)
	}
	conn := connect(t, ctx, c.DSN(src))
	for _, sql := range []string{
		`CREATE TABLE widgets (id int PRIMARY KEY, name text NOT NULL)`,
		`INSERT INTO widgets VALUES (1, 'sprocket'), (2, 'gear')`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	var name string
	if err := conn.QueryRow(ctx, `SELECT name FROM widgets WHERE id = 2`).Scan(&name); err != nil || name != "gear" {
		t.Fatalf("select = %q, %v; want gear", name, err)
	}
	// Close right before copying: exercises the retry on a backend that
	// lingers after its client has gone.
	if err := conn.Close(ctx); err != nil {
		t.Fatal(err)
	}

	if err := c.CreateDatabase(ctx, cp, src); err != nil {
		t.Fatalf("CreateDatabase from template: %v", err)
	}
	conn = connect(t, ctx, c.DSN(cp))
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM widgets`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("count in copy = %d, %v; want 2", n, err)
	}

	if err := c.CreateDatabase(ctx, cp, ""); err == nil {
		t.Error("creating an existing database succeeded")
	}
	// FORCE: the open connection must not block the drop.
	if err := c.DropDatabase(ctx, cp); err != nil {
		t.Fatalf("DropDatabase with open connection: %v", err)
	}
	_ = conn.Close(ctx)
	if err := c.DropDatabase(ctx, cp); err != nil {
		t.Fatalf("DropDatabase of missing database: %v", err)
	}
	if _, err := pgx.Connect(ctx, c.DSN(cp)); err == nil {
		t.Fatal("connected to a dropped database")
	}

	root := c.root
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if root != "" { // empty when TEST_DATABASE_URL is used
		if _, err := os.Stat(root); !os.IsNotExist(err) {
			t.Fatalf("data dir %s still exists after Stop (stat err %v)", root, err)
		}
	}
}

// TestExternal points Start at a running server through TEST_DATABASE_URL,
// as CI does with a service container.
func TestExternal(t *testing.T) {
	if os.Getenv(envURL) != "" {
		t.Skip("already running against TEST_DATABASE_URL; TestCluster covers it")
	}
	owner := startCluster(t)
	t.Setenv(envURL, owner.AdminDSN())

	c, err := Start(t.Context())
	if err != nil {
		t.Fatalf("Start with %s: %v", envURL, err)
	}
	if got := c.AdminDSN(); got != owner.AdminDSN() {
		t.Errorf("AdminDSN = %q, want %q", got, owner.AdminDSN())
	}
	name := uniqueName("pgcluster_ext")
	if err := c.CreateDatabase(t.Context(), name, ""); err != nil {
		t.Fatalf("CreateDatabase: %v", err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	// Stop must not have touched the server it doesn't own.
	if err := owner.DropDatabase(t.Context(), name); err != nil {
		t.Fatalf("server unusable after external Stop: %v", err)
	}

	t.Setenv(envURL, "host=localhost dbname=postgres")
	if _, err := Start(t.Context()); err == nil || errors.Is(err, ErrNoPostgres) {
		t.Errorf("Start with a non-URL %s: err = %v, want a plain error", envURL, err)
	}
}

func TestDSN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		admin, db, want string
	}{
		{
			admin: "postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable",
			db:    "app_test",
			want:  "postgres://postgres@127.0.0.1:5433/app_test?sslmode=disable",
		},
		{
			admin: "postgres://user:p%40ss@db.example:5432/postgres?sslmode=disable&connect_timeout=5",
			db:    "x1",
			want:  "postgres://user:p%40ss@db.example:5432/x1?sslmode=disable&connect_timeout=5",
		},
		{
			admin: "postgresql://user@host",
			db:    "x",
			want:  "postgresql://user@host/x",
		},
	}
	for _, tt := range tests {
		t.Run(tt.db, func(t *testing.T) {
			u, err := url.Parse(tt.admin)
			if err != nil {
				t.Fatal(err)
			}
			c := &Cluster{admin: u}
			if got := c.AdminDSN(); got != tt.admin {
				t.Errorf("AdminDSN = %q, want %q", got, tt.admin)
			}
			if got := c.DSN(tt.db); got != tt.want {
				t.Errorf("DSN(%q) = %q, want %q", tt.db, got, tt.want)
			}
		})
	}
}

func TestNameValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ok   bool
	}{
		{"app_test_1", true},
		{"0abc", true}, // quoted in SQL, so a leading digit is fine
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false}, // PostgreSQL would truncate it
		{"", false},
		{"a;drop", false},
		{"a; DROP DATABASE postgres", false},
		{"Upper", false},
		{`a"b`, false},
		{"a-b", false},
		{"a b", false},
		{"é", false},
	}
	// A zero Cluster has no server: validation must reject before any
	// connection is attempted, so a bad name can never reach SQL.
	var c Cluster
	ctx := t.Context()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkName(tt.name); (err == nil) != tt.ok {
				t.Errorf("checkName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
			}
			if tt.ok {
				return
			}
			if err := c.CreateDatabase(ctx, tt.name, ""); err == nil || !strings.Contains(err.Error(), "invalid database name") {
				t.Errorf("CreateDatabase(%q) = %v, want invalid name", tt.name, err)
			}
			if err := c.DropDatabase(ctx, tt.name); err == nil || !strings.Contains(err.Error(), "invalid database name") {
				t.Errorf("DropDatabase(%q) = %v, want invalid name", tt.name, err)
			}
			if tt.name == "" {
				return // "" means "no template", a valid argument
			}
			if err := c.CreateDatabase(ctx, "ok", tt.name); err == nil || !strings.Contains(err.Error(), "invalid database name") {
				t.Errorf("CreateDatabase(template %q) = %v, want invalid name", tt.name, err)
			}
		})
	}
}

// TestPortTaken checks that losing the free-port race is recognised (and
// so retried) rather than reported as a broken server.
func TestPortTaken(t *testing.T) {
	t.Parallel()
	c := startLocal(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := l.Addr().(*net.TCPAddr).Port

	if err := c.startOn(t.Context(), taken); !errors.Is(err, errPortTaken) {
		t.Fatalf("startOn(taken port) = %v, want errPortTaken", err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.startOn(t.Context(), port); err != nil {
		t.Fatalf("startOn(free port) after a failed attempt: %v", err)
	}
	if !strings.Contains(c.AdminDSN(), ":"+strconv.Itoa(port)+"/") {
		t.Errorf("AdminDSN %q does not use port %d", c.AdminDSN(), port)
	}
}

// TestReapStale simulates a test binary killed before Stop and checks the
// next Start's sweep removes its server.
func TestReapStale(t *testing.T) {
	t.Parallel()
	c := startLocal(t)
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.startOn(t.Context(), port); err != nil {
		t.Fatal(err)
	}

	// A pid that surely belongs to no running process: one that just exited.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := strconv.Itoa(cmd.Process.Pid)
	if err := os.WriteFile(filepath.Join(c.root, "owner.pid"), []byte(dead), 0o644); err != nil {
		t.Fatal(err)
	}

	reapStale(c)
	if _, err := os.Stat(c.root); !os.IsNotExist(err) {
		t.Fatalf("stale dir %s survived reapStale (stat err %v)", c.root, err)
	}
	if conn, err := pgx.Connect(t.Context(), c.AdminDSN()); err == nil {
		conn.Close(t.Context())
		t.Fatal("stale server still accepts connections")
	}
}

// startLocal prepares an initdb'd but not yet started local cluster, for
// tests that drive startOn themselves.
func startLocal(t *testing.T) *Cluster {
	t.Helper()
	if os.Getenv(envURL) != "" {
		t.Skip("needs local binaries; TEST_DATABASE_URL is set")
	}
	c := startCluster(t)
	if err := c.stopServer(); err != nil {
		t.Fatal(err)
	}
	return c
}
