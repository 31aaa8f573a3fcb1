package app_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"cohort/app/apptest"
	"cohort/app/browsertest"
	"cohort/config"
	"cohort/db/dbtest"
)

// idpUser is the one person known to the test provider.
type idpUser struct{ sub, email, name string }

func (u idpUser) ID() string { return u.sub }

func (u idpUser) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"email": u.email})
}

func (u idpUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	b, err := json.Marshal(base)
	if err != nil {
		return nil, err
	}
	m := jwt.MapClaims{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["email"], m["email_verified"], m["name"] = u.email, true, u.name
	return m, nil
}

// sessionIdP is mockoidc with what a real provider adds around it: a
// session of its own (a cookie), so a browser that signed in once is signed
// in again without a question — exactly what RP-initiated logout must end —
// and an end_session_endpoint that ends it and records that a browser came.
type sessionIdP struct {
	*mockoidc.MockOIDC
	user idpUser

	mu       sync.Mutex
	sessions map[string]bool
	logouts  []url.Values // query of every end-session visit
	logins   int          // times the provider asked who the person is
}

const idpCookie = "idp_session"

func startSessionIdP(t *testing.T, user idpUser) *sessionIdP {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &sessionIdP{MockOIDC: m, user: user, sessions: map[string]bool{}}
	// mockoidc's endpoints are served by our own mux, so the provider can
	// have pages mockoidc lacks; Server is set only so mockoidc names its
	// URLs (issuer, endpoints) after this listener.
	srv := &http.Server{Addr: ln.Addr().String(), Handler: p.routes()}
	m.Server = srv
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return p
}

var idpLoginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Provider sign-in</title><link rel="icon" href="data:,"></head>
<body><h1 id="idp-login">Sign in at the provider</h1>
<form method="get" action="/idp/signin"><input type="hidden" name="continue" value="{{.}}"><button type="submit">Sign in as Ana</button></form>
</body></html>`))

func (p *sessionIdP) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(mockoidc.DiscoveryEndpoint, func(w http.ResponseWriter, r *http.Request) {
		rec := &captured{header: http.Header{}}
		p.Discovery(rec, r)
		var doc map[string]any
		if err := json.Unmarshal(rec.body, &doc); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		doc["end_session_endpoint"] = p.Addr() + "/oidc/logout"
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	})
	mux.HandleFunc(mockoidc.AuthorizationEndpoint, func(w http.ResponseWriter, r *http.Request) {
		if !p.signedIn(r) {
			p.mu.Lock()
			p.logins++
			p.mu.Unlock()
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = idpLoginPage.Execute(w, r.URL.RequestURI())
			return
		}
		p.QueueUser(p.user) // silent sign-in: the provider knows this browser
		p.Authorize(w, r)
	})
	mux.HandleFunc("/idp/signin", func(w http.ResponseWriter, r *http.Request) {
		var b [16]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		p.mu.Lock()
		p.sessions[id] = true
		p.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: idpCookie, Value: id, Path: "/", HttpOnly: true})
		next := r.URL.Query().Get("continue")
		if !strings.HasPrefix(next, mockoidc.AuthorizationEndpoint+"?") {
			http.Error(w, "bad continue", 400)
			return
		}
		http.Redirect(w, r, next, http.StatusFound)
	})
	mux.HandleFunc("/oidc/logout", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.logouts = append(p.logouts, r.URL.Query())
		if ck, err := r.Cookie(idpCookie); err == nil {
			delete(p.sessions, ck.Value)
		}
		p.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: idpCookie, Value: "", Path: "/", MaxAge: -1})
		http.Redirect(w, r, r.URL.Query().Get("post_logout_redirect_uri"), http.StatusFound)
	})
	mux.HandleFunc(mockoidc.TokenEndpoint, p.Token)
	mux.HandleFunc(mockoidc.JWKSEndpoint, p.JWKS)
	mux.HandleFunc(mockoidc.UserinfoEndpoint, p.Userinfo)
	return mux
}

func (p *sessionIdP) signedIn(r *http.Request) bool {
	ck, err := r.Cookie(idpCookie)
	if err != nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sessions[ck.Value]
}

func (p *sessionIdP) counts() (logins int, logouts []url.Values) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logins, append([]url.Values(nil), p.logouts...)
}

// captured is a minimal ResponseWriter for reading mockoidc's discovery.
type captured struct {
	header http.Header
	body   []byte
}

func (c *captured) Header() http.Header         { return c.header }
func (c *captured) Write(b []byte) (int, error) { c.body = append(c.body, b...); return len(b), nil }
func (c *captured) WriteHeader(int)             {}

// consoleLog keeps what the page wrote to the console: CSP violations land
// there, and nowhere else.
type consoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

func watchConsole(ctx context.Context) *consoleLog {
	l := &consoleLog{}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			l.mu.Lock()
			l.msgs = append(l.msgs, m)
			l.mu.Unlock()
		}
	}()
	return l
}

func (l *consoleLog) problems() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, m := range l.msgs {
		if m.Type == chromedp.ConsoleError || m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			out = append(out, m.String())
		}
	}
	return out
}

// Signing out of an SSO session ends the provider's session too, in a real
// browser that enforces the CSP: the browser reaches the provider's
// end-session endpoint, comes back signed out, and the next "Sign in" asks
// the provider's question again instead of signing the same person straight
// back in. With and without JavaScript; nothing is refused by the CSP.
func TestBrowserSSOSignOutEndsProviderSession(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts browsertest.Options
	}{
		{"javascript", browsertest.Options{}},
		{"no-javascript", browsertest.Options{NoJavaScript: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			idp := startSessionIdP(t, idpUser{sub: "ana-1", email: "ana@example.org", name: "Ana Lopez"})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			base := "http://" + ln.Addr().String()
			s := dbtest.New(t, config.DialectSQLite)
			srv := apptest.New(t, s, map[string]string{
				"BASE_URL": base, "DEV_LOGIN": "false",
				"OIDC_ISSUER": idp.Issuer(), "OIDC_CLIENT_ID": idp.ClientID, "OIDC_CLIENT_SECRET": idp.ClientSecret,
				"OIDC_NAME": "Test SSO",
			})
			serveCtx, stop := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- srv.Serve(serveCtx, ln) }()
			t.Cleanup(func() {
				stop()
				if err := <-done; err != nil {
					t.Errorf("serve: %v", err)
				}
			})

			ctx := browsertest.New(t, tt.opts)
			console := watchConsole(ctx)
			signInLink := chromedp.CSS(`a[href="/auth/oidc/login"]`)
			err = chromedp.Do(ctx,
				chromedp.Navigate(base+"/signin"),
				chromedp.Click(signInLink),
				chromedp.WaitVisible(chromedp.CSS(`#idp-login`)),
				chromedp.Click(chromedp.CSS(`button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#me-title`)),
			)
			if err != nil {
				t.Fatal("first sign-in:", err)
			}
			if welcome, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#me-title`))); err != nil || welcome != "Welcome, Ana Lopez" {
				t.Fatalf("after sign-in: %q, %v", welcome, err)
			}

			// Sign out: back on our home page, signed out, by way of the
			// provider. A refused navigation leaves the page as it was, so
			// wait a bounded while, not the whole test's time.
			outCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
			err = chromedp.Do(outCtx,
				chromedp.Click(chromedp.CSS(`.account button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`.account a[href="/signin"]`)),
				chromedp.WaitVisible(chromedp.CSS(`#home-title`)),
			)
			cancel()
			if err != nil {
				t.Fatalf("sign out: %v (console: %q)", err, console.problems())
			}
			logins, logouts := idp.counts()
			if len(logouts) != 1 {
				t.Fatalf("the browser reached the provider's end-session endpoint %d times, want 1 (console: %q)", len(logouts), console.problems())
			}
			if q := logouts[0]; q.Get("id_token_hint") == "" || q.Get("post_logout_redirect_uri") != base+"/" || q.Get("client_id") != idp.ClientID {
				t.Fatalf("end-session request lacks its parameters: %v", q)
			}
			if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || loc != base+"/" {
				t.Fatalf("after sign-out at %q, %v; want %s/", loc, err, base)
			}

			// Sign in again: the provider asks who this is.
			err = chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`.account a[href="/signin"]`)),
				chromedp.Click(signInLink),
				chromedp.WaitVisible(chromedp.CSS(`#idp-login`)),
			)
			if err != nil {
				t.Fatal("second sign-in did not reach the provider's question:", err)
			}
			if again, _ := idp.counts(); again != logins+1 {
				t.Fatalf("provider asked %d times in all, want %d", again, logins+1)
			}
			if p := console.problems(); len(p) > 0 {
				t.Fatalf("console errors: %q", p)
			}
		})
	}
}
