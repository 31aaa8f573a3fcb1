package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cohort/app/admin"
	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/features"
	"cohort/app/forms"
	"cohort/db"
	"cohort/db/dbtest"
)

const programsURL = "/admin/programs"

func programURL(slug string) string { return programsURL + "/" + slug }

// day is a date relative to today (UTC) as a date input sends it.
func day(offset int) string { return time.Now().UTC().AddDate(0, 0, offset).Format("2006-01-02") }

// programForm is a valid create form; change returns a copy with some
// fields replaced.
func programForm(key, slug string) url.Values {
	return url.Values{
		"form_key": {key}, "slug": {slug}, "name": {"New " + key + " program"},
		"description": {"Line one.\r\nLine two."}, "opens_at": {day(-1)}, "closes_at": {day(30)}, "term_days": {"90"},
	}
}

func change(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

func (f *fixture) programBySlug(t *testing.T, slug string) *db.Program {
	t.Helper()
	p, err := f.store.ProgramBySlug(context.Background(), slug)
	if err != nil {
		t.Fatalf("program %s: %v", slug, err)
	}
	return p
}

// addProgram stores a second program directly.
func (f *fixture) addProgram(t *testing.T, slug string) *db.Program {
	t.Helper()
	p := &db.Program{Slug: slug, Name: "Program " + slug, Kind: db.KindMembership, FormKey: "membership"}
	if err := f.store.CreateProgram(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// addOwner creates a global member who owns program programID.
func (f *fixture) addOwner(t *testing.T, email string, programID int64) *db.Person {
	t.Helper()
	ctx := context.Background()
	p := &db.Person{Email: email, Name: "Olu Owner"}
	if err := f.store.CreatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := f.store.SetProgramRole(ctx, p.ID, programID, "owner", f.admin.ID); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestProgramCreate creates a program from every built-in definition and
// follows it to the public list.
func TestProgramCreate(t *testing.T) {
	reg, err := forms.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		c := f.client(t, demo.AdminEmail)
		public := f.client(t, "")
		for _, key := range reg.Keys() {
			def, _ := reg.Get(key)
			for _, tt := range []struct {
				name   string
				slug   string
				form   url.Values
				listed bool
			}{
				{"open window", "open-" + key, nil, true},
				{"no window", "always-" + key, url.Values{"opens_at": {""}, "closes_at": {""}, "term_days": {""}}, true},
				{"opens later", "later-" + key, url.Values{"opens_at": {day(10)}, "closes_at": {""}}, false},
				{"closed already", "past-" + key, url.Values{"opens_at": {day(-30)}, "closes_at": {day(-1)}}, false},
			} {
				t.Run(key+"/"+tt.name, func(t *testing.T) {
					form := programForm(key, tt.slug)
					for k, v := range tt.form {
						form[k] = v
					}
					before := len(f.events(t))
					res := c.PostForm(programsURL, form)
					if res.StatusCode != 303 || res.Header.Get("Location") != programURL(tt.slug)+"?done=created" {
						t.Fatalf("create = %d Location %q: %s", res.StatusCode, res.Header.Get("Location"), res.Body)
					}
					p := f.programBySlug(t, tt.slug)
					if p.Kind != def.Kind || p.FormKey != key || p.Name != form.Get("name") || p.Description != "Line one.\nLine two." {
						t.Errorf("stored %+v", p)
					}
					if got := p.OpensAt != nil; got != (form.Get("opens_at") != "") || (got && p.OpensAt.Format("2006-01-02") != form.Get("opens_at")) {
						t.Errorf("opens_at = %v, want %q", p.OpensAt, form.Get("opens_at"))
					}
					wantTerm, _ := strconv.Atoi(form.Get("term_days"))
					if p.TermDays != wantTerm || len(p.Settings.Flags) != 0 {
						t.Errorf("term %d flags %v", p.TermDays, p.Settings.Flags)
					}
					evs := f.events(t)
					if len(evs) != before+1 {
						t.Fatalf("%d new audit events, want 1", len(evs)-before)
					}
					ev := evs[0]
					if ev.Action != admin.ActionProgramCreate || ev.ActorID == nil || *ev.ActorID != f.admin.ID ||
						ev.SubjectType != admin.SubjectProgram || ev.SubjectID != strconv.FormatInt(p.ID, 10) ||
						ev.ProgramID == nil || *ev.ProgramID != p.ID || ev.Details["slug"] != tt.slug || ev.Details["kind"] != def.Kind {
						t.Errorf("event = %+v", ev)
					}
					page := c.Get(res.Header.Get("Location"))
					if page.StatusCode != 200 || !strings.Contains(page.Body, `class="flash flash-success"`) || !strings.Contains(page.Body, def.Title) {
						t.Errorf("program page after create: %d", page.StatusCode)
					}
					list := public.Get("/programs")
					if got := strings.Contains(list.Body, `href="/programs/`+tt.slug+`"`); got != tt.listed {
						t.Errorf("listed on /programs = %v, want %v", got, tt.listed)
					}
					if res := public.Get("/programs/" + tt.slug); res.StatusCode != 200 {
						t.Errorf("public program page = %d", res.StatusCode)
					}
				})
			}
		}
		page := c.Get(programsURL)
		for _, want := range []string{"open-mentoring", "Join the mentoring program", "always open", "90 days", "no fixed term", `aria-current="page">Programs`} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("programs page lacks %q", want)
			}
		}
		for _, key := range reg.Keys() {
			if !strings.Contains(page.Body, `<option value="`+key+`"`) {
				t.Errorf("form select lacks %s", key)
			}
		}
	})
}

