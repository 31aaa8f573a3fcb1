package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"cohort/app/api"
	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/features"
	"cohort/app/web"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const morning = 0x000FF0

type fixture struct {
	store   *db.Store
	srv     *web.Server
	prog    *db.Program
	other   *db.Program
	people  map[string]*db.Person
	enrolls map[string]*db.Enrollment
	tokens  map[string]string // person key → token
}

// setup: the demo accounts; in the demo program Sam (mentor, manages
// Ana), Dee (mentor), Ana, Bo and Cy (mentees; Cy a draft); in another
// program Out. People with roles: a reviewer and a coordinator of the demo
// program, an outsider coordinating the other program; each of them, the
// staff account and the member has a token.
func setup(t *testing.T, store *db.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Seed(ctx, store, demo.Options{Participants: 0, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: store, people: map[string]*db.Person{}, enrolls: map[string]*db.Enrollment{}, tokens: map[string]string{}}
	var err error
	if f.prog, err = store.ProgramBySlug(ctx, demo.ProgramSlug); err != nil {
		t.Fatal(err)
	}
	f.other = &db.Program{Slug: "other-mentoring", Name: "Other Mentoring", Kind: db.KindMentoring, FormKey: "mentoring",
		Settings: db.ProgramSettings{Flags: map[string]bool{features.Pairing: true}}}
	if err := store.CreateProgram(ctx, f.other); err != nil {
		t.Fatal(err)
	}
	type row struct {
		key, name, status string
		mentor            bool
		org, manager      string
		interests         []string
		prog              *db.Program
	}
	for _, r := range []row{
		{"sam", "Sam", db.StatusApproved, true, "engineering", "", []string{"leadership"}, f.prog},
		{"dee", "Dee", db.StatusSubmitted, true, "design", "", []string{"career growth"}, f.prog},
		{"ana", "Ana", db.StatusApproved, false, "engineering", "sam@example.org", []string{"leadership"}, f.prog},
		{"bo", "Bo", db.StatusApproved, false, "Product", "", []string{"Career growth"}, f.prog},
		{"cy", "Cy", db.StatusDraft, false, "data", "", nil, f.prog},
		{"out", "Out", db.StatusApproved, false, "data", "", nil, f.other},
	} {
		p := &db.Person{Email: r.key + "@example.org", Name: r.name}
		if err := store.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		e := &db.Enrollment{ProgramID: r.prog.ID, PersonID: p.ID, Status: r.status, FullName: r.name,
			IsMentor: r.mentor, IsMentee: !r.mentor, AvailMask: morning, Org: r.org, ManagerEmail: r.manager, TimeZone: "UTC"}
		side := db.SideMentee
		if r.mentor {
			side = db.SideMentor
		}
		for _, in := range r.interests {
			e.Interests = append(e.Interests, db.EnrollmentInterest{Side: side, Interest: in})
		}
		if err := store.CreateEnrollments(ctx, []*db.Enrollment{e}); err != nil {
			t.Fatal(err)
		}
		f.people[r.key], f.enrolls[r.key] = p, e
	}
	for _, r := range []struct{ key, role string }{{"reviewer", "reviewer"}, {"coordinator", "coordinator"}, {"outsider", "coordinator"}} {
		p := &db.Person{Email: r.key + "@example.org", Name: r.key}
		if err := store.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		progID := f.prog.ID
		if r.key == "outsider" {
			progID = f.other.ID
		}
		if err := store.SetProgramRole(ctx, p.ID, progID, r.role, 0); err != nil {
			t.Fatal(err)
		}
		f.people[r.key] = p
	}
	for _, email := range []string{demo.StaffEmail, demo.MemberEmail} {
		p, err := store.PersonByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		f.people[strings.Split(email, "@")[0]] = p
	}
	for _, key := range []string{"reviewer", "coordinator", "outsider", "staff", "member"} {
		token, _, err := store.CreateAPIToken(ctx, f.people[key].ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[key] = token
	}
	f.srv = apptest.New(t, store, nil)
	return f
}

// result is a JSON response.
type result struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// call sends a request as an API client does: no cookies, the token (if
// any) in Authorization, a JSON body.
func (f *fixture) call(t *testing.T, method, path, authorization string, body any) result {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = strings.NewReader(string(b))
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := f.srv.App().Test(req, 10000)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	out := result{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &out.body); err != nil {
		t.Fatalf("%s %s: not JSON (%d): %s", method, path, res.StatusCode, raw)
	}
	if tok, ok := strings.CutPrefix(authorization, "Bearer "); ok && tok != "" && res.Header.Get("Set-Cookie") != "" {
		t.Errorf("%s %s: an API client without cookies was sent a cookie", method, path)
	}
	return out
}

func (f *fixture) as(key string) string { return "Bearer " + f.tokens[key] }

func (f *fixture) eid(key string) int64 { return f.enrolls[key].ID }

// errorShape checks the one JSON error shape and returns the code.
func errorShape(t *testing.T, r result) string {
	t.Helper()
	e, ok := r.body["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object: %s", r.raw)
	}
	code, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	rid, _ := e["request_id"].(string)
	if code == "" || msg == "" || rid == "" || rid != r.header.Get("X-Request-ID") {
		t.Fatalf("error shape: %s", r.raw)
	}
	return code
}

func TestAuthentication(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		ctx := context.Background()
		f := setup(t, store)
		revoked, tok, err := store.CreateAPIToken(ctx, f.people["coordinator"].ID, "old")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.RevokeAPIToken(ctx, f.people["coordinator"].ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		disabled, _, err := store.CreateAPIToken(ctx, f.people["dee"].ID, "x")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.DB().NewRaw("UPDATE people SET status = 'disabled' WHERE id = ?", f.people["dee"].ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name, authorization string
			status              int
			code                string
		}{
			{"no token", "", 401, "unauthorized"},
			{"unknown token", "Bearer cohort_nope", 401, "unauthorized"},
			{"empty bearer", "Bearer ", 401, "unauthorized"},
			{"basic auth", "Basic dTpw", 401, "unauthorized"},
			{"revoked token", "Bearer " + revoked, 401, "unauthorized"},
			{"disabled owner", "Bearer " + disabled, 401, "unauthorized"},
			{"member: views nothing", f.as("member"), 403, "forbidden"},
			{"reviewer", f.as("reviewer"), 200, ""},
			{"scheme in lower case", "bearer " + f.tokens["reviewer"], 200, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := f.call(t, "GET", "/api/v1/programs", tt.authorization, nil)
				if r.status != tt.status {
					t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.raw)
				}
				if tt.code != "" && errorShape(t, r) != tt.code {
					t.Fatalf("code: %s", r.raw)
				}
				if tt.status == 401 && r.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				if r.header.Get("Cache-Control") != "no-store" {
					t.Error("API response may be cached")
				}
			})
		}
		// Use is recorded.
		if got, _ := store.APITokenByToken(ctx, f.tokens["reviewer"]); got.LastUsedAt == nil {
			t.Error("last use not recorded")
		}
		// Unknown API paths answer in JSON too.
		if r := f.call(t, "GET", "/api/v1/nothing-here", f.as("staff"), nil); r.status != 404 || errorShape(t, r) != "not_found" {
			t.Fatalf("unknown path: %d %s", r.status, r.raw)
		}
	})
}

