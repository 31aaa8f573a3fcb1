// Package pgcluster gives tests a real, throwaway PostgreSQL server.
//
// Tests that exercise SQL against a mock or SQLite miss PostgreSQL-specific
// behaviour, so this package starts a private server from the local
// PostgreSQL binaries (initdb + pg_ctl) in a fresh temp directory on a free
// port. Every test binary gets its own server, which is what makes it safe
// under `go test ./...`, where many package binaries run in parallel.
//
// Set TEST_DATABASE_URL to use an existing server instead (for example a
// CI service container); then no process is started.
//
// Typical use, one server per test binary:
//
//	func TestMain(m *testing.M) {
//		c, err := pgcluster.Start(context.Background())
//		// handle errors.Is(err, pgcluster.ErrNoPostgres) ...
//		code := m.Run()
//		c.Stop()
//		os.Exit(code)
//	}
//
// Each test then creates its own database (CreateDatabase, often from a
// migrated template, which is much faster than migrating again).
package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNoPostgres is returned (wrapped, with the reason) by Start when no
// server can be provided on this machine, so callers can tell "skip this
// test" apart from "PostgreSQL is broken" with errors.Is.
var ErrNoPostgres = errors.New("pgcluster: no PostgreSQL available")

// envURL names the environment variable that points Start at an existing
// server instead of starting one.
const envURL = "TEST_DATABASE_URL"

// dirPrefix marks our temp directories so stale ones can be recognised.
const dirPrefix = "pgcluster-"

// Cluster is a running PostgreSQL server for tests.
//
// It is either a private server owned by this process (started by Start and
// removed by Stop) or an external one named by TEST_DATABASE_URL.
type Cluster struct {
	admin *url.URL // superuser URL for the "postgres" (or configured) database

	// Only set for a server we started.
	bindir string
	root   string // temp dir: data/, log, unix socket
	runAs  *user.User

	mu      sync.Mutex
	stopped bool
}

