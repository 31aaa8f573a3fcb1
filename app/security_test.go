package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/web"
	"cohort/db"
	"cohort/db/dbtest"
)

// Personas of the authorization matrix.
const (
	anonymous   = "anonymous"
	member      = "member"
	otherMember = "another member"
	reviewer    = "reviewer"
	coordinator = "coordinator"
	staff       = "staff"
	admin       = "admin"
)

var personas = []string{anonymous, member, otherMember, reviewer, coordinator, staff, admin}

var personaEmail = map[string]string{
	member: "member@example.com", otherMember: "other.member@example.com", reviewer: "reviewer@example.com",
	coordinator: "coordinator@example.com", staff: "staff@example.com", admin: "admin@example.com",
}

// Who may use a route.
type access int

const (
	everyone       access = iota // public, including anonymous visitors
	signedIn                     // any signed-in person
	admins                       // global admins only
	flowOnly                     // nobody without a sign-in flow in progress (refused for all here)
	owner                        // only the person whose record it is (the member's enrollment)
	ownerOrViewers               // the owner, or whoever may view the program's participants
	pairManagers                 // pairs.manage in the demo program: its coordinator, staff, admins
	viewers                      // participants.view somewhere: the reviewer too (the JSON API, API tokens)
	tokenOwner                   // only the owner of the token (staff)
	progViewers                  // participants.view in the demo program: reviewer, coordinator, staff, admin
	progEditors                  // participants.edit there: coordinator, staff, admin
	progExporters                // participants.export there: staff, admin (the coordinator's is revoked)
	metricsBearer                // nobody by session or role: only a Bearer of METRICS_TOKEN
	requestMember                // a mentee or mentor of a program that takes requests: nobody here (the demo program is staff-paired and the member's enrollment a draft); app/matching's matrix has those personas
)