// TestProgramValidation: a refused create or edit keeps what was typed and
// shows each error beside its field; nothing is stored or audited.
func TestProgramValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		c := f.client(t, demo.AdminEmail)
		seeded := f.programBySlug(t, demo.ProgramSlug)
		valid := programForm("membership", "team-alpha")
		tests := []struct {
			name    string
			path    string
			form    url.Values
			status  int
			field   string
			message string
			kept    string // markup that shows a value was kept
		}{
			{"no form", programsURL, change(valid, "form_key", ""), 422, "form_key", "Choose a form from the list.", `value="team-alpha"`},
			{"unknown form", programsURL, change(valid, "form_key", "payroll"), 422, "form_key", "Choose a form from the list.", `value="team-alpha"`},
			{"no slug", programsURL, change(valid, "slug", ""), 422, "slug", "Enter a slug.", `<option value="membership" selected>`},
			{"upper-case slug", programsURL, change(valid, "slug", "Team-Alpha"), 422, "slug", "Use 3 to 40 lowercase letters", `value="Team-Alpha"`},
			{"short slug", programsURL, change(valid, "slug", "ab"), 422, "slug", "Use 3 to 40 lowercase letters", `value="ab"`},
			{"long slug", programsURL, change(valid, "slug", strings.Repeat("a", 41)), 422, "slug", "Use 3 to 40 lowercase letters", strings.Repeat("a", 41)},
			{"slash in slug", programsURL, change(valid, "slug", "a/b/c"), 422, "slug", "Use 3 to 40 lowercase letters", `value="a/b/c"`},
			{"taken slug", programsURL, change(valid, "slug", demo.ProgramSlug), 409, "slug", "Another program already uses this slug.", `value="New membership program"`},
			{"taken slug and no name", programsURL, change(valid, "slug", demo.ProgramSlug, "name", ""), 422, "slug", "Another program already uses this slug.", `value="` + demo.ProgramSlug + `"`},
			{"no name", programsURL, change(valid, "name", "   "), 422, "name", "Enter a name.", `value="team-alpha"`},
			{"long name", programsURL, change(valid, "name", strings.Repeat("é", 121)), 422, "name", "120 characters or fewer (it has 121)", strings.Repeat("é", 121)},
			{"tab in a one-line name", programsURL, change(valid, "name", "a\tb"), 422, "name", "Use plain text on one line.", `value="team-alpha"`},
			{"long description", programsURL, change(valid, "description", strings.Repeat("x", 2001)), 422, "description", "2000 characters or fewer", strings.Repeat("x", 2001)},
			{"bad date", programsURL, change(valid, "opens_at", "21/11/2026"), 422, "opens_at", "Enter the date as YYYY-MM-DD.", `value="21/11/2026"`},
			{"closes before opens", programsURL, change(valid, "opens_at", "2027-02-01", "closes_at", "2027-01-01"), 422, "closes_at", "must be after the opening date", `value="2027-01-01"`},
			{"closes when opens", programsURL, change(valid, "opens_at", "2027-02-01", "closes_at", "2027-02-01"), 422, "closes_at", "must be after the opening date", `value="2027-02-01"`},
			{"negative term", programsURL, change(valid, "term_days", "-1"), 422, "term_days", "from 0 to 3650", `value="-1"`},
			{"term too long", programsURL, change(valid, "term_days", "3651"), 422, "term_days", "from 0 to 3650", `value="3651"`},
			{"term not a number", programsURL, change(valid, "term_days", "a year"), 422, "term_days", "from 0 to 3650", `value="a year"`},
			{"edit: no name", programURL(demo.ProgramSlug), url.Values{"name": {""}, "description": {"Kept text"}, "term_days": {"30"}}, 422, "name", "Enter a name.", "Kept text</textarea>"},
			{"edit: closes before opens", programURL(demo.ProgramSlug), url.Values{"name": {"Renamed"}, "opens_at": {"2027-02-01"}, "closes_at": {"2026-02-01"}}, 422, "closes_at", "must be after the opening date", `value="Renamed"`},
			{"edit: term too long", programURL(demo.ProgramSlug), url.Values{"name": {"Renamed"}, "term_days": {"9999"}}, 422, "term_days", "from 0 to 3650", `value="9999"`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := c.PostForm(tt.path, tt.form)
				if res.StatusCode != tt.status {
					t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
				}
				if !strings.Contains(res.Body, `class="error-summary"`) || !strings.Contains(res.Body, `href="#`+tt.field+`"`) {
					t.Error("no error summary linking to the field")
				}
				if !strings.Contains(res.Body, `id="`+tt.field+`-error"`) || !strings.Contains(res.Body, tt.message) {
					t.Errorf("no error %q beside %s", tt.message, tt.field)
				}
				if !strings.Contains(res.Body, tt.kept) {
					t.Errorf("value not kept: %q", tt.kept)
				}
			})
		}
		if _, err := store.ProgramBySlug(context.Background(), "team-alpha"); err == nil {
			t.Error("a refused create stored a program")
		}
		if p := f.programBySlug(t, demo.ProgramSlug); p.Name != seeded.Name || p.TermDays != seeded.TermDays || p.Description != seeded.Description {
			t.Errorf("a refused edit changed the program: %+v", p)
		}
		if evs := f.events(t); len(evs) != 0 {
			t.Fatalf("refused changes wrote %d audit events", len(evs))
		}
	})
}

