package web_test

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func seeded(t *testing.T, s *db.Store) {
	t.Helper()
	if _, err := demo.Seed(context.Background(), s, demo.Options{Participants: 5, Seed: 1}); err != nil {
		t.Fatal(err)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		c := apptest.NewClient(t, apptest.New(t, s, nil))
		for _, tt := range []struct{ path, body string }{{"/healthz", "ok"}, {"/readyz", "ready"}} {
			res := c.Get(tt.path)
			if res.StatusCode != 200 || res.Body != tt.body || res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s = %d %q", tt.path, res.StatusCode, res.Body)
			}
		}
		_ = s.Close()
		if res := c.Get("/readyz"); res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("readyz with the database closed = %d, want 503", res.StatusCode)
		}
		if res := c.Get("/healthz"); res.StatusCode != 200 {
			t.Errorf("healthz must not depend on the database, got %d", res.StatusCode)
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		c := apptest.NewClient(t, apptest.New(t, s, nil))
		for _, path := range []string{"/", "/no-such-page", "/healthz"} {
			res := c.Get(path)
			csp := res.Header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("%s: CSP %q lacks %q", path, csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("%s: CSP allows unsafe sources: %q", path, csp)
			}
			for h, want := range map[string]string{
				"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
				"Referrer-Policy": "strict-origin-when-cross-origin",
			} {
				if got := res.Header.Get(h); got != want {
					t.Errorf("%s: %s = %q, want %q", path, h, got, want)
				}
			}
			if res.Header.Get("X-Request-ID") == "" {
				t.Errorf("%s: no request id", path)
			}
		}
		// Nothing inline that the CSP would block.
		home := c.Get("/")
		if regexp.MustCompile(`<script>|<script [^>]*>[^<]`).MatchString(home.Body) || strings.Contains(home.Body, " style=") || strings.Contains(home.Body, " onclick=") {
			t.Error("home page has inline script or style")
		}
	})
}