// matrix lists EVERY route the app registers with who may use it. A route
// that is registered but missing here fails the test, so a new route cannot
// ship without a decision about who may call it.
var matrix = map[string]access{
	"GET /":                                      everyone,
	"GET /healthz":                               everyone,
	"GET /readyz":                                everyone,
	"GET /metrics":                               metricsBearer,
	"GET /static/*":                              everyone,
	"GET /signin":                                everyone,
	"POST /signin/email":                         everyone,
	"GET /signin/code":                           everyone,
	"POST /signin/code":                          everyone,
	"GET /auth/oidc/login":                       everyone,
	"GET /auth/oidc/callback":                    flowOnly,
	"POST /dev/login":                            everyone,
	"POST /logout":                               everyone,
	"GET /dev/outbox":                            everyone,
	"GET /dev/outbox/:id":                        everyone,
	"GET /account/mfa":                           signedIn,
	"POST /account/mfa/setup":                    signedIn,
	"POST /account/mfa/verify":                   signedIn,
	"GET /admin":                                 admins,
	"GET /admin/people":                          admins,
	"GET /admin/people/:id":                      admins,
	"POST /admin/people/:id/role":                admins,
	"POST /admin/people/:id/status":              admins,
	"GET /admin/audit":                           admins,
	"GET /programs":                              everyone,
	"GET /programs/:slug":                        everyone,
	"POST /programs/:slug/enroll":                signedIn,
	"GET /enrollments":                           signedIn,
	"GET /enrollments/:id":                       owner,
	"GET /enrollments/:id/steps/:step":           owner,
	"POST /enrollments/:id/steps/:step":          owner,
	"POST /enrollments/:id/steps/:step/autosave": owner,
	"GET /enrollments/:id/review":                owner,
	"POST /enrollments/:id/submit":               owner,
	"POST /enrollments/:id/withdraw":             owner,
	"POST /enrollments/:id/rejoin":               owner,
	"POST /enrollments/:id/renew":                owner,
	"GET /uploads/:id":                           ownerOrViewers,
	"GET /admin/jobs":                            admins,
	"GET /unsubscribe":                           everyone,
	"POST /unsubscribe":                          everyone,
	"GET /checkin":                               everyone,
	"POST /checkin":                              everyone,
	"GET /admin/jobs/:name/runs":                 admins,
	"POST /admin/jobs/:name/enabled":             admins,
	"POST /admin/jobs/:name/run":                 admins,
	"POST /admin/mail/:id/retry":                 admins,
	"POST /admin/people/:id/program-roles":       admins,
	// A member's own data (app/account): each person only ever reaches
	// their own; an erasure without its typed confirmation is refused
	// with 422, so the matrix's bare POSTs erase nobody.
	"GET /account":                 signedIn,
	"GET /account/data":            signedIn,
	"GET /account/delete":          signedIn,
	"POST /account/delete":         signedIn,
	"GET /admin/people/:id/erase":  admins,
	"POST /admin/people/:id/erase": admins,
	"POST /admin/people/:id/program-roles/:programID/delete": admins,
	"POST /admin/people/:id/overrides":                       admins,
	"POST /admin/people/:id/overrides/:overrideID/delete":    admins,
	"GET /admin/programs":                                    admins,
	"POST /admin/programs":                                   admins,
	"GET /admin/programs/:slug":                              admins,
	"POST /admin/programs/:slug":                             admins,
	"POST /admin/programs/:slug/flags":                       admins,
	"POST /admin/programs/:slug/timing":                      admins,
	"POST /admin/programs/:slug/matching":                    admins,
	// The form designer (app/designer): program.manage in the program,
	// which only admins hold here; another program's form is a 404.
	"GET /admin/programs/:slug/form":                                    admins,
	"GET /admin/programs/:slug/form/preview":                            admins,
	"POST /admin/programs/:slug/form/try":                               admins,
	"GET /admin/programs/:slug/form/versions":                           admins,
	"GET /admin/programs/:slug/form/export":                             admins,
	"POST /admin/programs/:slug/form/start":                             admins,
	"POST /admin/programs/:slug/form/publish":                           admins,
	"POST /admin/programs/:slug/form/discard":                           admins,
	"POST /admin/programs/:slug/form/details":                           admins,
	"POST /admin/programs/:slug/form/eligibility":                       admins,
	"POST /admin/programs/:slug/form/benefits":                          admins,
	"POST /admin/programs/:slug/form/benefits/:b/delete":                admins,
	"POST /admin/programs/:slug/form/benefits/:b/rules":                 admins,
	"POST /admin/programs/:slug/form/benefits/:b/rules/:list/:k/delete": admins,
	"POST /admin/programs/:slug/form/steps":                             admins,
	"POST /admin/programs/:slug/form/steps/:i":                          admins,
	"POST /admin/programs/:slug/form/steps/:i/move":                     admins,
	"POST /admin/programs/:slug/form/steps/:i/delete":                   admins,
	"POST /admin/programs/:slug/form/steps/:i/fields":                   admins,
	"POST /admin/programs/:slug/form/steps/:i/fields/:j":                admins,
	"POST /admin/programs/:slug/form/steps/:i/fields/:j/move":           admins,
	"POST /admin/programs/:slug/form/steps/:i/fields/:j/preview":        admins,
	"POST /admin/programs/:slug/form/steps/:i/fields/:j/delete":         admins,
	// Pairing (app/pairs) and the JSON API (app/api). API routes take a
	// bearer token or, as here, a session; the API serves only people who
	// may view some program's participants, so members get 403.
	"GET /staff/programs/:slug/pairs":                        pairManagers,
	"POST /staff/programs/:slug/pairs":                       pairManagers,
	"GET /staff/programs/:slug/participants/:id/suggestions": pairManagers,
	"GET /staff/programs/:slug/proposal":                     pairManagers,
	"POST /staff/programs/:slug/proposal/accept":             pairManagers,
	"POST /staff/pairs/:id/accept":                           pairManagers,
	"POST /staff/pairs/:id/end":                              pairManagers,
	"POST /staff/pairs/:id/handled":                          pairManagers,
	"POST /staff/pairs/:id/undo":                             pairManagers,
	"GET /api/openapi.json":                                  everyone,
	"GET /api/v1/programs":                                   viewers,
	"GET /api/v1/programs/:slug/participants":                viewers,
	"GET /api/v1/participants/:id":                           viewers,
	"GET /api/v1/participants/:id/suggestions":               pairManagers,
	"GET /api/v1/programs/:slug/pairs":                       viewers,
	"POST /api/v1/programs/:slug/pairs":                      pairManagers,
	"POST /api/v1/pairs/:id/end":                             pairManagers,
	"GET /account/tokens":                                    viewers,
	"POST /account/tokens":                                   viewers,
	"POST /account/tokens/:id/revoke":                        tokenOwner,
	// The staff workspace (app/staff): a program the persona may not view
	// is a 404; viewing without edit or export rights a 403.
	"GET /staff":                                         signedIn,
	"GET /staff/programs/:slug/participants":             progViewers,
	"GET /staff/programs/:slug/participants.csv":         progExporters,
	"POST /staff/programs/:slug/participants/bulk":       progEditors,
	"GET /staff/programs/:slug/participants/:id":         progViewers,
	"POST /staff/programs/:slug/participants/:id/status": progEditors,
	"POST /staff/programs/:slug/participants/:id/notes":  progEditors,
	// Members choose (app/matching).
	"GET /programs/:slug/mentor":                     requestMember,
	"POST /programs/:slug/mentor/requests":           requestMember,
	"GET /programs/:slug/requests":                   requestMember,
	"POST /programs/:slug/requests/prefs":            requestMember,
	"POST /programs/:slug/requests/:id/accept":       requestMember,
	"POST /programs/:slug/requests/:id/decline":      requestMember,
	"GET /staff/programs/:slug/requests":             pairManagers,
	"POST /staff/programs/:slug/requests/:id/cancel": pairManagers,
}