func TestProgramEdit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		c := f.client(t, demo.AdminEmail)
		u := programURL(demo.ProgramSlug)
		seeded := f.programBySlug(t, demo.ProgramSlug)
		page := c.Get(u)
		for _, want := range []string{`value="` + seeded.Name + `"`, `value="` + strconv.Itoa(seeded.TermDays) + `"`, "Join the mentoring program", `aria-current="page">Programs`} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("edit page lacks %q", want)
			}
		}
		steps := []struct {
			name   string
			form   url.Values
			check  func(t *testing.T, p *db.Program)
			before map[string]any
			after  map[string]any
		}{
			{"rename and set a window",
				url.Values{"name": {"Mentoring 2027"}, "description": {"New text."}, "opens_at": {"2027-01-01"}, "closes_at": {"2027-02-01"}, "term_days": {"180"}},
				func(t *testing.T, p *db.Program) {
					if p.Name != "Mentoring 2027" || p.Description != "New text." || p.TermDays != 180 ||
						p.OpensAt == nil || !p.OpensAt.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) ||
						p.ClosesAt == nil || !p.ClosesAt.Equal(time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)) {
						t.Errorf("stored %+v", p)
					}
				},
				map[string]any{"name": seeded.Name, "opens_at": dateOf(seeded.OpensAt), "term_days": seeded.TermDays},
				map[string]any{"name": "Mentoring 2027", "opens_at": "2027-01-01", "closes_at": "2027-02-01", "term_days": 180}},
			{"clear the window",
				url.Values{"name": {"Mentoring 2027"}, "opens_at": {""}, "closes_at": {""}, "term_days": {""}},
				func(t *testing.T, p *db.Program) {
					if p.OpensAt != nil || p.ClosesAt != nil || p.TermDays != 0 || p.Description != "" {
						t.Errorf("stored %+v", p)
					}
				},
				map[string]any{"opens_at": "2027-01-01", "description": "New text."},
				map[string]any{"opens_at": "", "closes_at": "", "term_days": 0, "description": ""}},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				res := c.PostForm(u, st.form)
				if res.StatusCode != 303 || res.Header.Get("Location") != u+"?done=saved" {
					t.Fatalf("save = %d %q: %s", res.StatusCode, res.Header.Get("Location"), res.Body)
				}
				p := f.programBySlug(t, demo.ProgramSlug)
				st.check(t, p)
				if p.Slug != demo.ProgramSlug || p.Kind != db.KindMentoring || p.FormKey != "mentoring" ||
					p.Settings.DefaultMentorCapacity != seeded.Settings.DefaultMentorCapacity || len(p.Settings.Flags) != len(seeded.Settings.Flags) {
					t.Errorf("fixed fields or settings changed: %+v", p)
				}
				ev := f.events(t)[0]
				if ev.Action != admin.ActionProgramUpdate || *ev.ActorID != f.admin.ID || *ev.ProgramID != p.ID {
					t.Fatalf("event = %+v", ev)
				}
				for side, want := range map[string]map[string]any{"before": st.before, "after": st.after} {
					got, _ := ev.Details[side].(map[string]any)
					for k, v := range want {
						if fmt.Sprint(got[k]) != fmt.Sprint(v) {
							t.Errorf("details[%s][%s] = %v, want %v", side, k, got[k], v)
						}
					}
				}
				if page := c.Get(res.Header.Get("Location")); !strings.Contains(page.Body, "Program saved.") {
					t.Error("no confirmation after saving")
				}
			})
		}
	})
}