// A token acts with exactly its owner's permissions.
func TestTokenPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		slug := f.prog.Slug
		newPair := map[string]any{"mentor_id": f.eid("dee"), "mentee_id": f.eid("bo"), "status": "proposed"}
		type req struct {
			method, path string
			body         any
		}
		reqs := map[string]req{
			"programs":     {"GET", "/api/v1/programs", nil},
			"participants": {"GET", "/api/v1/programs/" + slug + "/participants", nil},
			"participant":  {"GET", fmt.Sprintf("/api/v1/participants/%d", f.eid("bo")), nil},
			"suggestions":  {"GET", fmt.Sprintf("/api/v1/participants/%d/suggestions", f.eid("bo")), nil},
			"pairs":        {"GET", "/api/v1/programs/" + slug + "/pairs", nil},
			"create":       {"POST", "/api/v1/programs/" + slug + "/pairs", newPair},
		}
		order := []string{"programs", "participants", "participant", "suggestions", "pairs", "create"}
		tests := []struct {
			who  string
			want map[string]int
		}{
			{"member", map[string]int{"programs": 403, "participants": 403, "participant": 403, "suggestions": 403, "pairs": 403, "create": 403}},
			{"outsider", map[string]int{"programs": 200, "participants": 404, "participant": 404, "suggestions": 404, "pairs": 404, "create": 404}},
			{"reviewer", map[string]int{"programs": 200, "participants": 200, "participant": 200, "suggestions": 403, "pairs": 200, "create": 403}},
			{"coordinator", map[string]int{"programs": 200, "participants": 200, "participant": 200, "suggestions": 200, "pairs": 200, "create": 201}},
		}
		for _, tt := range tests {
			t.Run(tt.who, func(t *testing.T) {
				for _, name := range order {
					rq := reqs[name]
					r := f.call(t, rq.method, rq.path, f.as(tt.who), rq.body)
					if r.status != tt.want[name] {
						t.Errorf("%s %s = %d, want %d: %s", rq.method, rq.path, r.status, tt.want[name], r.raw)
					}
					if r.status >= 400 {
						errorShape(t, r)
					}
				}
			})
		}
		// The programs each sees, with their permissions there.
		r := f.call(t, "GET", "/api/v1/programs", f.as("reviewer"), nil)
		progs := r.body["programs"].([]any)
		if len(progs) != 1 || progs[0].(map[string]any)["slug"] != slug || fmt.Sprint(progs[0].(map[string]any)["permissions"]) != "[participants.view]" {
			t.Errorf("reviewer's programs: %s", r.raw)
		}
		r = f.call(t, "GET", "/api/v1/programs", f.as("staff"), nil)
		if n := len(r.body["programs"].([]any)); n < 4 {
			t.Errorf("staff sees %d programs, want every one: %s", n, r.raw)
		}
	})
}

func TestPairsThroughTheAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		ctx := context.Background()
		f := setup(t, store)
		pairsURL := "/api/v1/programs/" + f.prog.Slug + "/pairs"
		coord := f.as("coordinator")

		// Refused with every reason, in the error shape.
		r := f.call(t, "POST", pairsURL, coord, map[string]any{"mentor_id": f.eid("sam"), "mentee_id": f.eid("ana")})
		if r.status != 422 || errorShape(t, r) != "invalid" || !strings.Contains(r.raw, "Sam is Ana's manager") {
			t.Fatalf("manager pair = %d: %s", r.status, r.raw)
		}
		if refs := r.body["error"].(map[string]any)["refusals"].([]any); len(refs) != 1 || refs[0].(map[string]any)["code"] != "manager" {
			t.Fatalf("refusals: %s", r.raw)
		}
		for _, tt := range []struct {
			name   string
			body   any
			status int
		}{
			{"draft mentee", map[string]any{"mentor_id": f.eid("dee"), "mentee_id": f.eid("cy")}, 422},
			{"another program's mentee", map[string]any{"mentor_id": f.eid("dee"), "mentee_id": f.eid("out")}, 404},
			{"missing ids", map[string]any{}, 422},
			{"bad status", map[string]any{"mentor_id": f.eid("dee"), "mentee_id": f.eid("bo"), "status": "ended"}, 422},
			{"not JSON", "nope", 422},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := f.call(t, "POST", pairsURL, coord, tt.body)
				if r.status != tt.status {
					t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.raw)
				}
				errorShape(t, r)
			})
		}
		// Made: active by default, with names, score and explanation.
		r = f.call(t, "POST", pairsURL, coord, map[string]any{"mentor_id": f.eid("dee"), "mentee_id": f.eid("bo")})
		if r.status != 201 {
			t.Fatalf("create = %d: %s", r.status, r.raw)
		}
		pair := r.body["pair"].(map[string]any)
		if pair["status"] != "active" || pair["mentor"].(map[string]any)["name"] != "Dee" || pair["explanation"] == "" || pair["started_at"] == nil {
			t.Fatalf("pair: %s", r.raw)
		}
		id := int64(pair["id"].(float64))
		evs, _ := store.ListAudit(ctx, db.AuditQuery{Action: "pair.create"})
		if len(evs) != 1 || evs[0].Details["source"] != "api" || *evs[0].ActorID != f.people["coordinator"].ID {
			t.Fatalf("audit: %+v", evs)
		}
		// Listed, and on the participant.
		r = f.call(t, "GET", pairsURL+"?status=active", f.as("reviewer"), nil)
		if list := r.body["pairs"].([]any); len(list) != 1 || r.body["next_cursor"] != nil {
			t.Fatalf("pairs: %s", r.raw)
		}
		r = f.call(t, "GET", fmt.Sprintf("/api/v1/participants/%d", f.eid("bo")), f.as("reviewer"), nil)
		if p := r.body["participant"].(map[string]any); len(p["pairs"].([]any)) != 1 || p["email"] != "bo@example.org" {
			t.Fatalf("participant: %s", r.raw)
		}
		// Ending: a reviewer may not; a reason is required; twice is 409.
		endURL := fmt.Sprintf("/api/v1/pairs/%d/end", id)
		if r := f.call(t, "POST", endURL, f.as("reviewer"), map[string]any{"reason": "x"}); r.status != 403 {
			t.Fatalf("reviewer end = %d", r.status)
		}
		if r := f.call(t, "POST", endURL, f.as("outsider"), map[string]any{"reason": "x"}); r.status != 404 {
			t.Fatalf("outsider end = %d", r.status)
		}
		if r := f.call(t, "POST", endURL, coord, map[string]any{"reason": " "}); r.status != 422 || !strings.Contains(r.raw, "Say why") {
			t.Fatalf("end without reason = %d %s", r.status, r.raw)
		}
		r = f.call(t, "POST", endURL, coord, map[string]any{"reason": "finished"})
		if r.status != 200 || r.body["pair"].(map[string]any)["status"] != "ended" || r.body["pair"].(map[string]any)["end_reason"] != "finished" {
			t.Fatalf("end = %d %s", r.status, r.raw)
		}
		if r := f.call(t, "POST", endURL, coord, map[string]any{"reason": "again"}); r.status != 409 || errorShape(t, r) != "conflict" {
			t.Fatalf("end twice = %d %s", r.status, r.raw)
		}
		if r := f.call(t, "POST", "/api/v1/pairs/999999/end", coord, map[string]any{"reason": "x"}); r.status != 404 {
			t.Fatalf("end missing = %d", r.status)
		}
		// Paired before: refused now.
		r = f.call(t, "POST", pairsURL, coord, map[string]any{"mentor_id": f.eid("dee"), "mentee_id": f.eid("bo")})
		if r.status != 422 || !strings.Contains(r.raw, "were paired before") {
			t.Fatalf("repeat = %d %s", r.status, r.raw)
		}
		// Suggestions explain themselves.
		r = f.call(t, "GET", fmt.Sprintf("/api/v1/participants/%d/suggestions", f.eid("ana")), coord, nil)
		sug := r.body["suggestions"].([]any)
		if r.status != 200 || r.body["as"] != "mentee" || len(sug) != 1 || sug[0].(map[string]any)["mentor"].(map[string]any)["name"] != "Dee" ||
			len(sug[0].(map[string]any)["parts"].([]any)) != 5 {
			t.Fatalf("suggestions: %s", r.raw)
		}
		if r := f.call(t, "GET", fmt.Sprintf("/api/v1/participants/%d/suggestions?as=mentor", f.eid("ana")), coord, nil); r.status != 422 {
			t.Fatalf("suggestions as a side not enrolled = %d", r.status)
		}
	})
}

func TestParticipantFiltersAndPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		base := "/api/v1/programs/" + f.prog.Slug + "/participants"
		names := func(r result) string {
			var out []string
			for _, p := range r.body["participants"].([]any) {
				out = append(out, p.(map[string]any)["name"].(string))
			}
			return strings.Join(out, ",")
		}
		// The staff table's filters and order: by name, drafts included
		// unless a status is asked for, organizations as stored, words
		// matched as prefixes.
		tests := []struct {
			query, want string
		}{
			{"", "Ana,Bo,Cy,Dee,Sam"},
			{"?status=draft", "Cy"},
			{"?status=submitted", "Dee"},
			{"?status=approved&status=submitted", "Ana,Bo,Dee,Sam"},
			{"?role=mentor", "Dee,Sam"},
			{"?role=mentee", "Ana,Bo,Cy"},
			{"?role=learner", "Ana,Bo,Cy"},
			{"?org=Product", "Bo"},
			{"?org=engineering&org=design", "Ana,Dee,Sam"},
			{"?interest=Leadership", "Ana,Sam"},
			{"?q=SA", "Sam"},
			{"?q=" + url.QueryEscape("exam") + "&role=mentee&org=engineering", "Ana"},
			{"?sort=name&dir=desc", "Sam,Dee,Cy,Bo,Ana"},
			{"?sort=org", "Bo,Cy,Dee,Sam,Ana"},
			{"?avail=4&avail=11&status=approved", "Ana,Bo,Sam"},
			{"?avail=12", ""},
			{"?tz_min=0&tz_max=0&paired=no&role=mentor", "Dee,Sam"},
		}
		for _, tt := range tests {
			t.Run(tt.query, func(t *testing.T) {
				r := f.call(t, "GET", base+tt.query, f.as("reviewer"), nil)
				if r.status != 200 || names(r) != tt.want {
					t.Fatalf("%s = %d %q, want %q: %s", tt.query, r.status, names(r), tt.want, r.raw)
				}
			})
		}
		// Pages of two, following next_cursor to the end.
		var got []string
		next := base + "?limit=2"
		for pages := 0; next != ""; pages++ {
			if pages > 3 {
				t.Fatal("pagination does not end")
			}
			r := f.call(t, "GET", next, f.as("reviewer"), nil)
			if r.status != 200 {
				t.Fatalf("page: %d %s", r.status, r.raw)
			}
			got = append(got, names(r))
			next = ""
			if c, ok := r.body["next_cursor"].(string); ok {
				next = base + "?limit=2&cursor=" + url.QueryEscape(c)
			}
		}
		if strings.Join(got, "|") != "Ana,Bo|Cy,Dee|Sam" {
			t.Fatalf("pages = %v", got)
		}
		one := f.call(t, "GET", base+"?q=ana", f.as("reviewer"), nil).body["participants"].([]any)[0].(map[string]any)
		if fmt.Sprint(one["roles"]) != "[mentee]" || len(one["available_hours_utc"].([]any)) != 8 ||
			fmt.Sprint(one["interests"].(map[string]any)["mentee"]) != "[leadership]" || one["manager_email"] != "sam@example.org" ||
			one["paired"] != false {
			t.Errorf("participant JSON: %v", one)
		}
		for _, q := range []string{"?role=boss", "?status=gone", "?limit=0", "?limit=201", "?cursor=%%%", "?cursor=bm9wZQ"} {
			if r := f.call(t, "GET", base+q, f.as("reviewer"), nil); r.status != 400 || errorShape(t, r) != "invalid" {
				t.Errorf("%s = %d %s", q, r.status, r.raw)
			}
		}
	})
}