func (a access) allows(persona string) bool {
	switch a {
	case everyone:
		return true
	case signedIn:
		return persona != anonymous
	case admins:
		return persona == admin
	case owner:
		return persona == member
	case ownerOrViewers:
		// The reviewer and coordinator hold program roles in the demo
		// program, staff and admins see every program; the other member
		// sees nothing.
		return persona != anonymous && persona != otherMember
	case pairManagers:
		return persona == coordinator || persona == staff || persona == admin
	case viewers:
		return persona == reviewer || persona == coordinator || persona == staff || persona == admin
	case tokenOwner:
		return persona == staff
	case progViewers:
		return persona == reviewer || persona == coordinator || persona == staff || persona == admin
	case progEditors:
		return persona == coordinator || persona == staff || persona == admin
	case progExporters:
		return persona == staff || persona == admin
	case metricsBearer:
		return false // the token is checked in app/metrics's tests
	}
	return false
}

// world is an app with every optional route switched on (SSO, email codes,
// development sign-in and outbox) and one person per persona.
type world struct {
	store        *db.Store
	srv          *web.Server
	ids          map[string]int64
	asset        string
	mailID       int64
	programID    int64
	overrideID   int64
	enrollmentID int64
	uploadID     int64
	pairID       int64
	tokenID      int64
}