func TestProgramFlags(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		c := f.client(t, demo.AdminEmail)
		u := programURL(demo.ProgramSlug)
		// Start from no opt-in flag on, whatever the demo seeds.
		seeded := f.programBySlug(t, demo.ProgramSlug)
		seeded.Settings.Flags = nil
		if err := store.UpdateProgram(context.Background(), seeded); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name          string
			posted        []string
			stored        []string
			before, after string
		}{
			// Always-on and unknown names are ignored, not stored.
			{"switch on", []string{features.Renewal, features.Pairing, features.Autosave, "bogus", ""}, []string{features.Pairing, features.Renewal}, "[]", "[pairing renewal]"},
			{"switch one off", []string{features.Pairing}, []string{features.Pairing}, "[pairing renewal]", "[pairing]"},
			{"switch all off", nil, nil, "[pairing]", "[]"},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				before := len(f.events(t))
				res := c.PostForm(u+"/flags", url.Values{"flags": st.posted})
				if res.StatusCode != 303 || res.Header.Get("Location") != u+"?done=flags" {
					t.Fatalf("save flags = %d %q: %s", res.StatusCode, res.Header.Get("Location"), res.Body)
				}
				p := f.programBySlug(t, demo.ProgramSlug)
				if len(p.Settings.Flags) != len(st.stored) {
					t.Errorf("stored flags = %v, want %v", p.Settings.Flags, st.stored)
				}
				for _, name := range st.stored {
					if !p.Settings.Flags[name] {
						t.Errorf("stored flags = %v, want %v", p.Settings.Flags, st.stored)
					}
				}
				set := features.For(p.Settings.Flags)
				if set.On(features.Renewal) != contains(st.stored, features.Renewal) || !set.On(features.Autosave) {
					t.Errorf("resolved flags = %v", set)
				}
				if p.Settings.DefaultMentorCapacity != seeded.Settings.DefaultMentorCapacity || p.Settings.MinOverlapHours != seeded.Settings.MinOverlapHours || p.Name != seeded.Name {
					t.Errorf("other settings lost: %+v", p)
				}
				evs := f.events(t)
				if len(evs) != before+1 {
					t.Fatalf("%d new audit events, want 1", len(evs)-before)
				}
				ev := evs[0]
				if ev.Action != admin.ActionProgramFlags || *ev.ActorID != f.admin.ID || *ev.ProgramID != p.ID ||
					fmt.Sprint(ev.Details["before"]) != st.before || fmt.Sprint(ev.Details["after"]) != st.after {
					t.Fatalf("event = %+v", ev)
				}
				page := c.Get(res.Header.Get("Location"))
				if !strings.Contains(page.Body, "Features saved.") {
					t.Error("no confirmation")
				}
				for _, fl := range features.All() {
					on := fl.AlwaysOn || contains(st.stored, fl.Name)
					box := regexp.MustCompile(`<input type="checkbox" id="flag-` + fl.Name + `"[^>]*>`).FindString(page.Body)
					if box == "" || strings.Contains(box, " checked") != on || strings.Contains(box, " disabled") != fl.AlwaysOn {
						t.Errorf("checkbox for %s = %q (on %v, always on %v)", fl.Name, box, on, fl.AlwaysOn)
					}
				}
				if !strings.Contains(page.Body, "(always on)") {
					t.Error("always-on flag not labelled")
				}
			})
		}
		if res := f.client(t, "").Get("/programs/" + demo.ProgramSlug); res.StatusCode != 200 || strings.Contains(res.Body, "renewable") {
			t.Errorf("public page after renewal off: %d", res.StatusCode)
		}
	})
}

