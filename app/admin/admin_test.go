package admin_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"cohort/app/admin"
	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/web"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type fixture struct {
	store                *db.Store
	srv                  *web.Server
	admin, staff, member *db.Person
	program              int64
}

func setup(t *testing.T, store *db.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Seed(ctx, store, demo.Options{Participants: 5, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: store, srv: apptest.New(t, store, nil)}
	f.admin, f.staff, f.member = f.person(t, demo.AdminEmail), f.person(t, demo.StaffEmail), f.person(t, demo.MemberEmail)
	p, err := store.ProgramBySlug(ctx, demo.ProgramSlug)
	if err != nil {
		t.Fatal(err)
	}
	f.program = p.ID
	return f
}

func (f *fixture) person(t *testing.T, email string) *db.Person {
	t.Helper()
	p, err := f.store.PersonByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) client(t *testing.T, email string) *apptest.Client {
	t.Helper()
	c := apptest.NewClient(t, f.srv)
	if email != "" {
		c.SignInAs(email)
	}
	return c
}

func (f *fixture) events(t *testing.T) []*db.AuditEvent {
	t.Helper()
	evs, err := f.store.ListAudit(context.Background(), db.AuditQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func personURL(id int64) string { return "/admin/people/" + strconv.FormatInt(id, 10) }

func TestAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		paths := []string{"/admin", "/admin/people", "/admin/people?q=mel", personURL(f.member.ID), "/admin/audit"}
		tests := []struct {
			who      string
			email    string
			want     int
			wantBody string
		}{
			{"anonymous", "", 401, "Please sign in"},
			{"member", demo.MemberEmail, 403, "Not allowed"},
			{"staff", demo.StaffEmail, 403, "Not allowed"},
			{"admin", demo.AdminEmail, 200, ""},
		}
		t.Run("the guard covers /admin only", func(t *testing.T) {
			if res := f.client(t, "").Get("/administrator"); res.StatusCode != 404 {
				t.Errorf("GET /administrator = %d, want 404", res.StatusCode)
			}
		})
		t.Run("admin nav link only for admins", func(t *testing.T) {
			for email, want := range map[string]bool{demo.AdminEmail: true, demo.StaffEmail: false, demo.MemberEmail: false, "": false} {
				if got := strings.Contains(f.client(t, email).Get("/").Body, `href="/admin/people"`); got != want {
					t.Errorf("%q sees the admin link = %v", email, got)
				}
			}
		})
		for _, tt := range tests {
			t.Run(tt.who, func(t *testing.T) {
				c := f.client(t, tt.email)
				for _, path := range paths {
					want := tt.want
					if want == 200 && path == "/admin" {
						want = 303
					}
					res := c.Get(path)
					if res.StatusCode != want || !strings.Contains(res.Body, tt.wantBody) {
						t.Errorf("GET %s = %d, want %d with %q", path, res.StatusCode, want, tt.wantBody)
					}
				}
				before := len(f.events(t))
				res := c.PostForm(personURL(f.member.ID)+"/role", url.Values{"role": {"admin"}})
				if tt.want != 200 && res.StatusCode != tt.want {
					t.Errorf("POST role = %d, want %d", res.StatusCode, tt.want)
				}
				if tt.want != 200 {
					if p := f.person(t, demo.MemberEmail); p.Role != db.RoleMember {
						t.Fatalf("%s made member %s", tt.who, p.Role)
					}
					if len(f.events(t)) != before {
						t.Error("refused POST wrote an audit event")
					}
				}
			})
		}
	})
}

func TestNotFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		ctx := context.Background()
		if err := store.SetPermissionOverride(ctx, f.staff.ID, 0, "pairs.manage", true, 0); err != nil {
			t.Fatal(err)
		}
		staffOverrides, _ := store.PermissionOverrides(ctx, f.staff.ID)
		c := f.client(t, demo.AdminEmail)
		member := personURL(f.member.ID)
		tests := []struct {
			method, path string
		}{
			{"GET", "/admin/people/999999"},
			{"GET", "/admin/people/abc"},
			{"GET", "/admin/people/-1"},
			{"GET", "/admin/people/0"},
			{"POST", "/admin/people/999999/role"},
			{"POST", "/admin/people/x/status"},
			{"POST", "/admin/people/999999/program-roles"},
			{"POST", "/admin/people/999999/overrides"},
			{"POST", member + "/program-roles/" + strconv.FormatInt(f.program, 10) + "/delete"}, // holds none
			{"POST", member + "/program-roles/abc/delete"},
			{"POST", member + "/overrides/999999/delete"},
			{"POST", member + "/overrides/" + strconv.FormatInt(staffOverrides[0].ID, 10) + "/delete"}, // someone else's
		}
		for _, tt := range tests {
			t.Run(tt.method+" "+tt.path, func(t *testing.T) {
				var res *apptest.Response
				if tt.method == "GET" {
					res = c.Get(tt.path)
				} else {
					res = c.PostForm(tt.path, url.Values{"role": {"staff"}, "status": {"disabled"}})
				}
				if res.StatusCode != 404 {
					t.Fatalf("status %d, want 404", res.StatusCode)
				}
			})
		}
		if left, _ := store.PermissionOverrides(ctx, f.staff.ID); len(left) != 1 {
			t.Fatal("someone else's override was deleted")
		}
		if evs := f.events(t); len(evs) != 0 {
			t.Fatalf("404s wrote %d audit events", len(evs))
		}
	})
}

