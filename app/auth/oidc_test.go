package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"cohort/app/apptest"
	"cohort/db"
	"cohort/db/dbtest"
)

// ssoUser is a person at the test provider, with groups under a namespaced
// claim the way Mozilla's Auth0 tenant sends them.
type ssoUser struct {
	sub, email, name string
	groups           []string
	claim            string
}

func (u ssoUser) ID() string { return u.sub }

func (u ssoUser) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"email": u.email})
}

func (u ssoUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	b, err := json.Marshal(base)
	if err != nil {
		return nil, err
	}
	m := jwt.MapClaims{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["email"], m["email_verified"], m["name"] = u.email, true, u.name
	m[u.claim] = u.groups
	return m, nil
}

const groupsClaim = "https://sso.mozilla.com/claim/groups"

// tamper rewrites the ID token the provider returns, to play an attacker
// or a misbehaving provider.
type tamper func(claims jwt.MapClaims) (resign *rsa.PrivateKey)

type provider struct {
	*mockoidc.MockOIDC
	tamper tamper
}

func startProvider(t *testing.T) *provider {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{MockOIDC: m}
	if err := m.AddMiddleware(p.middleware); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return p
}

// middleware adds an end_session_endpoint to discovery (mockoidc has none)
// and applies the tamper function to token responses.
func (p *provider) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		switch {
		case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
			var doc map[string]any
			if json.Unmarshal(body, &doc) == nil {
				doc["end_session_endpoint"] = p.Addr() + "/oidc/logout"
				body, _ = json.Marshal(doc)
			}
		case strings.HasSuffix(r.URL.Path, "/token") && p.tamper != nil:
			var tok map[string]any
			if json.Unmarshal(body, &tok) == nil {
				raw, _ := tok["id_token"].(string)
				claims := jwt.MapClaims{}
				parsed, _, err := jwt.NewParser().ParseUnverified(raw, claims)
				if err == nil {
					key := p.tamper(claims)
					signed := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
					signed.Header["kid"] = parsed.Header["kid"]
					if key == nil {
						key = p.Keypair.PrivateKey
					}
					if s, err := signed.SignedString(key); err == nil {
						tok["id_token"] = s
					}
					body, _ = json.Marshal(tok)
				}
			}
		}
		for k, vs := range rec.Header() {
			if k == "Content-Length" {
				continue
			}
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

func ssoConfig(p *provider) map[string]string {
	return map[string]string{
		"OIDC_ISSUER": p.Issuer(), "OIDC_CLIENT_ID": p.ClientID, "OIDC_CLIENT_SECRET": p.ClientSecret,
		"GROUPS_CLAIM": groupsClaim, "STAFF_GROUPS": "mentoring-staff", "ADMIN_GROUPS": "cohort-admins",
	}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// ssoSignIn walks the browser's part of the code flow: our login route, the
// provider's authorize endpoint, back to our callback. It returns the
// callback's response.
func ssoSignIn(t *testing.T, c *apptest.Client, p *provider, u ssoUser) *apptest.Response {
	t.Helper()
	return ssoSignInFrom(t, c, p, u, "/auth/oidc/login")
}

// ssoSignInFrom is ssoSignIn starting at login (the login route with a
// query, such as ?next=).
func ssoSignInFrom(t *testing.T, c *apptest.Client, p *provider, u ssoUser, login string) *apptest.Response {
	t.Helper()
	p.QueueUser(u)
	start := c.Get(login)
	if start.StatusCode != http.StatusSeeOther {
		t.Fatalf("login start = %d: %s", start.StatusCode, start.Body)
	}
	loc := start.Header.Get("Location")
	au, _ := url.Parse(loc)
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if au.Query().Get(k) == "" {
			t.Fatalf("authorize URL lacks %s: %s", k, loc)
		}
	}
	res, err := noRedirect.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || !strings.HasSuffix(back.Path, "/auth/oidc/callback") {
		t.Fatalf("provider redirected to %q", res.Header.Get("Location"))
	}
	return c.Get(back.RequestURI())
}

func TestOIDCSignInAndGroups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		p := startProvider(t)
		srv := apptest.New(t, s, ssoConfig(p))
		tests := []struct {
			name, sub, email string
			groups           []string
			wantRole         string
		}{
			{"plain member", "u-1", "ana@example.org", []string{"engineering"}, db.RoleMember},
			{"staff group", "u-2", "bo@example.org", []string{"engineering", "mentoring-staff"}, db.RoleStaff},
			{"admin group", "u-3", "cy@example.org", []string{"cohort-admins"}, db.RoleAdmin},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := apptest.NewClient(t, srv)
				res := ssoSignIn(t, c, p, ssoUser{sub: tt.sub, email: tt.email, name: "Test " + tt.sub, groups: tt.groups, claim: groupsClaim})
				if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
					t.Fatalf("callback = %d %s: %s", res.StatusCode, res.Header.Get("Location"), res.Body)
				}
				if _, ok := c.Cookies["__Host-cohort_session"]; !ok {
					t.Fatal("no session after SSO sign-in")
				}
				home := c.Get("/")
				if !strings.Contains(home.Body, "Welcome, Test "+tt.sub) || !strings.Contains(home.Body, "<strong>"+tt.wantRole+"</strong>") {
					t.Fatalf("home after sign-in does not show %s as %s", tt.sub, tt.wantRole)
				}
			})
		}
		t.Run("role recomputed at every sign-in", func(t *testing.T) {
			c := apptest.NewClient(t, srv)
			ssoSignIn(t, c, p, ssoUser{sub: "u-3", email: "cy@example.org", name: "Test u-3", groups: []string{"engineering"}, claim: groupsClaim})
			person, err := s.PersonByEmail(t.Context(), "cy@example.org")
			if err != nil || person.Role != db.RoleMember {
				t.Fatalf("after leaving the admin group role = %q, %v; want member", person.Role, err)
			}
		})
		t.Run("sign-out ends the provider session too", func(t *testing.T) {
			c := apptest.NewClient(t, srv)
			ssoSignIn(t, c, p, ssoUser{sub: "u-1", email: "ana@example.org", name: "Test u-1", claim: groupsClaim})
			c.Get("/")
			res := c.PostForm("/logout", nil)
			// Not a redirect, which the form's CSP (form-action 'self')
			// would stop in a browser, but a page that navigates there
			// (see TestBrowserSSOSignOutEndsProviderSession).
			m := regexp.MustCompile(`<meta http-equiv="refresh" content="0; url=([^"]+)">`).FindStringSubmatch(res.Body)
			if res.StatusCode != 200 || m == nil {
				t.Fatalf("logout = %d, want a page that navigates to the provider: %s", res.StatusCode, res.Body)
			}
			target := html.UnescapeString(m[1])
			loc, _ := url.Parse(target)
			if !strings.HasSuffix(loc.Path, "/oidc/logout") || loc.Query().Get("id_token_hint") == "" ||
				loc.Query().Get("post_logout_redirect_uri") != "http://localhost/" {
				t.Fatalf("logout navigates to %s", target)
			}
			if !strings.Contains(res.Body, `href="`+m[1]+`"`) {
				t.Fatal("no link to the provider beside the refresh")
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
				t.Fatalf("Cache-Control %q on a page carrying the ID token", cc)
			}
			if !strings.Contains(res.Body, `href="/signin"`) {
				t.Fatal("the sign-out page still shows the person signed in")
			}
			if _, ok := c.Cookies["__Host-cohort_session"]; ok {
				t.Fatal("our session survived sign-out")
			}
		})
	})
}

func TestOIDCRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		p := startProvider(t)
		srv := apptest.New(t, s, ssoConfig(p))
		otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		user := ssoUser{sub: "u-9", email: "eve@example.org", name: "Eve", groups: []string{"cohort-admins"}, claim: groupsClaim}
		tests := []struct {
			name   string
			tamper tamper
		}{
			{"token signed by another key", func(jwt.MapClaims) *rsa.PrivateKey { return otherKey }},
			{"wrong audience", func(c jwt.MapClaims) *rsa.PrivateKey { c["aud"] = "someone-else"; return nil }},
			{"wrong issuer", func(c jwt.MapClaims) *rsa.PrivateKey { c["iss"] = "https://evil.example/"; return nil }},
			{"nonce mismatch", func(c jwt.MapClaims) *rsa.PrivateKey { c["nonce"] = "replayed-nonce"; return nil }},
			{"expired", func(c jwt.MapClaims) *rsa.PrivateKey { c["exp"] = 1000; return nil }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p.tamper = tt.tamper
				defer func() { p.tamper = nil }()
				c := apptest.NewClient(t, srv)
				res := ssoSignIn(t, c, p, user)
				if res.StatusCode != http.StatusForbidden {
					t.Fatalf("callback = %d, want 403", res.StatusCode)
				}
				if strings.Contains(c.Get("/").Body, "Welcome") {
					t.Fatal("signed in despite a bad token")
				}
			})
		}
		// Control: re-signing an untouched token with the provider's key is
		// accepted, so each refusal above is due to its one change.
		t.Run("re-signed untouched token is accepted", func(t *testing.T) {
			p.tamper = func(jwt.MapClaims) *rsa.PrivateKey { return nil }
			defer func() { p.tamper = nil }()
			c := apptest.NewClient(t, srv)
			ok := ssoUser{sub: "u-7", email: "gus@example.org", name: "Gus", claim: groupsClaim}
			if res := ssoSignIn(t, c, p, ok); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("callback = %d, want 303", res.StatusCode)
			}
		})
		t.Run("mismatched state", func(t *testing.T) {
			c := apptest.NewClient(t, srv)
			p.QueueUser(user)
			start := c.Get("/auth/oidc/login")
			res, err := noRedirect.Get(start.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			back, _ := url.Parse(res.Header.Get("Location"))
			q := back.Query()
			q.Set("state", "forged")
			back.RawQuery = q.Encode()
			if r := c.Get(back.RequestURI()); r.StatusCode != http.StatusForbidden {
				t.Fatalf("forged state = %d, want 403", r.StatusCode)
			}
		})
		t.Run("replayed callback", func(t *testing.T) {
			c := apptest.NewClient(t, srv)
			p.QueueUser(ssoUser{sub: "u-8", email: "fay@example.org", name: "Fay", claim: groupsClaim})
			start := c.Get("/auth/oidc/login")
			res, err := noRedirect.Get(start.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			back, _ := url.Parse(res.Header.Get("Location"))
			if r := c.Get(back.RequestURI()); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("first callback = %d", r.StatusCode)
			}
			// The same state and code again, in a fresh browser and in the same one.
			if r := apptest.NewClient(t, srv).Get(back.RequestURI()); r.StatusCode != http.StatusForbidden {
				t.Fatalf("replay in another browser = %d, want 403", r.StatusCode)
			}
			if r := c.Get(back.RequestURI()); r.StatusCode != http.StatusForbidden {
				t.Fatalf("replay in the same browser = %d, want 403", r.StatusCode)
			}
		})
		t.Run("callback without a started flow", func(t *testing.T) {
			c := apptest.NewClient(t, srv)
			if r := c.Get("/auth/oidc/callback?state=x&code=y"); r.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d", r.StatusCode)
			}
		})
		var n int
		if err := s.DB().NewRaw("SELECT COUNT(*) FROM people WHERE email = 'eve@example.org'").Scan(t.Context(), &n); err != nil || n != 0 {
			t.Fatalf("a refused sign-in created an account (%d, %v)", n, err)
		}
	})
}