// TestProgramAccess: the list and create need program.manage everywhere
// (admins); a program's page needs it in that program, and a program the
// person may not manage does not exist for them.
func TestProgramAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		ctx := context.Background()
		other := f.addProgram(t, "other-program")
		f.addOwner(t, "owner@example.com", f.program)
		// An owner whose program.manage is revoked there manages nothing.
		revoked := f.addOwner(t, "revoked-owner@example.com", f.program)
		if err := store.SetPermissionOverride(ctx, revoked.ID, f.program, "program.manage", false, f.admin.ID); err != nil {
			t.Fatal(err)
		}
		// A member granted program.manage in the other program only.
		granted := &db.Person{Email: "granted@example.com", Name: "Gia Granted"}
		if err := store.CreatePerson(ctx, granted); err != nil {
			t.Fatal(err)
		}
		if err := store.SetPermissionOverride(ctx, granted.ID, other.ID, "program.manage", true, f.admin.ID); err != nil {
			t.Fatal(err)
		}
		x, y := programURL(demo.ProgramSlug), programURL(other.Slug)
		routes := []struct{ method, path string }{
			{"GET", programsURL}, {"POST", programsURL},
			{"GET", x}, {"POST", x}, {"POST", x + "/flags"},
			{"GET", y}, {"POST", y}, {"POST", y + "/flags"},
			{"GET", programURL("no-such-program")}, {"POST", programURL("no-such-program") + "/flags"},
			{"POST", x + "/timing"}, {"POST", y + "/timing"}, {"POST", programURL("no-such-program") + "/timing"},
		}
		// want is the status for each route above, in order; 200 stands for
		// "allowed" (200 for pages, 303 or 422 for posts).
		tests := []struct {
			who   string
			email string
			want  []int
		}{
			{"anonymous", "", []int{401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401}},
			{"member", demo.MemberEmail, []int{403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403}},
			{"staff", demo.StaffEmail, []int{403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403}},
			{"revoked owner", "revoked-owner@example.com", []int{403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403}},
			{"owner of X", "owner@example.com", []int{403, 403, 200, 200, 200, 404, 404, 404, 404, 404, 200, 404, 404}},
			{"granted in Y", "granted@example.com", []int{403, 403, 404, 404, 404, 200, 200, 200, 404, 404, 404, 200, 404}},
			{"admin", demo.AdminEmail, []int{200, 200, 200, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404}},
		}
		for _, tt := range tests {
			t.Run(tt.who, func(t *testing.T) {
				c := f.client(t, tt.email)
				for i, r := range routes {
					var res *apptest.Response
					if r.method == "GET" {
						res = c.Get(r.path)
					} else {
						// Valid basics, so an allowed save is a 303.
						res = c.PostForm(r.path, url.Values{"name": {"Renamed by " + tt.who}})
					}
					got := res.StatusCode
					if got == 303 || got == 422 {
						got = 200
					}
					if got != tt.want[i] {
						t.Errorf("%s %s = %d, want %d", r.method, r.path, res.StatusCode, tt.want[i])
					}
				}
			})
		}
		if p := f.programBySlug(t, demo.ProgramSlug); p.Name != "Renamed by admin" {
			t.Errorf("X name = %q", p.Name)
		}
		t.Run("owner's edit is audited and the page hides the admin nav", func(t *testing.T) {
			c := f.client(t, "owner@example.com")
			if res := c.PostForm(x, url.Values{"name": {"Owner's name"}}); res.StatusCode != 303 {
				t.Fatalf("owner save = %d", res.StatusCode)
			}
			owner := f.person(t, "owner@example.com")
			if ev := f.events(t)[0]; ev.Action != admin.ActionProgramUpdate || *ev.ActorID != owner.ID {
				t.Fatalf("event = %+v", ev)
			}
			page := c.Get(x)
			if strings.Contains(page.Body, `href="/admin/people"`) || !strings.Contains(page.Body, `value="Owner&#39;s name"`) {
				t.Error("owner page shows the admin nav or lacks the saved name")
			}
		})
	})
}

// TestProgramMFA: after an emailed-code sign-in the program pages, like
// every admin page, want a verified second factor first.
func TestProgramMFA(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		f.addOwner(t, "owner@example.com", f.program)
		for _, tt := range []struct{ email, path string }{
			{"owner@example.com", programURL(demo.ProgramSlug)},
			{demo.AdminEmail, programsURL},
		} {
			t.Run(tt.email, func(t *testing.T) {
				c := f.client(t, "")
				c.Get("/signin")
				if res := c.PostForm("/signin/email", url.Values{"email": {tt.email}}); res.StatusCode != 303 {
					t.Fatalf("request code = %d", res.StatusCode)
				}
				var body string
				if err := store.DB().NewRaw("SELECT text_body FROM mail_outbox WHERE to_addr = ? ORDER BY id DESC LIMIT 1", tt.email).Scan(context.Background(), &body); err != nil {
					t.Fatal(err)
				}
				code := regexp.MustCompile(`code is ([2-9A-Z]{4}-[2-9A-Z]{4})`).FindStringSubmatch(body)
				if code == nil {
					t.Fatalf("no code in %q", body)
				}
				c.Get("/signin/code")
				if res := c.PostForm("/signin/code", url.Values{"code": {code[1]}}); res.StatusCode != 303 {
					t.Fatalf("verify = %d", res.StatusCode)
				}
				if res := c.Get(tt.path); res.StatusCode != 303 || res.Header.Get("Location") != "/account/mfa" {
					t.Errorf("GET %s = %d %q, want the MFA redirect", tt.path, res.StatusCode, res.Header.Get("Location"))
				}
				req := httptest.NewRequest(http.MethodGet, tt.path, nil)
				req.Header.Set("HX-Request", "true")
				if res := c.Do(req); res.StatusCode != 204 || res.Header.Get("HX-Redirect") != "/account/mfa" {
					t.Errorf("htmx GET %s = %d %q", tt.path, res.StatusCode, res.Header.Get("HX-Redirect"))
				}
			})
		}
	})
}

func dateOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// timingForm is a valid "Reminders and notices" form with every field set;
// change returns a copy with some replaced.
func timingForm() url.Values {
	return url.Values{
		"reminder_after_days": {"5"}, "reminder_max": {"4"},
		"checkin_weeks": {"8, 1,4, 4"}, "end_notice_days": {"7 60"},
		"pair_term_days": {"120"}, "retention_days": {"730"}, "digest_waiting_days": {"10"},
	}
}

