// Package apptest drives a real Cohort server in tests: a configured app on
// a test database and a client that keeps cookies and CSRF tokens like a
// browser would, without opening a socket.
package apptest

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cohort/app"
	"cohort/app/web"
	"cohort/config"
	"cohort/db"
	"log/slog"
)

// Config returns a test configuration with overrides applied.
func Config(t testing.TB, overrides map[string]string) *config.Config {
	t.Helper()
	vars := map[string]string{
		"APP_ENV":   config.EnvTest,
		"BASE_URL":  "http://localhost",
		"DEV_LOGIN": "true",
		"LOG_LEVEL": "error",
		// Start-up checks that uploads can be written; never in the
		// package directory.
		"UPLOAD_DIR": t.TempDir(),
	}
	for k, v := range overrides {
		vars[k] = v
	}
	cfg, err := config.FromMap(vars)
	if err != nil {
		t.Fatalf("apptest: config: %v", err)
	}
	return cfg
}

// Logger discards logs below error level (tests stay quiet unless
// something breaks).
func Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// New builds the full app on store.
func New(t testing.TB, store *db.Store, overrides map[string]string) *web.Server {
	t.Helper()
	s, err := app.New(Config(t, overrides), store, Logger())
	if err != nil {
		t.Fatalf("apptest: app: %v", err)
	}
	return s
}

// Client is a cookie-keeping client for one simulated browser.
type Client struct {
	t       testing.TB
	server  *web.Server
	Cookies map[string]*http.Cookie
	// CSRF is the last token seen in a page (hidden field or hx-headers).
	CSRF string
	// Header is added to every request (e.g. HX-Request).
	Header http.Header
	// SetCookies is every raw Set-Cookie header the client has received,
	// for tests that check cookie flags across whole journeys.
	SetCookies []string
	// Timeout bounds one request (10 s when zero); tests that send
	// real-size files give it more.
	Timeout time.Duration
}

// NewClient returns a client with an empty cookie jar.
func NewClient(t testing.TB, s *web.Server) *Client {
	return &Client{t: t, server: s, Cookies: map[string]*http.Cookie{}, Header: http.Header{}}
}

// Response is a finished response with its body read.
type Response struct {
	*http.Response
	Body string
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"|"X-CSRF-Token": "([^"]+)"`)

// Do sends req, records cookies and the page's CSRF token.
func (c *Client) Do(req *http.Request) *Response {
	c.t.Helper()
	for k, vs := range c.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	for _, ck := range c.Cookies {
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	res, err := c.server.App().Test(req, int(timeout.Milliseconds()))
	if err != nil {
		c.t.Fatalf("apptest: %s %s: %v", req.Method, req.URL, err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	_ = res.Body.Close()
	c.SetCookies = append(c.SetCookies, res.Header.Values("Set-Cookie")...)
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || (!ck.Expires.IsZero() && ck.Expires.Before(time.Now())) || ck.Value == "" {
			delete(c.Cookies, ck.Name)
			continue
		}
		c.Cookies[ck.Name] = ck
	}
	if m := csrfRe.FindStringSubmatch(string(body)); m != nil {
		c.CSRF = m[1] + m[2]
	}
	return &Response{Response: res, Body: string(body)}
}

// Get fetches path.
func (c *Client) Get(path string) *Response {
	return c.Do(httptest.NewRequest(http.MethodGet, path, nil))
}

// PostForm posts form to path, adding the CSRF token unless the form has one.
func (c *Client) PostForm(path string, form url.Values) *Response {
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form[web.CSRFField]; !ok {
		form.Set(web.CSRFField, c.CSRF)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// SignInAs uses the development sign-in (DEV_LOGIN must be on) and fails the
// test unless it worked.
func (c *Client) SignInAs(email string) {
	c.t.Helper()
	if c.CSRF == "" {
		c.Get("/")
	}
	res := c.PostForm("/dev/login", url.Values{"email": {email}})
	if res.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("dev sign-in as %s: status %d: %s", email, res.StatusCode, res.Body)
	}
	// Follow the redirect as a browser would; the page carries the CSRF
	// token of the new session.
	c.Get(res.Header.Get("Location"))
}

// Serve runs s on a loopback port until the test ends and returns its base
// URL, for tests that need a real socket (timeouts, body limits, browsers).
func Serve(t testing.TB, s *web.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("apptest: serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}