// Start returns a server: if env TEST_DATABASE_URL is set, it uses that
// server (no process started, Stop is a no-op); otherwise it creates a
// throwaway cluster from the local PostgreSQL binaries.
//
// It returns ErrNoPostgres (wrapped, with a clear reason) when no binaries
// can be found, or when running as root without a "postgres" OS user to run
// the server as (PostgreSQL refuses to run as root).
//
// The caller must call Stop; a server left behind by a killed test binary
// is cleaned up by the next Start on the same machine.
func Start(ctx context.Context) (*Cluster, error) {
	if raw := os.Getenv(envURL); raw != "" {
		return external(ctx, raw)
	}

	bindir, err := findBindir()
	if err != nil {
		return nil, err
	}
	var runAs *user.User
	if os.Geteuid() == 0 {
		if runAs, err = user.Lookup("postgres"); err != nil {
			return nil, fmt.Errorf("%w: running as root, PostgreSQL refuses to run as root and there is no \"postgres\" OS user to run it as: %v", ErrNoPostgres, err)
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			return nil, fmt.Errorf("%w: running as root, need runuser to start PostgreSQL as the postgres user: %v", ErrNoPostgres, err)
		}
	}

	c := &Cluster{bindir: bindir, runAs: runAs}
	reapStale(c)

	// A fresh directory per cluster: parallel test binaries must never share
	// a data directory or socket.
	c.root, err = os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	// Record the owner so a later Start can reap this server if we are
	// killed before Stop (go test -timeout, Ctrl-C).
	if err := os.WriteFile(filepath.Join(c.root, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		_ = os.RemoveAll(c.root)
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	if err := c.create(ctx); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

// external wraps an existing server named by TEST_DATABASE_URL. It connects
// once so a wrong URL fails here, with a clear message, rather than in
// every test.
func external(ctx context.Context, raw string) (*Cluster, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return nil, fmt.Errorf("pgcluster: %s must be a postgres://user@host/db URL, got %q", envURL, raw)
	}
	c := &Cluster{admin: u, stopped: true} // stopped: Stop must not touch it
	conn, err := pgx.Connect(ctx, c.AdminDSN())
	if err != nil {
		return nil, fmt.Errorf("pgcluster: connect to %s: %w", envURL, err)
	}
	_ = conn.Close(ctx)
	return c, nil
}

// create runs initdb and starts the server on a free port.
func (c *Cluster) create(ctx context.Context) error {
	if c.runAs != nil {
		if err := chownTree(c.root, c.runAs); err != nil {
			return fmt.Errorf("pgcluster: chown %s to postgres: %w", c.root, err)
		}
	}

	// -N: no fsync, -A trust: no passwords; --locale=C keeps sorting
	// identical on every machine and avoids missing-locale failures.
	out, err := c.run(ctx, "initdb", "-N", "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "-D", c.dataDir())
	if err != nil {
		hint := ""
		if c.runAs != nil {
			hint = fmt.Sprintf(" (every parent directory of %s must be searchable by the postgres user)", c.root)
		}
		return fmt.Errorf("pgcluster: initdb failed%s: %w\n%s", hint, err, out)
	}

	// Picking a free port and binding it later is racy against other test
	// binaries doing the same, so retry with a new port when that happens.
	const attempts = 5
	for i := 1; ; i++ {
		port, err := freePort()
		if err != nil {
			return fmt.Errorf("pgcluster: find free port: %w", err)
		}
		err = c.startOn(ctx, port)
		if err == nil {
			return nil
		}
		if i == attempts || ctx.Err() != nil || !errors.Is(err, errPortTaken) {
			return err
		}
	}
}

var errPortTaken = errors.New("port taken")

// startOn starts the server on port and, on success, sets c.admin.
func (c *Cluster) startOn(ctx context.Context, port int) error {
	logFile := filepath.Join(c.root, "log")
	_ = os.Remove(logFile) // only this attempt's log belongs in an error

	// The unix socket goes into our own directory so it never collides with
	// a system server in /var/run/postgresql; if the path would exceed the
	// socket path limit (~107 bytes), go TCP-only rather than fail.
	// pg_ctl hands -o to /bin/sh, hence the quoting.
	sockDir := "'" + c.root + "'"
	if len(filepath.Join(c.root, ".s.PGSQL."+strconv.Itoa(port)+".lock")) > 100 || strings.Contains(c.root, "'") {
		sockDir = "''"
	}
	opts := strings.Join([]string{
		"-p", strconv.Itoa(port),
		"-k", sockDir,
		"-c", "listen_addresses=127.0.0.1",
		// Durability is pointless for a throwaway server; these make
		// schema setup several times faster.
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		// Test suites with parallel tests and pools open many connections.
		"-c", "max_connections=200",
	}, " ")
	out, err := c.run(ctx, "pg_ctl", "-w", "-D", c.dataDir(), "-l", logFile, "-o", opts, "start")
	if err != nil {
		tail := logTail(logFile, 4096)
		if strings.Contains(tail, "could not bind") || strings.Contains(tail, "already in use") {
			// pg_ctl may leave nothing running; make sure before retrying.
			_ = c.stopServer()
			return fmt.Errorf("pgcluster: %w: %d", errPortTaken, port)
		}
		return fmt.Errorf("pgcluster: pg_ctl start failed: %w\n%s\nserver log (%s):\n%s", err, out, logFile, tail)
	}
	c.admin = &url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Path:     "/postgres",
		RawQuery: "sslmode=disable",
	}
	return nil
}

func (c *Cluster) dataDir() string { return filepath.Join(c.root, "data") }

// run runs a PostgreSQL program from bindir, as the postgres user when we
// are root, and returns its combined output.
func (c *Cluster) run(ctx context.Context, prog string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bindir, prog)
	var cmd *exec.Cmd
	if c.runAs != nil {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", c.runAs.Username, "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	// The postgres user may not be able to enter the test's working
	// directory; initdb and pg_ctl complain about that.
	cmd.Dir = c.root
	// SIGTERM lets runuser pass the signal on instead of orphaning the child.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	// A daemonised postmaster could keep our output pipe open forever.
	cmd.WaitDelay = 5 * time.Second
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	err := cmd.Run()
	return buf.Bytes(), err
}

// AdminDSN is a postgres:// URL for a superuser connection to the
// "postgres" database (with TEST_DATABASE_URL: that URL unchanged).
func (c *Cluster) AdminDSN() string { return c.admin.String() }

// DSN returns a postgres:// URL for database dbname on this server, with
// the same user, password and options as AdminDSN.
func (c *Cluster) DSN(dbname string) string {
	u := *c.admin
	u.Path = "/" + dbname
	u.RawPath = ""
	return u.String()
}

// validName is deliberately narrow: database names are spliced into SQL
// (CREATE DATABASE cannot take parameters), so only plain identifiers pass.
var validName = regexp.MustCompile(`^[a-z0-9_]+$`)

// checkName rejects anything but [a-z0-9_]+, and names longer than
// PostgreSQL's 63-byte limit, which it would silently truncate so that two
// "different" names could hit the same database.
func checkName(name string) error {
	if !validName.MatchString(name) || len(name) > 63 {
		return fmt.Errorf("pgcluster: invalid database name %q: want [a-z0-9_]{1,63}", name)
	}
	return nil
}

// CreateDatabase runs CREATE DATABASE name [TEMPLATE template] (template
// may be ""). Names are validated as [a-z0-9_]+.
//
// Copying a migrated template is the cheap way to give each test a fresh
// schema. PostgreSQL refuses to copy a template that still has sessions,
// and a backend lingers briefly after its client closes, so "in use"
// errors are retried for a short while.
func (c *Cluster) CreateDatabase(ctx context.Context, name, template string) error {
	if err := checkName(name); err != nil {
		return err
	}
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		if err := checkName(template); err != nil {
			return err
		}
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	return c.exec(ctx, sql, template != "")
}

// DropDatabase drops database name WITH (FORCE), which disconnects any
// sessions still using it, ignoring "does not exist" so cleanup code can
// call it unconditionally. It needs PostgreSQL 13 or later.
func (c *Cluster) DropDatabase(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	return c.exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)", false)
}

// exec runs one statement on a short-lived admin connection; a pooled one
// would sit in the "postgres" database and is not worth the bookkeeping.
func (c *Cluster) exec(ctx context.Context, sql string, retryInUse bool) error {
	conn, err := pgx.Connect(ctx, c.AdminDSN())
	if err != nil {
		return fmt.Errorf("pgcluster: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err = conn.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if err == nil || !retryInUse || !errors.As(err, &pgErr) || pgErr.Code != "55006" || time.Now().After(deadline) {
			break
		}
		select { // 55006 object_in_use: template still has a session
		case <-ctx.Done():
			return fmt.Errorf("pgcluster: %s: %w", sql, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err != nil {
		return fmt.Errorf("pgcluster: %s: %w", sql, err)
	}
	return nil
}

// Stop stops the server and removes its data directory. Safe to call
// twice; a no-op for a TEST_DATABASE_URL server, which we do not own.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true
	err := c.stopServer()
	if rmErr := os.RemoveAll(c.root); rmErr != nil {
		err = errors.Join(err, fmt.Errorf("pgcluster: remove %s: %w", c.root, rmErr))
	}
	return err
}

// stopServer stops the postmaster if one is running in c.root. Immediate
// mode skips the shutdown checkpoint: the data is about to be deleted.
func (c *Cluster) stopServer() error {
	if _, err := os.Stat(filepath.Join(c.dataDir(), "postmaster.pid")); err != nil {
		return nil // never started, or already gone
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := c.run(ctx, "pg_ctl", "-D", c.dataDir(), "-m", "immediate", "stop"); err != nil {
		return fmt.Errorf("pgcluster: pg_ctl stop: %w\n%s", err, out)
	}
	return nil
}

// reapStale stops and removes clusters left behind by test binaries that
// died before calling Stop (go test -timeout kills without running
// cleanups), so leaked servers don't pile up across runs. Best effort.
func reapStale(c *Cluster) {
	pidFiles, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*", "owner.pid"))
	for _, f := range pidFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		stale := &Cluster{bindir: c.bindir, runAs: c.runAs, root: filepath.Dir(f)}
		_ = stale.Stop()
	}
}

// processAlive reports whether pid exists (EPERM means it does, owned by
// someone else).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// findBindir locates a directory holding initdb and pg_ctl: pg_config's
// answer first, then the newest Debian/Ubuntu-style
// /usr/lib/postgresql/N/bin (not on PATH there), then PATH.
func findBindir() (string, error) {
	var candidates []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	candidates = append(candidates, debianBindirs()...)
	if p, err := exec.LookPath("initdb"); err == nil {
		candidates = append(candidates, filepath.Dir(p))
	}
	for _, dir := range candidates {
		if isExec(filepath.Join(dir, "initdb")) && isExec(filepath.Join(dir, "pg_ctl")) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("%w: initdb and pg_ctl not found via pg_config --bindir, /usr/lib/postgresql/*/bin or $PATH (install the PostgreSQL server package, or set %s)", ErrNoPostgres, envURL)
}

// debianBindirs returns /usr/lib/postgresql/*/bin, highest version first
// (numerically, so 9.6 sorts below 15).
func debianBindirs() []string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(dir string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
		return v
	}
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	return dirs
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// freePort asks the kernel for an unused port. It is released before the
// server binds it, so callers must cope with losing the race.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// chownTree hands dir to u so the server, running as u, can write it.
func chownTree(dir string, u *user.User) error {
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return err
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return err
	}
	return filepath.WalkDir(dir, func(path string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}

// logTail returns up to the last n bytes of the server log, which is where
// the real reason for a failed start is written.
func logTail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > n {
		_, _ = f.Seek(-n, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}