// TestProgramTiming saves the timing settings in steps and checks each
// round-trips to the database, to the audit log and back into the form,
// while the other settings stay as they were.
func TestProgramTiming(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		c := f.client(t, demo.AdminEmail)
		u := programURL(demo.ProgramSlug)
		seeded := f.programBySlug(t, demo.ProgramSlug)
		if len(seeded.Settings.Flags) == 0 || seeded.Settings.DefaultMentorCapacity == 0 || seeded.Settings.MinOverlapHours == 0 {
			t.Fatalf("the demo program should have flags, capacity and overlap to keep: %+v", seeded.Settings)
		}
		page := c.Get(u)
		for _, want := range []string{`action="` + u + `/timing"`, "Reminders and notices", `placeholder="30, 15, 2"`, `id="reminders_off"`, `id="retention_forever"`} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("program page lacks %q", want)
			}
		}
		steps := []struct {
			name  string
			form  url.Values
			want  db.ProgramSettings // timing fields only
			shown []string           // markup of the re-read form
			// audit: fmt.Sprint of before/after per field, and the changed list
			before, after map[string]string
			changed       string
		}{
			{"every field", timingForm(),
				db.ProgramSettings{ReminderAfterDays: 5, ReminderMax: 4, CheckinWeeks: []int{1, 4, 8}, EndNoticeDays: []int{60, 7},
					PairTermDays: 120, RetentionDays: 730, DigestWaitingDays: 10},
				[]string{`name="reminder_after_days" value="5"`, `name="reminder_max" value="4"`, `name="checkin_weeks" value="1, 4, 8"`,
					`name="end_notice_days" value="60, 7"`, `name="pair_term_days" value="120"`, `name="retention_days" value="730"`,
					`name="digest_waiting_days" value="10"`},
				map[string]string{"checkin_weeks": "<nil>", "retention_days": "0"},
				map[string]string{"checkin_weeks": "[1 4 8]", "end_notice_days": "[60 7]", "retention_days": "730", "reminder_max": "4"},
				"[checkin_weeks digest_waiting_days end_notice_days pair_term_days reminder_after_days reminder_max retention_days]"},
			// The numbers behind a ticked box are ignored, even when invalid.
			{"none and for ever", change(timingForm(), "checkin_weeks", "none", "end_notice_days", " NONE ",
				"reminders_off", "on", "reminder_max", "99", "retention_forever", "on", "retention_days", "a while"),
				db.ProgramSettings{ReminderAfterDays: 5, ReminderMax: -1, CheckinWeeks: []int{}, EndNoticeDays: []int{},
					PairTermDays: 120, RetentionDays: -1, DigestWaitingDays: 10},
				[]string{`name="checkin_weeks" value="none"`, `name="end_notice_days" value="none"`, `name="reminder_max" value=""`,
					`name="retention_days" value=""`, `name="reminders_off" value="on" aria-describedby="reminders_off-hint" checked`,
					`name="retention_forever" value="on" aria-describedby="retention_forever-hint" checked`},
				map[string]string{"checkin_weeks": "[1 4 8]", "reminder_max": "4"},
				map[string]string{"checkin_weeks": "[]", "end_notice_days": "[]", "reminder_max": "-1", "retention_days": "-1"},
				"[checkin_weeks end_notice_days reminder_max retention_days]"},
			{"unchanged", change(timingForm(), "checkin_weeks", "none", "end_notice_days", "none",
				"reminders_off", "on", "reminder_max", "", "retention_forever", "on", "retention_days", ""),
				db.ProgramSettings{ReminderAfterDays: 5, ReminderMax: -1, CheckinWeeks: []int{}, EndNoticeDays: []int{},
					PairTermDays: 120, RetentionDays: -1, DigestWaitingDays: 10},
				nil, nil, nil, "[]"},
			{"defaults when blank", url.Values{"reminder_after_days": {""}, "checkin_weeks": {"  "}},
				db.ProgramSettings{},
				[]string{`name="reminder_after_days" value="" placeholder="3"`, `name="checkin_weeks" value="" placeholder="2, 6"`,
					`name="retention_days" value="" placeholder="365"`, `name="digest_waiting_days" value="" placeholder="7"`,
					`name="reminders_off" value="on" aria-describedby="reminders_off-hint">`},
				map[string]string{"checkin_weeks": "[]", "retention_days": "-1"},
				map[string]string{"checkin_weeks": "<nil>", "end_notice_days": "<nil>", "retention_days": "0", "reminder_max": "0", "pair_term_days": "0"},
				"[checkin_weeks digest_waiting_days end_notice_days pair_term_days reminder_after_days reminder_max retention_days]"},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				before := len(f.events(t))
				res := c.PostForm(u+"/timing", st.form)
				if res.StatusCode != 303 || res.Header.Get("Location") != u+"?done=timing" {
					t.Fatalf("save = %d %q: %s", res.StatusCode, res.Header.Get("Location"), res.Body)
				}
				p := f.programBySlug(t, demo.ProgramSlug)
				got := p.Settings
				if fmt.Sprintf("%#v", timingOnly(got)) != fmt.Sprintf("%#v", st.want) {
					t.Errorf("stored %#v\nwant   %#v", timingOnly(got), st.want)
				}
				if (got.CheckinWeeks == nil) != (st.want.CheckinWeeks == nil) || (got.EndNoticeDays == nil) != (st.want.EndNoticeDays == nil) {
					t.Errorf("default and none confused: %#v %#v", got.CheckinWeeks, got.EndNoticeDays)
				}
				if fmt.Sprint(got.Flags) != fmt.Sprint(seeded.Settings.Flags) || got.DefaultMentorCapacity != seeded.Settings.DefaultMentorCapacity ||
					got.MinOverlapHours != seeded.Settings.MinOverlapHours || p.Name != seeded.Name || p.TermDays != seeded.TermDays {
					t.Errorf("other settings changed: %+v", p)
				}
				evs := f.events(t)
				if len(evs) != before+1 {
					t.Fatalf("%d new audit events, want 1", len(evs)-before)
				}
				ev := evs[0]
				if ev.Action != admin.ActionProgramTiming || ev.ActorID == nil || *ev.ActorID != f.admin.ID ||
					ev.SubjectType != admin.SubjectProgram || ev.ProgramID == nil || *ev.ProgramID != p.ID {
					t.Fatalf("event = %+v", ev)
				}
				if got := fmt.Sprint(ev.Details["changed"]); got != st.changed {
					t.Errorf("details[changed] = %s, want %s", got, st.changed)
				}
				for side, want := range map[string]map[string]string{"before": st.before, "after": st.after} {
					got, _ := ev.Details[side].(map[string]any)
					if len(got) != 7 {
						t.Errorf("details[%s] = %v, want all 7 fields", side, got)
					}
					for k, v := range want {
						if fmt.Sprint(got[k]) != v {
							t.Errorf("details[%s][%s] = %v, want %s", side, k, got[k], v)
						}
					}
				}
				page := c.Get(res.Header.Get("Location"))
				if !strings.Contains(page.Body, "Reminders and notices saved.") {
					t.Error("no confirmation after saving")
				}
				for _, want := range st.shown {
					if !strings.Contains(page.Body, want) {
						t.Errorf("page lacks %q", want)
					}
				}
			})
		}
	})
}

