package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

// An outage is the database's, not ours: while it is down or hung, pages
// and the API answer 503 with Retry-After, and a hung database costs a
// request DB_REQUEST_TIMEOUT, not as long as the database takes.
func TestDatabaseOutageAnswers503(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Run("down", func(t *testing.T) {
				s, down, _ := outageStore(t, dialect)
				srv := apptest.New(t, s, map[string]string{"DB_REQUEST_TIMEOUT": "2s"})
				member := apptest.NewClient(t, srv)
				member.SignInAs(demo.MemberEmail)
				api := apptest.NewClient(t, srv)
				api.SignInAs(demo.AdminEmail)
				down()
				start := time.Now()
				res := member.Get("/enrollments")
				check503(t, res, false)
				check503(t, api.Get("/api/v1/programs"), true)
				if took := time.Since(start); took > 8*time.Second {
					t.Errorf("answering took %s", took)
				}
			})
			t.Run("hung", func(t *testing.T) {
				s, _, dsn := outageStore(t, dialect)
				srv := apptest.New(t, s, map[string]string{"DB_REQUEST_TIMEOUT": "1s"})
				member := apptest.NewClient(t, srv)
				member.SignInAs(demo.MemberEmail)
				member.Get("/programs/" + demo.ProgramSlug)
				release := holdWriteLock(t, s, dsn)
				defer release()
				start := time.Now()
				res := member.PostForm("/programs/"+demo.ProgramSlug+"/enroll", nil)
				took := time.Since(start)
				check503(t, res, false)
				// SQLite's own busy_timeout (5 s) may end the wait first;
				// without a deadline, Postgres waits for the lock for ever.
				if took > 9*time.Second {
					t.Errorf("a hung database held the request %s", took)
				}
				release()
				if res := member.PostForm("/programs/"+demo.ProgramSlug+"/enroll", nil); res.StatusCode != http.StatusSeeOther {
					t.Errorf("after the lock is gone: %d", res.StatusCode)
				}
			})
		})
	}
}

func check503(t *testing.T, res *apptest.Response, wantJSON bool) {
	t.Helper()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q, want 503 with Retry-After: %.300s", res.StatusCode, res.Header.Get("Retry-After"), res.Body)
	}
	if wantJSON {
		var body struct {
			Error struct{ Code, RequestID string }
		}
		if err := json.Unmarshal([]byte(res.Body), &body); err != nil || body.Error.Code != "unavailable" {
			t.Fatalf("JSON = %s (%v)", res.Body, err)
		}
		return
	}
	if !strings.Contains(res.Body, "not available right now") || !strings.Contains(res.Body, res.Header.Get("X-Request-ID")) {
		t.Fatalf("page: %.500s", res.Body)
	}
}

// outageStore returns a seeded store and a function that takes its
// database away: for Postgres, a TCP proxy between the app and the server
// that drops every connection and refuses new ones (what a stopped server
// looks like); for SQLite, closing the handle. dsn is Postgres's own
// address, past the proxy.
func outageStore(t *testing.T, dialect string) (s *db.Store, down func(), dsn string) {
	t.Helper()
	if dialect == config.DialectSQLite {
		s := dbtest.New(t, dialect)
		seeded(t, s)
		return s, func() { _ = s.Close() }, ""
	}
	dsn = dbtest.PostgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	u.Host = p.addr
	s, err = db.Open(context.Background(), config.Database{Dialect: dialect, DSN: u.String()}, db.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	seeded(t, s)
	return s, p.down, dsn
}

// holdWriteLock makes the database hang for writers, from another
// connection, until release is called: SQLite's write lock, or on
// Postgres (dsn set) an exclusive lock on the enrollments table.
func holdWriteLock(t *testing.T, s *db.Store, dsn string) (release func()) {
	t.Helper()
	ctx := context.Background()
	if dsn == "" {
		var seq int
		var name, file string
		if err := s.DB().QueryRowContext(ctx, "PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
			t.Fatal(err)
		}
		other, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(5000)")
		if err != nil {
			t.Fatal(err)
		}
		conn, err := other.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			t.Fatal(err)
		}
		return sync.OnceFunc(func() {
			_, _ = conn.ExecContext(ctx, "ROLLBACK")
			_ = conn.Close()
			_ = other.Close()
		})
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE enrollments IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	return sync.OnceFunc(func() {
		_ = tx.Rollback(ctx)
		_ = conn.Close(ctx)
	})
}

// proxy forwards TCP connections to a server until down, after which it
// drops the ones it carried and refuses new ones.
type proxy struct {
	ln    net.Listener
	addr  string
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, addr: ln.Addr().String()}
	t.Cleanup(p.down)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
			go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
		}
	}()
	return p
}

func (p *proxy) down() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}