// Bearer requests carry no cookies and skip CSRF; a session's API POST
// still needs the CSRF token, and a bearer request that also carries
// cookies is checked like a browser's.
func TestCSRFAndSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		pairsURL := "/api/v1/programs/" + f.prog.Slug + "/pairs"
		body := `{"mentor_id":` + fmt.Sprint(f.eid("dee")) + `,"mentee_id":` + fmt.Sprint(f.eid("bo")) + `,"status":"proposed"}`
		c := apptest.NewClient(t, f.srv)
		c.SignInAs(demo.StaffEmail)
		post := func(withCSRF bool, authorization string) *apptest.Response {
			req := httptest.NewRequest("POST", pairsURL, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if withCSRF {
				req.Header.Set(web.CSRFHeader, c.CSRF)
			}
			if authorization != "" {
				req.Header.Set("Authorization", authorization)
			}
			return c.Do(req)
		}
		if res := c.Get("/api/v1/programs"); res.StatusCode != 200 {
			t.Fatalf("session GET = %d", res.StatusCode)
		}
		if res := post(false, ""); res.StatusCode != 403 || !strings.Contains(res.Body, "expired or came from another site") {
			t.Fatalf("session POST without CSRF = %d %s", res.StatusCode, res.Body)
		}
		if res := post(false, f.as("coordinator")); res.StatusCode != 403 {
			t.Fatalf("bearer POST with cookies and no CSRF = %d, want the CSRF refusal", res.StatusCode)
		}
		res := post(true, "")
		if res.StatusCode != 201 || !strings.Contains(res.Body, `"status":"proposed"`) {
			t.Fatalf("session POST with CSRF = %d %s", res.StatusCode, res.Body)
		}
		// A bad token is not rescued by the session.
		if res := c.Do(withAuth(httptest.NewRequest("GET", "/api/v1/programs", nil), "Bearer cohort_bad")); res.StatusCode != 401 {
			t.Fatalf("bad token with a good session = %d", res.StatusCode)
		}
		// The bearer client, no cookies: no CSRF needed.
		r := f.call(t, "POST", fmt.Sprintf("/api/v1/pairs/%d/end", proposedID(t, store)), f.as("coordinator"), map[string]any{"reason": "not now"})
		if r.status != 200 {
			t.Fatalf("bearer POST = %d %s", r.status, r.raw)
		}
	})
}

func withAuth(req *http.Request, a string) *http.Request {
	req.Header.Set("Authorization", a)
	return req
}

func proposedID(t *testing.T, store *db.Store) int64 {
	t.Helper()
	views, err := store.ListPairs(context.Background(), db.PairQuery{Status: db.PairProposed})
	if err != nil || len(views) != 1 {
		t.Fatalf("proposed pairs: %v %v", views, err)
	}
	return views[0].ID
}