var assetRe = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)" integrity="([^"]+)"`)

func TestStaticAssetsHashedAndIntegrityChecked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		c := apptest.NewClient(t, apptest.New(t, s, nil))
		home := c.Get("/")
		tags := assetRe.FindAllStringSubmatch(strings.ReplaceAll(home.Body, "&#43;", "+"), -1)
		if len(tags) < 3 {
			t.Fatalf("want stylesheet and two scripts with integrity, found %d", len(tags))
		}
		if n := strings.Count(home.Body, "<script "); n != 2 {
			t.Errorf("%d script tags, every one must carry integrity", n)
		}
		sawHTMX := false
		for _, m := range tags {
			path, integrity := m[1], m[2]
			sawHTMX = sawHTMX || strings.Contains(path, "htmx-2.0.11.min.")
			if !regexp.MustCompile(`\.[0-9a-f]{12}\.(css|js|svg)$`).MatchString(path) {
				t.Errorf("%s is not content-hashed", path)
			}
			res := c.Get(path)
			if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
				t.Errorf("%s: %d cache %q", path, res.StatusCode, res.Header.Get("Cache-Control"))
			}
			sum := sha512.Sum384([]byte(res.Body))
			if want := "sha384-" + base64.StdEncoding.EncodeToString(sum[:]); integrity != want {
				t.Errorf("%s: integrity %s does not match content %s", path, integrity, want)
			}
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("If-None-Match", res.Header.Get("ETag"))
			if r := c.Do(req); r.StatusCode != http.StatusNotModified {
				t.Errorf("%s: conditional GET = %d, want 304", path, r.StatusCode)
			}
		}
		if !sawHTMX {
			t.Error("htmx 2.0.11 is not loaded")
		}
		if res := c.Get("/static/css/app.000000000000.css"); res.StatusCode != 404 {
			t.Errorf("unknown hash = %d, want 404", res.StatusCode)
		}
	})
}

func TestErrorPagesAndHTMXRule(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := apptest.New(t, s, nil)
		tests := []struct {
			name        string
			headers     map[string]string
			wantFull    bool
			wantJSON    bool
			wantRetaget bool
		}{
			{"plain request gets the full page", nil, true, false, false},
			{"htmx request gets the partial", map[string]string{"HX-Request": "true"}, false, false, true},
			{"boosted navigation gets the full page", map[string]string{"HX-Request": "true", "HX-Boosted": "true"}, true, false, false},
			{"history restore gets the full page", map[string]string{"HX-Request": "true", "HX-History-Restore-Request": "true"}, true, false, false},
			{"JSON client gets JSON", map[string]string{"Accept": "application/json"}, false, true, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := apptest.NewClient(t, srv)
				for k, v := range tt.headers {
					c.Header.Set(k, v)
				}
				res := c.Get("/no-such-page")
				if res.StatusCode != 404 {
					t.Fatalf("status %d", res.StatusCode)
				}
				if !strings.Contains(res.Header.Get("Vary"), "HX-Request") && !tt.wantJSON {
					t.Error("missing Vary: HX-Request")
				}
				full := strings.Contains(res.Body, "<html")
				if full != tt.wantFull {
					t.Errorf("full page = %v, want %v", full, tt.wantFull)
				}
				if tt.wantJSON {
					if !strings.Contains(res.Body, `"code":"not_found"`) || !strings.Contains(res.Body, `"request_id"`) {
						t.Errorf("JSON error = %s", res.Body)
					}
					return
				}
				if !strings.Contains(res.Body, "We could not find that page.") || !strings.Contains(res.Body, res.Header.Get("X-Request-ID")) {
					t.Errorf("error page lacks message or request id: %s", res.Body)
				}
				if got := res.Header.Get("HX-Retarget") != ""; got != tt.wantRetaget {
					t.Errorf("HX-Retarget set = %v, want %v", got, tt.wantRetaget)
				}
			})
		}
	})
}

func TestCSRF(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		seeded(t, s)
		srv := apptest.New(t, s, nil)
		tests := []struct {
			name    string
			token   func(good string) string
			headers map[string]string
			want    int
		}{
			{"no token", func(string) string { return "" }, nil, 403},
			{"forged token", func(string) string { return "AAAA" }, nil, 403},
			{"good token from another origin", func(g string) string { return g }, map[string]string{"Origin": "https://evil.example"}, 403},
			{"good token, other referer", func(g string) string { return g }, map[string]string{"Referer": "https://evil.example/x"}, 403},
			{"good token", func(g string) string { return g }, nil, 303},
			{"good token, same origin", func(g string) string { return g }, map[string]string{"Origin": "http://localhost"}, 303},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := apptest.NewClient(t, srv)
				c.Get("/")
				form := url.Values{"email": {"member@example.com"}, "_csrf": {tt.token(c.CSRF)}}
				req := httptest.NewRequest(http.MethodPost, "/dev/login", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for k, v := range tt.headers {
					req.Header.Set(k, v)
				}
				if res := c.Do(req); res.StatusCode != tt.want {
					t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.want, res.Body)
				}
			})
		}
		t.Run("htmx header carries the token", func(t *testing.T) {
			c := apptest.NewClient(t, srv)
			c.Get("/")
			req := httptest.NewRequest(http.MethodPost, "/logout", nil)
			req.Header.Set("X-CSRF-Token", c.CSRF)
			if res := c.Do(req); res.StatusCode != 303 {
				t.Fatalf("status %d", res.StatusCode)
			}
		})
		t.Run("token of another browser is refused", func(t *testing.T) {
			a, b := apptest.NewClient(t, srv), apptest.NewClient(t, srv)
			a.Get("/")
			b.Get("/")
			b.CSRF = a.CSRF
			if res := b.PostForm("/logout", nil); res.StatusCode != 403 {
				t.Fatalf("status %d", res.StatusCode)
			}
		})
	})
}

func TestDevSignInSessionLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		seeded(t, s)
		srv := apptest.New(t, s, nil)
		c := apptest.NewClient(t, srv)
		home := c.Get("/")
		if !strings.Contains(home.Body, "Development sign-in") || !strings.Contains(home.Body, "admin@example.com") {
			t.Fatal("home page does not offer the demo people")
		}
		if _, ok := c.Cookies["__Host-cohort_session"]; ok {
			t.Fatal("anonymous visit created a session")
		}
		res := c.PostForm("/dev/login", url.Values{"email": {"member@example.com"}})
		if res.StatusCode != 303 {
			t.Fatalf("sign-in status %d", res.StatusCode)
		}
		for _, raw := range res.Header.Values("Set-Cookie") {
			lower := strings.ToLower(raw)
			for _, flag := range []string{"; secure", "; httponly", "; samesite=lax", "; path=/"} {
				if !strings.Contains(lower, flag) {
					t.Errorf("cookie %q lacks %q", raw, flag)
				}
			}
			if !strings.HasPrefix(raw, "__Host-") || strings.Contains(lower, "domain=") {
				t.Errorf("cookie %q must be a __Host- cookie without Domain", raw)
			}
		}
		first := c.Cookies["__Host-cohort_session"]
		if first == nil {
			t.Fatal("no session cookie after sign-in")
		}
		if page := c.Get("/"); !strings.Contains(page.Body, "Welcome, Mel Member") || strings.Contains(page.Body, "Development sign-in") {
			t.Fatal("signed-in home page wrong")
		}
		c.SignInAs("admin@example.com")
		second := c.Cookies["__Host-cohort_session"]
		if second.Value == first.Value {
			t.Fatal("session id did not change at sign-in")
		}
		// The replaced session id is dead.
		old := apptest.NewClient(t, srv)
		old.Cookies[first.Name] = first
		if page := old.Get("/"); strings.Contains(page.Body, "Welcome") {
			t.Fatal("pre-sign-in session id still works")
		}
		if res := c.PostForm("/logout", nil); res.StatusCode != 303 {
			t.Fatalf("sign-out status %d", res.StatusCode)
		}
		if _, ok := c.Cookies["__Host-cohort_session"]; ok {
			t.Fatal("sign-out left the session cookie")
		}
		replay := apptest.NewClient(t, srv)
		replay.Cookies[second.Name] = second
		if page := replay.Get("/"); strings.Contains(page.Body, "Welcome") {
			t.Fatal("signed-out session id still works")
		}
		c.Get("/")
		if res := c.PostForm("/dev/login", url.Values{"email": {"nobody@example.com"}}); res.StatusCode != 422 {
			t.Fatalf("unknown demo email = %d, want 422", res.StatusCode)
		}
	})
}

func TestDevSignInAbsentInProduction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		seeded(t, s)
		srv := apptest.New(t, s, map[string]string{
			"APP_ENV": "production", "BASE_URL": "https://cohort.example", "DEV_LOGIN": "false",
			"SECRET_KEY": strings.Repeat("k", 40), "PAIR_ID_HASH_SECRET": strings.Repeat("p", 40), "SMTP_HOST": "smtp.example.org",
		})
		c := apptest.NewClient(t, srv)
		if home := c.Get("/"); strings.Contains(home.Body, "Development sign-in") || strings.Contains(home.Body, "/dev/login") {
			t.Fatal("production home page offers the development sign-in")
		}
		req := httptest.NewRequest(http.MethodPost, "/dev/login", strings.NewReader(url.Values{"email": {"admin@example.com"}, "_csrf": {c.CSRF}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://cohort.example")
		if res := c.Do(req); res.StatusCode != 404 {
			t.Fatalf("POST /dev/login in production = %d, want 404", res.StatusCode)
		}
	})
}

func TestBodyLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := apptest.New(t, s, map[string]string{"BODY_LIMIT": "2048"})
		base := apptest.Serve(t, srv)
		// Over the 2 KiB limit but small enough to sit in the socket buffer:
		// a body the client is still writing when the server answers 413 and
		// closes would end in a broken pipe instead of the response.
		body := strings.NewReader(url.Values{"junk": {strings.Repeat("x", 6<<10)}}.Encode())
		res, err := http.Post(base+"/logout", "application/x-www-form-urlencoded", body)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("oversized body = %d, want 413", res.StatusCode)
		}
	})
}

// A session ends after SESSION_IDLE_TIMEOUT without use, and after
// SESSION_ABSOLUTE_TIMEOUT even when used all along.
func TestSessionLifetimes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		seeded(t, s)
		now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		srv := apptest.New(t, s, map[string]string{"SESSION_IDLE_TIMEOUT": "1h", "SESSION_ABSOLUTE_TIMEOUT": "3h"})
		signedIn := func(c *apptest.Client) bool { return strings.Contains(c.Get("/").Body, "Welcome") }

		idle := apptest.NewClient(t, srv)
		idle.SignInAs("member@example.com")
		now = now.Add(59 * time.Minute)
		if !signedIn(idle) {
			t.Fatal("session ended before the idle timeout")
		}
		now = now.Add(61 * time.Minute) // an hour after the last use
		if signedIn(idle) {
			t.Fatal("idle session still works")
		}

		busy := apptest.NewClient(t, srv)
		busy.SignInAs("member@example.com")
		for i := 0; i < 4; i++ { // used every 40 minutes for 160 minutes: never idle
			now = now.Add(40 * time.Minute)
			if !signedIn(busy) {
				t.Fatalf("active session ended after %d uses", i)
			}
		}
		now = now.Add(40 * time.Minute) // 200 minutes after sign-in
		if signedIn(busy) {
			t.Fatal("session outlived the absolute timeout")
		}
	})
}

// Pages are never cached (Back after "Sign out" must not show a member's
// answers); static assets keep their year-long cache.
func TestPagesAreNotCached(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		seeded(t, s)
		c := apptest.NewClient(t, apptest.New(t, s, nil))
		home := c.Get("/")
		c.SignInAs(demo.MemberEmail)
		for _, path := range []string{"/", "/enrollments", "/programs/" + demo.ProgramSlug, "/no-such-page"} {
			if got := c.Get(path).Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("signed in, %s: Cache-Control %q, want no-store", path, got)
			}
		}
		staff := apptest.NewClient(t, apptest.New(t, s, nil))
		staff.SignInAs(demo.AdminEmail)
		if got := staff.Get("/staff").Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("staff table: Cache-Control %q, want no-store", got)
		}
		m := assetRe.FindStringSubmatch(home.Body)
		if m == nil {
			t.Fatal("no asset on the home page")
		}
		if got := c.Get(m[1]).Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("static %s: Cache-Control %q", m[1], got)
		}
	})
}