// timingOnly keeps the settings the timing form edits.
func timingOnly(ps db.ProgramSettings) db.ProgramSettings {
	return db.ProgramSettings{
		ReminderAfterDays: ps.ReminderAfterDays, ReminderMax: ps.ReminderMax,
		CheckinWeeks: ps.CheckinWeeks, EndNoticeDays: ps.EndNoticeDays,
		PairTermDays: ps.PairTermDays, RetentionDays: ps.RetentionDays, DigestWaitingDays: ps.DigestWaitingDays,
	}
}

// TestProgramTimingValidation: each invalid field is refused with 422, its
// message beside it and in the summary, what was typed kept, and nothing
// stored or audited.
func TestProgramTimingValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		c := f.client(t, demo.AdminEmail)
		u := programURL(demo.ProgramSlug) + "/timing"
		if res := c.PostForm(u, timingForm()); res.StatusCode != 303 {
			t.Fatalf("valid save = %d", res.StatusCode)
		}
		saved := f.programBySlug(t, demo.ProgramSlug)
		audited := len(f.events(t))
		tests := []struct {
			field, value, message string
		}{
			{"reminder_after_days", "0", "from 1 to 365, or leave it blank for the default (3 days)."},
			{"reminder_after_days", "366", "from 1 to 365"},
			{"reminder_after_days", "three", "from 1 to 365"},
			{"reminder_after_days", "2.5", "from 1 to 365"},
			{"reminder_max", "0", "from 1 to 10, or leave it blank for the default (2). To send none, tick “Send no reminders”."},
			{"reminder_max", "11", "from 1 to 10"},
			{"reminder_max", "-1", "from 1 to 10"},
			{"checkin_weeks", "2, x", "“x” is not a whole number. Enter weeks as whole numbers separated by commas, such as 2, 6"},
			{"checkin_weeks", "0", "Each week must be from 1 to 104 (not 0). For no check-ins, enter “none”."},
			{"checkin_weeks", "2, 105", "Each week must be from 1 to 104 (not 105)."},
			{"checkin_weeks", "none, 2", "Enter “none” on its own, not with numbers."},
			{"checkin_weeks", ", ,", "Enter weeks as whole numbers separated by commas"},
			{"checkin_weeks", "1,2,3,4,5,6,7,8,9,10,11", "Enter at most 10 different weeks (there are 11)."},
			{"end_notice_days", "30, 366", "Each day must be from 1 to 365 (not 366). For no notices, enter “none”."},
			{"end_notice_days", "a month", "“a” is not a whole number. Enter days as whole numbers separated by commas, such as 30, 15, 2"},
			{"pair_term_days", "0", "from 1 to 3650, or leave it blank to use the program&#39;s term."},
			{"pair_term_days", "3651", "from 1 to 3650"},
			{"retention_days", "0", "from 1 to 3650, or leave it blank for the default (365 days). To keep data for ever, tick “Keep for ever”."},
			{"retention_days", "-1", "from 1 to 3650"},
			{"retention_days", "3651", "from 1 to 3650"},
			{"digest_waiting_days", "0", "from 1 to 365, or leave it blank for the default (7 days)."},
			{"digest_waiting_days", "366", "from 1 to 365"},
		}
		for _, tt := range tests {
			t.Run(tt.field+"="+tt.value, func(t *testing.T) {
				form := change(timingForm(), tt.field, tt.value, "digest_waiting_days", "12")
				if tt.field == "digest_waiting_days" {
					form.Set(tt.field, tt.value)
				}
				res := c.PostForm(u, form)
				if res.StatusCode != 422 {
					t.Fatalf("status %d, want 422", res.StatusCode)
				}
				if !strings.Contains(res.Body, `class="error-summary"`) || !strings.Contains(res.Body, `href="#`+tt.field+`"`) ||
					!strings.Contains(res.Body, "There is a problem") {
					t.Error("no error summary linking to the field")
				}
				if !strings.Contains(res.Body, `<p class="field-error" id="`+tt.field+`-error">`) || !strings.Contains(res.Body, tt.message) {
					t.Errorf("no error %q beside %s", tt.message, tt.field)
				}
				input := regexp.MustCompile(`<input [^>]*id="` + tt.field + `"[^>]*>`).FindString(res.Body)
				if !strings.Contains(input, `aria-invalid="true"`) || !strings.Contains(input, tt.field+"-error") {
					t.Errorf("input not marked invalid: %s", input)
				}
				kept := regexp.MustCompile(`value="([^"]*)"`).FindStringSubmatch(input)
				if kept == nil || kept[1] != strings.TrimSpace(tt.value) {
					t.Errorf("value not kept: %s", input)
				}
				// The other fields keep what was typed too, and the basics
				// form shows what is stored, without errors.
				if !strings.Contains(res.Body, `name="digest_waiting_days" value="`+form.Get("digest_waiting_days")+`"`) ||
					!strings.Contains(res.Body, `name="name" value="`+saved.Name+`"`) || strings.Contains(res.Body, `id="name-error"`) {
					t.Error("other values not shown")
				}
			})
		}
		t.Run("several errors", func(t *testing.T) {
			res := c.PostForm(u, change(timingForm(), "reminder_max", "0", "end_notice_days", "0"))
			if res.StatusCode != 422 || !strings.Contains(res.Body, "There are 2 problems") ||
				!strings.Contains(res.Body, `href="#reminder_max"`) || !strings.Contains(res.Body, `href="#end_notice_days"`) {
				t.Errorf("status %d, want 422 with both errors in the summary", res.StatusCode)
			}
		})
		p := f.programBySlug(t, demo.ProgramSlug)
		if fmt.Sprintf("%#v", p.Settings) != fmt.Sprintf("%#v", saved.Settings) {
			t.Errorf("a refused save changed the settings:\n%#v\n%#v", p.Settings, saved.Settings)
		}
		if n := len(f.events(t)); n != audited {
			t.Errorf("refused saves wrote %d audit events", n-audited)
		}
	})
}