// TestChanges makes each kind of change through the pages and checks the
// redirect, the stored state and the audit event with its actor.
func TestChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		ctx := context.Background()
		c := f.client(t, demo.AdminEmail)
		mel := personURL(f.member.ID)
		prog := strconv.FormatInt(f.program, 10)
		overrideID := func() string {
			rows, err := store.PermissionOverrides(ctx, f.member.ID)
			if err != nil || len(rows) == 0 {
				t.Fatalf("overrides: %v %v", rows, err)
			}
			return strconv.FormatInt(rows[0].ID, 10)
		}
		tests := []struct {
			name    string
			path    func() string
			form    url.Values
			action  string
			details map[string]any
			check   func(t *testing.T)
		}{
			{"grant staff", func() string { return mel + "/role" }, url.Values{"role": {"staff"}}, admin.ActionRole,
				map[string]any{"old": "", "new": "staff", "new_effective": "staff"},
				func(t *testing.T) {
					if p := f.person(t, demo.MemberEmail); p.Role != db.RoleStaff {
						t.Errorf("role = %s", p.Role)
					}
				}},
			{"add program role", func() string { return mel + "/program-roles" }, url.Values{"program_id": {prog}, "program_role": {"reviewer"}}, admin.ActionProgramRole,
				map[string]any{"old": "", "new": "reviewer"},
				func(t *testing.T) {
					if roles, _ := store.ProgramRoles(ctx, f.member.ID); roles[f.program] != "reviewer" {
						t.Errorf("roles = %v", roles)
					}
				}},
			{"change program role", func() string { return mel + "/program-roles" }, url.Values{"program_id": {prog}, "program_role": {"owner"}}, admin.ActionProgramRole,
				map[string]any{"old": "reviewer", "new": "owner"},
				func(t *testing.T) {
					if roles, _ := store.ProgramRoles(ctx, f.member.ID); roles[f.program] != "owner" {
						t.Errorf("roles = %v", roles)
					}
				}},
			{"remove program role", func() string { return mel + "/program-roles/" + prog + "/delete" }, nil, admin.ActionProgramRole,
				map[string]any{"old": "owner", "new": ""},
				func(t *testing.T) {
					if roles, _ := store.ProgramRoles(ctx, f.member.ID); len(roles) != 0 {
						t.Errorf("roles = %v", roles)
					}
				}},
			{"revoke export in the program", func() string { return mel + "/overrides" },
				url.Values{"override_program": {prog}, "permission": {"participants.export"}, "effect": {"revoke"}}, admin.ActionOverride,
				map[string]any{"permission": "participants.export", "old": "", "new": "revoke"},
				func(t *testing.T) {
					rows, _ := store.PermissionOverrides(ctx, f.member.ID)
					if len(rows) != 1 || rows[0].Grant() || rows[0].ProgramID != f.program {
						t.Errorf("overrides = %+v", rows)
					}
				}},
			{"turn the revoke into a grant", func() string { return mel + "/overrides" },
				url.Values{"override_program": {prog}, "permission": {"participants.export"}, "effect": {"grant"}}, admin.ActionOverride,
				map[string]any{"old": "revoke", "new": "grant"},
				func(t *testing.T) {
					rows, _ := store.PermissionOverrides(ctx, f.member.ID)
					if len(rows) != 1 || !rows[0].Grant() {
						t.Errorf("overrides = %+v", rows)
					}
				}},
			{"remove the override", func() string { return mel + "/overrides/" + overrideID() + "/delete" }, nil, admin.ActionOverride,
				map[string]any{"permission": "participants.export", "old": "grant", "new": ""},
				func(t *testing.T) {
					if rows, _ := store.PermissionOverrides(ctx, f.member.ID); len(rows) != 0 {
						t.Errorf("overrides = %+v", rows)
					}
				}},
			{"global grant for all programs", func() string { return mel + "/overrides" },
				url.Values{"override_program": {"0"}, "permission": {"audit.view"}, "effect": {"grant"}}, admin.ActionOverride,
				map[string]any{"permission": "audit.view", "new": "grant"},
				func(t *testing.T) {
					if rows, _ := store.PermissionOverrides(ctx, f.member.ID); len(rows) != 1 || rows[0].ProgramID != 0 {
						t.Errorf("overrides = %+v", rows)
					}
				}},
			{"disable", func() string { return mel + "/status" }, url.Values{"status": {"disabled"}}, admin.ActionStatus,
				map[string]any{"old": "active", "new": "disabled"},
				func(t *testing.T) {
					if p := f.person(t, demo.MemberEmail); p.Status != db.PersonDisabled {
						t.Errorf("status = %s", p.Status)
					}
				}},
			{"enable", func() string { return mel + "/status" }, url.Values{"status": {"active"}}, admin.ActionStatus,
				map[string]any{"old": "disabled", "new": "active"},
				func(t *testing.T) {
					if p := f.person(t, demo.MemberEmail); p.Status != db.PersonActive {
						t.Errorf("status = %s", p.Status)
					}
				}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := len(f.events(t))
				res := c.PostForm(tt.path(), tt.form)
				if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), mel+"?done=") {
					t.Fatalf("status %d Location %q: %s", res.StatusCode, res.Header.Get("Location"), res.Body)
				}
				tt.check(t)
				evs := f.events(t)
				if len(evs) != before+1 {
					t.Fatalf("%d new audit events, want 1", len(evs)-before)
				}
				ev := evs[0]
				if ev.Action != tt.action || ev.ActorID == nil || *ev.ActorID != f.admin.ID ||
					ev.SubjectType != "person" || ev.SubjectID != strconv.FormatInt(f.member.ID, 10) || ev.RequestID == "" {
					t.Fatalf("event = %+v", ev)
				}
				for k, want := range tt.details {
					if got := ev.Details[k]; fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("details[%s] = %v, want %v (all: %v)", k, got, want, ev.Details)
					}
				}
				page := c.Get(res.Header.Get("Location"))
				if page.StatusCode != 200 || !strings.Contains(page.Body, `class="flash flash-success"`) {
					t.Errorf("page after redirect: %d, no confirmation", page.StatusCode)
				}
				if !strings.Contains(page.Body, "<code>"+tt.action+"</code>") {
					t.Error("person page does not list the event")
				}
			})
		}
	})
}

func TestValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		c := f.client(t, demo.AdminEmail)
		mel := personURL(f.member.ID)
		self := personURL(f.admin.ID)
		prog := strconv.FormatInt(f.program, 10)
		tests := []struct {
			name    string
			path    string
			form    url.Values
			field   string
			message string
		}{
			{"unknown global role", mel + "/role", url.Values{"role": {"root"}}, "role", "Choose member, staff or admin."},
			{"cannot demote self", self + "/role", url.Values{"role": {"staff"}}, "role", "You cannot remove your own admin role."},
			{"cannot make self member", self + "/role", url.Values{"role": {"member"}}, "role", "You cannot remove your own admin role."},
			{"cannot disable self", self + "/status", url.Values{"status": {"disabled"}}, "status", "You cannot disable your own account."},
			{"unknown status", mel + "/status", url.Values{"status": {"banned"}}, "status", "Choose active or disabled."},
			{"no program", mel + "/program-roles", url.Values{"program_id": {""}, "program_role": {"owner"}}, "program_id", "Choose a program."},
			{"forged program", mel + "/program-roles", url.Values{"program_id": {"999999"}, "program_role": {"owner"}}, "program_id", "Choose a program."},
			{"unknown program role", mel + "/program-roles", url.Values{"program_id": {prog}, "program_role": {"janitor"}}, "program_role", "Choose owner, coordinator or reviewer."},
			{"unknown permission", mel + "/overrides", url.Values{"override_program": {prog}, "permission": {"participants.delete"}, "effect": {"grant"}}, "permission", "Choose a permission from the list."},
			{"global permission in one program", mel + "/overrides", url.Values{"override_program": {prog}, "permission": {"jobs.manage"}, "effect": {"grant"}}, "override_program", "jobs.manage is a global permission"},
			{"bad effect", mel + "/overrides", url.Values{"override_program": {"0"}, "permission": {"pairs.manage"}, "effect": {"maybe"}}, "effect", "Choose grant or revoke."},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := c.PostForm(tt.path, tt.form)
				if res.StatusCode != 422 {
					t.Fatalf("status %d, want 422", res.StatusCode)
				}
				if !strings.Contains(res.Body, `class="error-summary"`) || !strings.Contains(res.Body, `href="#`+tt.field+`"`) {
					t.Error("no error summary linking to the field")
				}
				if !strings.Contains(res.Body, `id="`+tt.field+`-error"`) || !strings.Contains(res.Body, tt.message) {
					t.Errorf("no error %q beside %s", tt.message, tt.field)
				}
			})
		}
		if p := f.person(t, demo.AdminEmail); p.Role != db.RoleAdmin || p.Status != db.PersonActive {
			t.Fatalf("admin changed themselves: %+v", p)
		}
		if p := f.person(t, demo.MemberEmail); p.Role != db.RoleMember || p.Status != db.PersonActive {
			t.Fatalf("member changed by refused posts: %+v", p)
		}
		if evs := f.events(t); len(evs) != 0 {
			t.Fatalf("refused changes wrote %d audit events", len(evs))
		}
		t.Run("self page hides the disable button and keeps role select", func(t *testing.T) {
			page := c.Get(self)
			if strings.Contains(page.Body, "Disable account") || !strings.Contains(page.Body, "this is you") {
				t.Error("self page offers disabling")
			}
		})
		t.Run("another admin may demote", func(t *testing.T) {
			other := &db.Person{Email: "second-admin@example.com", Name: "Second Admin"}
			if err := store.CreatePerson(context.Background(), other); err != nil {
				t.Fatal(err)
			}
			if _, err := store.SetGrantedRole(context.Background(), other.ID, db.RoleAdmin, 0); err != nil {
				t.Fatal(err)
			}
			c2 := f.client(t, "") // dev sign-in offers only the demo accounts; use the store
			c2.SignInAs(demo.AdminEmail)
			if res := c2.PostForm(personURL(other.ID)+"/role", url.Values{"role": {"staff"}}); res.StatusCode != 303 {
				t.Fatalf("demote other admin = %d", res.StatusCode)
			}
		})
	})
}

