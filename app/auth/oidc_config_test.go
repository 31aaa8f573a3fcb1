package auth_test

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"cohort/app"
	"cohort/app/apptest"
	"cohort/app/web"
	"cohort/db"
	"cohort/db/dbtest"
)

// logBuffer collects an app's log lines; the server logs from many
// goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// lines returns the log lines that contain every one of want.
func (l *logBuffer) lines(want ...string) []string {
	var out []string
	for _, line := range strings.Split(l.String(), "\n") {
		ok := line != ""
		for _, w := range want {
			ok = ok && strings.Contains(line, w)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}

// loggedApp builds the app with its log (info and up) kept for the test.
func loggedApp(t *testing.T, s *db.Store, vars map[string]string) (*web.Server, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	srv, err := app.New(apptest.Config(t, vars), s, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return srv, logs
}

func TestOIDCGroupsConfiguration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		p := startProvider(t)
		vars := ssoConfig(p)
		vars["ADMIN_GROUPS"] = "root, cohort-admins,"
		vars["STAFF_GROUPS"] = " mentoring-staff "
		srv, logs := loggedApp(t, s, vars)

		t.Run("start-up names the groups once", func(t *testing.T) {
			got := logs.lines("sso roles from groups")
			if len(got) != 1 {
				t.Fatalf("want one start-up line about groups, got %d:\n%s", len(got), logs)
			}
			for _, want := range []string{"groups_claim=" + groupsClaim, "admin_groups=\"[root cohort-admins]\"", "staff_groups=[mentoring-staff]"} {
				if !strings.Contains(got[0], want) {
					t.Errorf("start-up line lacks %s: %s", want, got[0])
				}
			}
		})
		t.Run("a group after a comma and a space counts", func(t *testing.T) {
			c := apptest.NewClient(t, srv)
			ssoSignIn(t, c, p, ssoUser{sub: "g-1", email: "ada@example.org", name: "Ada", groups: []string{"cohort-admins"}, claim: groupsClaim})
			if person, err := s.PersonByEmail(t.Context(), "ada@example.org"); err != nil || person.Role != db.RoleAdmin {
				t.Fatalf("in cohort-admins with ADMIN_GROUPS=%q: role %v, %v; want admin", vars["ADMIN_GROUPS"], person, err)
			}
		})

		const warning = "the ID token has no groups claim"
		t.Run("a groups claim that is there but empty says nothing", func(t *testing.T) {
			c := apptest.NewClient(t, srv)
			ssoSignIn(t, c, p, ssoUser{sub: "g-2", email: "bo@example.org", name: "Bo", groups: []string{}, claim: groupsClaim})
			if got := logs.lines(warning); len(got) != 0 {
				t.Fatalf("warned although the claim was present: %s", got)
			}
		})
		t.Run("no groups claim at all is explained, once, without personal data", func(t *testing.T) {
			for _, u := range []ssoUser{
				{sub: "g-3", email: "cy@example.org", name: "Cy Someone", groups: []string{"cohort-admins"}, claim: "groups"},
				{sub: "g-4", email: "di@example.org", name: "Di", groups: []string{"cohort-admins"}, claim: "groups"},
			} {
				c := apptest.NewClient(t, srv)
				ssoSignIn(t, c, p, u)
				if person, err := s.PersonByEmail(t.Context(), u.email); err != nil || person.Role != db.RoleMember {
					t.Fatalf("role %v, %v; want member", person, err)
				}
			}
			got := logs.lines(warning)
			if len(got) != 1 {
				t.Fatalf("want the warning once, got %d:\n%s", len(got), logs)
			}
			for _, want := range []string{"level=WARN", "GROUPS_CLAIM", "OIDC_SCOPES", "groups_claim=" + groupsClaim, `oidc_scopes="openid email profile"`} {
				if !strings.Contains(got[0], want) {
					t.Errorf("warning lacks %s: %s", want, got[0])
				}
			}
			for _, personal := range []string{"cy@example.org", "g-3", "Cy Someone"} {
				if strings.Contains(got[0], personal) {
					t.Errorf("warning carries personal data %q: %s", personal, got[0])
				}
			}
		})
	})
	t.Run("no warning when no groups are configured", func(t *testing.T) {
		s := dbtest.New(t, "sqlite")
		p := startProvider(t)
		vars := ssoConfig(p)
		vars["ADMIN_GROUPS"], vars["STAFF_GROUPS"] = "", ""
		srv, logs := loggedApp(t, s, vars)
		ssoSignIn(t, apptest.NewClient(t, srv), p, ssoUser{sub: "g-5", email: "ed@example.org", name: "Ed", claim: "groups"})
		if got := logs.lines("the ID token has no groups claim"); len(got) != 0 {
			t.Fatalf("warned with no groups configured: %s", got)
		}
	})
}

// A provider that cannot be used because of how it is configured must say
// so, not send members away to "try again in a minute".
func TestOIDCMisconfigurationIsNotAnOutage(t *testing.T) {
	p := startProvider(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := "http://" + closed.Addr().String()
	closed.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/down/.well-known/openid-configuration":
			http.Error(w, "upstream timeout", http.StatusBadGateway)
		case "/html/.well-known/openid-configuration":
			_, _ = w.Write([]byte("<html>Welcome</html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(broken.Close)

	const misconfigured, unreachable = "misconfigured", "cannot be reached right now"
	tests := []struct {
		name, issuer string
		status       int
		page, log    string
	}{
		{"trailing slash added", p.Issuer() + "/", 500, misconfigured, "mind the trailing slash"},
		{"another issuer", broken.URL + "/nothing-here", 500, misconfigured, "404 Not Found: check OIDC_ISSUER"},
		{"not a discovery document", broken.URL + "/html", 500, misconfigured, "is not a discovery document"},
		{"provider answers 502", broken.URL + "/down", 503, unreachable, "502 Bad Gateway"},
		{"nothing listening", deadAddr, 503, unreachable, "connection refused"},
		{"correct issuer", p.Issuer(), 303, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := dbtest.New(t, "sqlite")
			vars := ssoConfig(p)
			vars["OIDC_ISSUER"] = tt.issuer
			srv, logs := loggedApp(t, s, vars)
			res := apptest.NewClient(t, srv).Get("/auth/oidc/login")
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, res.Body)
			}
			if tt.page == "" {
				return
			}
			if !strings.Contains(res.Body, tt.page) {
				t.Errorf("page does not say %q:\n%s", tt.page, res.Body)
			}
			if other := map[string]string{misconfigured: unreachable, unreachable: misconfigured}[tt.page]; strings.Contains(res.Body, other) {
				t.Errorf("page also says %q", other)
			}
			if got := logs.lines("level=ERROR", tt.log); len(got) == 0 {
				t.Errorf("log does not give the reason %q:\n%s", tt.log, logs)
			}
		})
	}
}