func newWorld(t *testing.T, s *db.Store) *world {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Seed(ctx, s, demo.Options{Participants: 3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	prog, err := s.ProgramBySlug(ctx, demo.ProgramSlug)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{store: s, ids: map[string]int64{}}
	for _, p := range []string{otherMember, reviewer, coordinator} {
		if err := s.CreatePerson(ctx, &db.Person{Email: personaEmail[p], Name: p}); err != nil {
			t.Fatal(err)
		}
	}
	for p, email := range personaEmail {
		person, err := s.PersonByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		w.ids[p] = person.ID
	}
	if err := s.SetProgramRole(ctx, w.ids[reviewer], prog.ID, "reviewer", w.ids[admin]); err != nil {
		t.Fatal(err)
	}
	if err := s.SetProgramRole(ctx, w.ids[coordinator], prog.ID, "coordinator", w.ids[admin]); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPermissionOverride(ctx, w.ids[coordinator], prog.ID, "participants.export", false, w.ids[admin]); err != nil {
		t.Fatal(err)
	}
	ovs, err := s.PermissionOverrides(ctx, w.ids[coordinator])
	if err != nil || len(ovs) != 1 {
		t.Fatalf("overrides = %v, %v", ovs, err)
	}
	w.programID, w.overrideID = prog.ID, ovs[0].ID
	// The member's enrollment in the demo program, with an uploaded file:
	// the objects of the object-level rows.
	e, _, err := s.StartEnrollment(ctx, prog.ID, w.ids[member], "Mel")
	if err != nil {
		t.Fatal(err)
	}
	uploads := t.TempDir()
	if err := os.WriteFile(filepath.Join(uploads, "f0f0f0"), []byte("%PDF-1.4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	up := &db.Upload{EnrollmentID: e.ID, PersonID: w.ids[member], FieldKey: "proof", Filename: "p.pdf", ContentType: "application/pdf", Size: 9, StorageName: "f0f0f0"}
	if err := s.CreateUpload(ctx, up); err != nil {
		t.Fatal(err)
	}
	w.enrollmentID, w.uploadID = e.ID, up.ID
	// A proposed pair of two seeded participants, and an API token of the
	// staff persona: the objects of the pair and token rows.
	seeded, err := s.Pairables(ctx, db.PairableQuery{ProgramID: prog.ID, Statuses: []string{db.StatusSubmitted, db.StatusApproved, db.StatusWaitlisted}})
	if err != nil || len(seeded) < 2 {
		t.Fatalf("seeded enrollments = %d, %v", len(seeded), err)
	}
	pair := &db.Pair{ProgramID: prog.ID, MentorEnrollmentID: seeded[0].ID, MenteeEnrollmentID: seeded[1].ID, Status: db.PairProposed}
	if err := s.CreatePair(ctx, pair); err != nil {
		t.Fatal(err)
	}
	_, tok, err := s.CreateAPIToken(ctx, w.ids[staff], "matrix")
	if err != nil {
		t.Fatal(err)
	}
	w.pairID, w.tokenID = pair.ID, tok.ID
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	w.srv = apptest.New(t, s, map[string]string{
		"OIDC_ISSUER": m.Issuer(), "OIDC_CLIENT_ID": m.ClientID, "OIDC_CLIENT_SECRET": m.ClientSecret,
		"UPLOAD_DIR": uploads, "METRICS_TOKEN": "matrix-metrics-token-0123456789abcdef",
	})
	home := apptest.NewClient(t, w.srv).Get("/")
	w.asset = regexp.MustCompile(`/static/css/app\.[0-9a-f]+\.css`).FindString(home.Body)
	// One outbox message, so /dev/outbox/:id has something to open.
	c := apptest.NewClient(t, w.srv)
	c.Get("/signin")
	c.PostForm("/signin/email", map[string][]string{"email": {"member@example.com"}})
	var id int64
	if err := s.DB().NewRaw("SELECT MAX(id) FROM mail_outbox").Scan(ctx, &id); err != nil || id == 0 {
		t.Fatalf("no outbox message: %v", err)
	}
	w.mailID = id
	return w
}

// restore undoes what earlier admin routes of the matrix did to the world
// that later routes depend on: removing the coordinator's program role, and
// saving the demo program's flags with none checked (pairing off).
func (w *world) restore(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if err := w.store.SetProgramRole(ctx, w.ids[coordinator], w.programID, "coordinator", w.ids[admin]); err != nil {
		t.Fatal(err)
	}
	prog, err := w.store.ProgramByID(ctx, w.programID)
	if err != nil {
		t.Fatal(err)
	}
	prog.Settings.Flags = map[string]bool{"pairing": true, "renewal": true}
	if err := w.store.UpdateProgram(ctx, prog); err != nil {
		t.Fatal(err)
	}
}

// path fills a route's parameters with real ids: people pages point at the
// member (so "another member" cannot reach "member" through them either);
// the role and override removals at the coordinator's real ones.
func (w *world) path(route string) string {
	person := w.ids[member]
	if strings.Contains(route, ":programID") || strings.Contains(route, ":overrideID") {
		person = w.ids[coordinator]
	}
	r := strings.NewReplacer(
		"/static/*", w.asset,
		":id", fmt.Sprint(person),
		":programID", fmt.Sprint(w.programID),
		":overrideID", fmt.Sprint(w.overrideID),
		":name", "housekeeping",
		":slug", demo.ProgramSlug,
	)
	switch {
	case strings.HasPrefix(route, "/admin/programs/:slug/form"):
		// The designer's first step and question (both exist in the demo form).
		return strings.NewReplacer(":slug", demo.ProgramSlug, ":i", "0", ":j", "0", ":b", "0", ":list", "all", ":k", "0").Replace(route)
	case strings.HasPrefix(route, "/admin/mail/"):
		return strings.Replace(route, ":id", fmt.Sprint(w.mailID), 1)
	case strings.HasPrefix(route, "/dev/outbox/"):
		return fmt.Sprintf("/dev/outbox/%d", w.mailID)
	case strings.HasPrefix(route, "/enrollments/:id"):
		return strings.NewReplacer(":id", fmt.Sprint(w.enrollmentID), ":step", "about").Replace(route)
	case strings.HasPrefix(route, "/uploads/"):
		return fmt.Sprintf("/uploads/%d", w.uploadID)
	case strings.HasPrefix(route, "/programs/:slug"):
		return strings.Replace(route, ":slug", demo.ProgramSlug, 1)
	case strings.HasPrefix(route, "/staff/pairs/"), strings.HasPrefix(route, "/api/v1/pairs/"):
		return strings.Replace(route, ":id", fmt.Sprint(w.pairID), 1)
	case strings.Contains(route, "/participants/:id"):
		return strings.NewReplacer(":slug", demo.ProgramSlug, ":id", fmt.Sprint(w.enrollmentID)).Replace(route)
	case strings.HasPrefix(route, "/account/tokens/"):
		return strings.Replace(route, ":id", fmt.Sprint(w.tokenID), 1)
	}
	return r.Replace(route)
}

func (w *world) client(t *testing.T, persona string) *apptest.Client {
	c := apptest.NewClient(t, w.srv)
	c.Get("/")
	if persona != anonymous {
		c.SignInAs(personaEmail[persona])
	}
	return c
}

// routes lists the app's routes as "METHOD /path", without middleware-only
// entries and HEAD twins.
func routes(srv *web.Server) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range srv.App().GetRoutes(true) {
		if r.Method == http.MethodHead || r.Method == "USE" {
			continue
		}
		key := r.Method + " " + r.Path
		if !seen[key] {
			seen[key] = true
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}

// denied reports whether a response refused the persona: 401, 403, or 404
// (an object the persona may not see does not exist for them).
func denied(res *apptest.Response) bool {
	switch res.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return true
	}
	return false
}

func TestAuthorizationMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		all := routes(w.srv)
		for _, route := range all {
			if _, ok := matrix[route]; !ok {
				t.Errorf("route %q is not in the authorization matrix: decide who may use it", route)
			}
		}
		for route := range matrix {
			if !contains(all, route) {
				t.Errorf("matrix lists %q, which the app does not register", route)
			}
		}
		for _, route := range all {
			want, ok := matrix[route]
			if !ok {
				continue
			}
			method, path, _ := strings.Cut(route, " ")
			w.restore(t)
			var undoPair *db.Pair
			for _, p := range personas {
				t.Run(route+"/"+p, func(t *testing.T) {
					if route == "POST /staff/pairs/:id/undo" {
						// An allowed undo deletes the pair: the next persona
						// needs one again.
						if orig, err := s.PairByID(context.Background(), w.pairID); err == nil {
							undoPair = orig
						} else if undoPair != nil {
							again := &db.Pair{ProgramID: undoPair.ProgramID, MentorEnrollmentID: undoPair.MentorEnrollmentID,
								MenteeEnrollmentID: undoPair.MenteeEnrollmentID, Status: db.PairProposed}
							if err := s.CreatePair(context.Background(), again); err != nil {
								t.Fatal(err)
							}
							w.pairID = again.ID
						}
					}
					c := w.client(t, p)
					req := httptest.NewRequest(method, w.path(path), strings.NewReader("_csrf="+c.CSRF))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					res := c.Do(req)
					if res.StatusCode >= 500 {
						t.Fatalf("%s as %s: %d", route, p, res.StatusCode)
					}
					if got := !denied(res); got != want.allows(p) {
						t.Fatalf("%s as %s: status %d (Location %q); allowed=%v, want %v",
							route, p, res.StatusCode, res.Header.Get("Location"), got, want.allows(p))
					}
				})
			}
		}
	})
}

// Every state-changing route refuses a request without a CSRF token — even
// from a signed-in admin, so the refusal is CSRF's and not authorization's.
func TestEveryStateChangeNeedsCSRF(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		n := 0
		for _, route := range routes(w.srv) {
			method, path, _ := strings.Cut(route, " ")
			if method == http.MethodGet || method == http.MethodOptions {
				continue
			}
			n++
			for _, p := range []string{anonymous, admin} {
				c := w.client(t, p)
				for name, body := range map[string]string{"no token": "", "forged token": "_csrf=" + strings.Repeat("A", 43)} {
					req := httptest.NewRequest(method, w.path(path), strings.NewReader(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					res := c.Do(req)
					if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "expired or came from another site") {
						t.Errorf("%s as %s with %s: %d, want the CSRF refusal", route, p, name, res.StatusCode)
					}
				}
			}
		}
		if n < 10 {
			t.Fatalf("only %d state-changing routes found; the enumeration is broken", n)
		}
	})
}