// TestRoleRecompute: a grant and SSO groups combine to the higher role, and
// lowering the grant does not undo what groups give.
func TestRoleRecompute(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		ctx := context.Background()
		c := f.client(t, demo.AdminEmail)
		mel := personURL(f.member.ID)
		if res := c.PostForm(mel+"/role", url.Values{"role": {"staff"}}); res.StatusCode != 303 {
			t.Fatalf("grant staff = %d", res.StatusCode)
		}
		// Sign-in stores the groups role and recomputes, as the SSO code does.
		if err := store.SaveIdentity(ctx, &db.Identity{PersonID: f.member.ID, Provider: "oidc", Subject: "mel", GroupsRole: db.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
		if role, err := store.RecomputeRole(ctx, f.member.ID); err != nil || role != db.RoleAdmin {
			t.Fatalf("recompute = %q, %v", role, err)
		}
		if res := c.PostForm(mel+"/role", url.Values{"role": {"member"}}); res.StatusCode != 303 {
			t.Fatalf("grant member = %d", res.StatusCode)
		}
		if p := f.person(t, demo.MemberEmail); p.Role != db.RoleAdmin {
			t.Fatalf("role = %s, want admin from groups", p.Role)
		}
		ev := f.events(t)[0]
		if ev.Details["old"] != "staff" || ev.Details["new"] != "member" || ev.Details["new_effective"] != "admin" {
			t.Fatalf("details = %v", ev.Details)
		}
		page := c.Get(mel)
		for _, want := range []string{"From SSO groups</dt><dd>admin", "Granted here</dt><dd>member", `<option value="member" selected>`} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		// Groups dropped at the next sign-in: back to the grant.
		if err := store.SaveIdentity(ctx, &db.Identity{PersonID: f.member.ID, Provider: "oidc", Subject: "mel", GroupsRole: db.RoleMember}); err != nil {
			t.Fatal(err)
		}
		if role, _ := store.RecomputeRole(ctx, f.member.ID); role != db.RoleMember {
			t.Fatalf("after groups dropped = %s", role)
		}
	})
}

// TestDisabledSessionEnds: a disabled person's open session stops working at
// their very next request.
func TestDisabledSessionEnds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		adminC := f.client(t, demo.AdminEmail)
		memberC := f.client(t, demo.MemberEmail)
		staffC := f.client(t, demo.StaffEmail)
		if page := memberC.Get("/"); !strings.Contains(page.Body, "Welcome, Mel Member") {
			t.Fatal("member not signed in")
		}
		if res := staffC.Get("/admin/people"); res.StatusCode != 403 {
			t.Fatalf("staff before = %d", res.StatusCode)
		}
		for _, p := range []*db.Person{f.member, f.staff} {
			if res := adminC.PostForm(personURL(p.ID)+"/status", url.Values{"status": {"disabled"}}); res.StatusCode != 303 {
				t.Fatalf("disable %s = %d", p.Email, res.StatusCode)
			}
		}
		if page := memberC.Get("/"); strings.Contains(page.Body, "Welcome") {
			t.Fatal("disabled member still signed in")
		}
		if res := staffC.Get("/admin/people"); res.StatusCode != 401 {
			t.Fatalf("disabled staff = %d, want 401 (signed out)", res.StatusCode)
		}
		fresh := f.client(t, "")
		fresh.Get("/")
		if res := fresh.PostForm("/dev/login", url.Values{"email": {demo.MemberEmail}}); res.StatusCode == 303 {
			t.Fatal("disabled person signed in again")
		}
		if res := adminC.PostForm(personURL(f.member.ID)+"/status", url.Values{"status": {"active"}}); res.StatusCode != 303 {
			t.Fatalf("enable = %d", res.StatusCode)
		}
		f.client(t, demo.MemberEmail) // signs in again
	})
}

func TestPeopleSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		c := f.client(t, demo.AdminEmail)
		tests := []struct {
			name     string
			q        string
			htmx     bool
			want     []string
			wantNot  []string
			wantFull bool
		}{
			{"everyone", "", false, []string{"admin@example.com", "staff@example.com", "member@example.com", `hx-trigger="input changed delay:300ms, search"`, `hx-push-url="true"`}, nil, true},
			{"by name, any case", "mel MEMBER", false, []string{"member@example.com", "1 person"}, []string{"staff@example.com"}, true},
			{"by email", "STAFF@", false, []string{"staff@example.com"}, []string{"member@example.com"}, true},
			{"no match", "nobody-like-this", false, []string{"No one matches."}, []string{"<tbody>"}, true},
			{"wildcards are literal", "%", false, []string{"No one matches."}, nil, true},
			{"htmx gets the results only", "staff", true, []string{"staff@example.com"}, []string{"<html", `id="q"`}, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c.Header.Del("HX-Request")
				if tt.htmx {
					c.Header.Set("HX-Request", "true")
				}
				res := c.Get("/admin/people?q=" + url.QueryEscape(tt.q))
				if res.StatusCode != 200 {
					t.Fatalf("status %d", res.StatusCode)
				}
				if full := strings.Contains(res.Body, "<html"); full != tt.wantFull {
					t.Errorf("full page = %v", full)
				}
				if !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
					t.Error("no Vary: HX-Request")
				}
				for _, w := range tt.want {
					if !strings.Contains(res.Body, w) {
						t.Errorf("lacks %q", w)
					}
				}
				for _, w := range tt.wantNot {
					if strings.Contains(res.Body, w) {
						t.Errorf("has %q", w)
					}
				}
			})
		}
		c.Header.Del("HX-Request")
		if res := c.Get("/admin/people?q=" + url.QueryEscape("<script>")); strings.Contains(res.Body, "<script>") && !strings.Contains(res.Body, "&lt;script&gt;") {
			t.Error("query echoed unescaped")
		}
	})
}

func TestAuditLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		ctx := context.Background()
		day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 30, 0, 0, time.UTC) }
		for _, ev := range []*db.AuditEvent{
			{At: day(1, 9), ActorID: &f.admin.ID, Action: "person.role", SubjectType: "person", SubjectID: strconv.FormatInt(f.member.ID, 10), Details: map[string]any{"marker": "A1"}},
			{At: day(2, 23), ActorID: &f.staff.ID, Action: "enrollment.approve", SubjectType: "enrollment", SubjectID: "7", Details: map[string]any{"marker": "S2"}},
			{At: day(3, 0), ActorID: &f.staff.ID, Action: "person.status", SubjectType: "person", SubjectID: strconv.FormatInt(f.member.ID, 10), Details: map[string]any{"marker": "S3"}},
			{At: day(5, 12), Action: "job.purge", SubjectType: "job", SubjectID: "purge", Details: map[string]any{"marker": "J5"}},
		} {
			if err := store.RecordAudit(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		c := f.client(t, demo.AdminEmail)
		tests := []struct {
			name   string
			query  string
			status int
			want   []string
			field  string // expected error field
		}{
			{"everything", "", 200, []string{"A1", "S2", "S3", "J5"}, ""},
			{"by actor", "actor=STAFF@example.com", 200, []string{"S2", "S3"}, ""},
			{"by action", "action=person.status", 200, []string{"S3"}, ""},
			{"actor and action", "actor=staff@example.com&action=enrollment.approve", 200, []string{"S2"}, ""},
			{"from a day", "from=2026-11-03", 200, []string{"S3", "J5"}, ""},
			{"to a day, inclusive", "to=2026-11-02", 200, []string{"A1", "S2"}, ""},
			{"one day", "from=2026-11-02&to=2026-11-02", 200, []string{"S2"}, ""},
			{"nothing in range", "from=2026-12-01", 200, []string{}, ""},
			{"unknown actor", "actor=ghost@example.com", 422, nil, "actor"},
			{"bad date", "from=03/11/2026", 422, nil, "from"},
			{"end before start", "from=2026-11-05&to=2026-11-01", 422, nil, "to"},
		}
		all := []string{"A1", "S2", "S3", "J5"}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := c.Get("/admin/audit?" + tt.query)
				if res.StatusCode != tt.status {
					t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
				}
				if tt.field != "" {
					if !strings.Contains(res.Body, `id="`+tt.field+`-error"`) || !strings.Contains(res.Body, `aria-invalid="true"`) {
						t.Errorf("no error beside %s", tt.field)
					}
					return
				}
				for _, m := range all {
					want := false
					for _, w := range tt.want {
						want = want || w == m
					}
					// The marker as it appears in the details JSON (a bare
					// "S2" could turn up in a random token).
					if got := strings.Contains(res.Body, "marker&#34;:&#34;"+m+"&#34;"); got != want {
						t.Errorf("event %s shown = %v, want %v", m, got, want)
					}
				}
			})
		}
		page := c.Get("/admin/audit?actor=admin@example.com")
		for _, want := range []string{"2026-11-01T09:30:00Z", `<a href="/admin/people/` + strconv.FormatInt(f.admin.ID, 10) + `">admin@example.com</a>`, "member@example.com", "<code>person.role</code>"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("audit page lacks %q", want)
			}
		}
	})
}