// The OpenAPI document describes exactly the routes registered under
// /api/v1, method by method.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	param := regexp.MustCompile(`\{([a-z_]+)\}`)
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete":
				documented = append(documented, strings.ToUpper(method)+" "+param.ReplaceAllString(path, ":$1"))
			}
		}
	}
	store := dbtest.New(t, "sqlite")
	srv := apptest.New(t, store, nil)
	var registered []string
	for _, r := range srv.App().GetRoutes(true) {
		if strings.HasPrefix(r.Path, api.Prefix+"/") && r.Method != http.MethodHead && r.Method != "USE" {
			registered = append(registered, r.Method+" "+r.Path)
		}
	}
	sort.Strings(documented)
	sort.Strings(registered)
	registered = slices.Compact(registered)
	if strings.Join(documented, "\n") != strings.Join(registered, "\n") {
		t.Fatalf("openapi.json and the routes differ:\ndocumented:\n%s\nregistered:\n%s", strings.Join(documented, "\n"), strings.Join(registered, "\n"))
	}
	// And it is served.
	c := apptest.NewClient(t, srv)
	if res := c.Get("/api/openapi.json"); res.StatusCode != 200 || !strings.Contains(res.Body, `"openapi": "3.1.0"`) {
		t.Fatalf("GET /api/openapi.json = %d", res.StatusCode)
	}
}

func TestTokenPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		ctx := context.Background()
		f := setup(t, store)
		c := apptest.NewClient(t, f.srv)
		c.SignInAs("reviewer@example.org")
		if res := c.Get("/account/tokens"); res.StatusCode != 200 || !strings.Contains(res.Body, "Create a token") {
			t.Fatalf("tokens page = %d", res.StatusCode)
		}
		if res := c.PostForm("/account/tokens", url.Values{"name": {" "}}); res.StatusCode != 422 || !strings.Contains(res.Body, "Name the token") {
			t.Fatalf("nameless token = %d", res.StatusCode)
		}
		res := c.PostForm("/account/tokens", url.Values{"name": {"nightly report"}})
		token := regexp.MustCompile(`value="(cohort_[A-Za-z0-9_-]+)"`).FindStringSubmatch(res.Body)
		if res.StatusCode != 201 || token == nil || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create = %d (%s): %s", res.StatusCode, res.Header.Get("Cache-Control"), res.Body)
		}
		if page := c.Get("/account/tokens"); strings.Contains(page.Body, token[1]) || !strings.Contains(page.Body, "nightly report") {
			t.Fatal("the token is shown again, or not listed")
		}
		if r := f.call(t, "GET", "/api/v1/programs", "Bearer "+token[1], nil); r.status != 200 {
			t.Fatalf("new token = %d", r.status)
		}
		mine, _ := store.APITokensByPerson(ctx, f.people["reviewer"].ID)
		var id int64
		for _, tk := range mine {
			if tk.Name == "nightly report" {
				id = tk.ID
			}
		}
		// Someone else's token cannot be revoked from here.
		other := apptest.NewClient(t, f.srv)
		other.SignInAs("coordinator@example.org")
		if res := other.PostForm(fmt.Sprintf("/account/tokens/%d/revoke", id), nil); res.StatusCode != 404 {
			t.Fatalf("revoking another's token = %d", res.StatusCode)
		}
		if res := c.PostForm(fmt.Sprintf("/account/tokens/%d/revoke", id), nil); res.StatusCode != 303 {
			t.Fatalf("revoke = %d", res.StatusCode)
		}
		if r := f.call(t, "GET", "/api/v1/programs", "Bearer "+token[1], nil); r.status != 401 {
			t.Fatalf("revoked token = %d", r.status)
		}
		for _, action := range []string{api.ActionTokenCreate, api.ActionTokenRevoke} {
			evs, _ := store.ListAudit(ctx, db.AuditQuery{Action: action})
			if len(evs) != 1 || *evs[0].ActorID != f.people["reviewer"].ID || evs[0].Details["name"] != "nightly report" {
				t.Errorf("%s audit: %+v", action, evs)
			}
		}
		// People the API has nothing for cannot make tokens.
		m := apptest.NewClient(t, f.srv)
		m.SignInAs(demo.MemberEmail)
		if res := m.Get("/account/tokens"); res.StatusCode != 403 {
			t.Fatalf("member tokens page = %d", res.StatusCode)
		}
		if res := apptest.NewClient(t, f.srv).Get("/account/tokens"); res.StatusCode != 401 {
			t.Fatalf("anonymous tokens page = %d", res.StatusCode)
		}
	})
}