// Every cookie the app sets, across sign-in by each method and sign-out, is
// a __Host- cookie with Secure, HttpOnly, SameSite=Lax and Path=/.
func TestEveryCookieHasSafeFlags(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		var raw []string
		for _, p := range personas {
			c := w.client(t, p)
			c.Get("/auth/oidc/login")
			c.Get("/signin")
			c.PostForm("/logout", nil)
			raw = append(raw, c.SetCookies...)
		}
		if len(raw) < 10 {
			t.Fatalf("only %d cookies seen", len(raw))
		}
		for _, ck := range raw {
			lower := strings.ToLower(ck)
			if !strings.HasPrefix(ck, "__Host-") || strings.Contains(lower, "domain=") {
				t.Errorf("cookie is not a __Host- cookie: %s", ck)
			}
			for _, flag := range []string{"; secure", "; httponly", "; samesite=lax", "; path=/"} {
				if !strings.Contains(lower, flag) {
					t.Errorf("cookie lacks %q: %s", flag, ck)
				}
			}
		}
	})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// A program role is good for its program only: the demo program's reviewer
// and coordinator asking for another program's staff pages and API get
// nothing, while staff and admins (every program) get through.
func TestProgramRolesStayInTheirProgram(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		other := &db.Program{Slug: "other-program", Name: "Other", Kind: db.KindMentoring, FormKey: "mentoring",
			Settings: db.ProgramSettings{Flags: map[string]bool{"pairing": true}}}
		if err := s.CreateProgram(context.Background(), other); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, route := range routes(w.srv) {
			method, path, _ := strings.Cut(route, " ")
			if !strings.Contains(path, ":slug") || strings.Contains(path, ":id") ||
				!(strings.HasPrefix(path, "/staff/") || strings.HasPrefix(path, "/api/")) {
				continue
			}
			n++
			target := strings.Replace(path, ":slug", other.Slug, 1)
			for _, p := range []string{reviewer, coordinator, staff, admin} {
				t.Run(route+"/"+p, func(t *testing.T) {
					c := w.client(t, p)
					req := httptest.NewRequest(method, target, strings.NewReader("_csrf="+c.CSRF))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					res := c.Do(req)
					wantDenied := p == reviewer || p == coordinator
					if denied(res) != wantDenied {
						t.Fatalf("%s %s as %s (roles in %s only): %d, denied=%v, want %v",
							method, target, p, demo.ProgramSlug, res.StatusCode, denied(res), wantDenied)
					}
				})
			}
		}
		if n < 5 {
			t.Fatalf("only %d program-scoped routes found", n)
		}
	})
}