// TestProgramTimingAccess: people who may not manage the program are
// refused and change nothing, whatever they post.
func TestProgramTimingAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		ctx := context.Background()
		other := f.addProgram(t, "other-program")
		f.addOwner(t, "other-owner@example.com", other.ID)
		reviewer := &db.Person{Email: "reviewer@example.com", Name: "Rey Reviewer"}
		if err := store.CreatePerson(ctx, reviewer); err != nil {
			t.Fatal(err)
		}
		if err := store.SetProgramRole(ctx, reviewer.ID, f.program, "reviewer", f.admin.ID); err != nil {
			t.Fatal(err)
		}
		u := programURL(demo.ProgramSlug) + "/timing"
		seeded := f.programBySlug(t, demo.ProgramSlug)
		for _, tt := range []struct {
			who, email string
			want       int
		}{
			{"anonymous", "", 401},
			{"member", demo.MemberEmail, 403},
			{"staff", demo.StaffEmail, 403},
			{"reviewer of the program", "reviewer@example.com", 403},
			{"owner of another program", "other-owner@example.com", 404},
		} {
			t.Run(tt.who, func(t *testing.T) {
				c := f.client(t, tt.email)
				c.Get("/") // the CSRF token, so the refusal is authorization's
				if res := c.PostForm(u, change(timingForm(), "reminders_off", "on")); res.StatusCode != tt.want {
					t.Errorf("POST = %d, want %d", res.StatusCode, tt.want)
				}
				if p := f.programBySlug(t, demo.ProgramSlug); fmt.Sprintf("%#v", p.Settings) != fmt.Sprintf("%#v", seeded.Settings) {
					t.Errorf("settings changed: %#v", p.Settings)
				}
				if evs := f.events(t); len(evs) != 0 {
					t.Errorf("refused save wrote %d audit events", len(evs))
				}
			})
		}
	})
}
