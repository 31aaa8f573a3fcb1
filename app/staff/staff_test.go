package staff_test

import (
	"context"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/forms"
	"cohort/app/participants"
	"cohort/app/web"
	"cohort/db"
	"cohort/db/dbtest"
)

const (
	listURL     = "/staff/programs/" + demo.ProgramSlug + "/participants"
	reviewer    = "reviewer@example.com"
	coordinator = "coordinator@example.com"
	outsider    = "outsider@example.com" // coordinator of another program only
)

// fixture is the demo program with 120 participants (three pages), people in every
// role, a participant whose name is a spreadsheet formula, one with known
// hours, and an enrollment in another program.
type fixture struct {
	store      *db.Store
	srv        *web.Server
	programID  int64
	formula    int64 // enrollment whose name starts with =cmd
	hours      int64 // enrollment in America/New_York, 09:00–17:00 local
	submitted  []int64
	draft      int64
	elsewhere  int64 // an enrollment in another program
	otherSlug  string
	clients    map[string]*apptest.Client
	t          *testing.T
	allEmails  []string
	totalCount int
}

func newFixture(t *testing.T, s *db.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Seed(ctx, s, demo.Options{Participants: 120, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	prog, err := s.ProgramBySlug(ctx, demo.ProgramSlug)
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.ProgramBySlug(ctx, "demo-membership")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: s, programID: prog.ID, otherSlug: other.Slug, clients: map[string]*apptest.Client{}, t: t}
	admin, err := s.PersonByEmail(ctx, demo.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	for email, role := range map[string]struct {
		program int64
		role    string
	}{reviewer: {prog.ID, "reviewer"}, coordinator: {prog.ID, "coordinator"}, outsider: {other.ID, "coordinator"}} {
		p := &db.Person{Email: email, Name: email}
		if err := s.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := s.SetProgramRole(ctx, p.ID, role.program, role.role, admin.ID); err != nil {
			t.Fatal(err)
		}
	}
	add := func(programID int64, email, name, status, tz string, off int, mask int64) int64 {
		p := &db.Person{Email: email, Name: name}
		if err := s.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		sub := time.Date(2026, 10, 2, 15, 0, 0, 0, time.UTC)
		e := &db.Enrollment{ProgramID: programID, PersonID: p.ID, Status: status, FullName: name, IsMentee: true,
			TimeZone: tz, TZOffsetMin: off, AvailMask: mask, Org: "data", Level: "IC2", SubmittedAt: &sub,
			Comments: "-1 is a formula too",
			Answers: map[string]any{"full_name": name, "roles": []string{"learner"}, "time_zone": tz,
				"hours": map[string]any{"mask": mask}, "org": "data", "level": "IC2"}}
		if status == db.StatusDraft {
			e.SubmittedAt = nil
		}
		if err := s.CreateEnrollments(ctx, []*db.Enrollment{e}); err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	f.formula = add(prog.ID, "formula@example.com", "=cmd|' /C calc'!A0", db.StatusSubmitted, "UTC", 0, 0xff00)
	// 09:00–17:00 in New York in winter (UTC−5) is 14:00–22:00 UTC.
	f.hours = add(prog.ID, "hours@example.com", "Hana Hours", db.StatusSubmitted, "America/New_York", -300, 0xff<<14)
	f.draft = add(prog.ID, "draft@example.com", "Dora Draft", db.StatusDraft, "UTC", 0, 0)
	f.elsewhere = add(other.ID, "elsewhere@example.com", "Elle Elsewhere", db.StatusSubmitted, "UTC", 0, 0)
	f.submitted = []int64{f.formula, f.hours}
	f.srv = apptest.New(t, s, nil)
	rows, err := s.ListParticipants(ctx, db.ParticipantPage{Filter: db.ParticipantFilter{ProgramID: prog.ID}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		f.allEmails = append(f.allEmails, r.Email)
	}
	f.totalCount = len(rows)
	return f
}

// as returns a client signed in as email ("" for anonymous).
func (f *fixture) as(email string) *apptest.Client {
	if c, ok := f.clients[email]; ok {
		return c
	}
	c := apptest.NewClient(f.t, f.srv)
	c.Get("/")
	if email != "" {
		c.SignInAs(email)
	}
	f.clients[email] = c
	return c
}

func htmx(c *apptest.Client, path string) *apptest.Response {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("HX-Request", "true")
	return c.Do(req)
}

func htmxPost(c *apptest.Client, path string, form url.Values) *apptest.Response {
	form.Set(web.CSRFField, c.CSRF)
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	return c.Do(req)
}

func detailURL(id int64) string { return listURL + "/" + strconv.FormatInt(id, 10) }

var rowIDRe = regexp.MustCompile(`<tr id="row-(\d+)"`)

func rowIDs(body string) []int64 {
	var ids []int64
	for _, m := range rowIDRe.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

var countRe = regexp.MustCompile(`<p id="staff-count" role="status"[^>]*><strong>(\d+)</strong>`)

func total(t *testing.T, body string) int {
	t.Helper()
	m := countRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no count in %.300s", body)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// facetCount reads the count shown beside a facet value.
func facetCount(t *testing.T, body, param, value string) int {
	t.Helper()
	re := regexp.MustCompile(`id="fc-` + param + `-` + hex.EncodeToString([]byte(value)) + `"[^>]*>(\d+)<`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s=%s facet count", param, value)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// Who may do what: anonymous 401; someone who may not view the program
// sees nothing of it (404, as if it did not exist); reviewers view but
// neither edit nor export; coordinators and staff do all three.
func TestAuthorization(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		f := newFixture(t, s)
		id := strconv.FormatInt(f.hours, 10)
		routes := []struct{ method, path string }{
			{"GET", listURL},
			{"GET", listURL + ".csv"},
			{"GET", listURL + "/" + id},
			{"POST", listURL + "/" + id + "/status"},
			{"POST", listURL + "/" + id + "/notes"},
			{"POST", listURL + "/bulk"},
		}
		for _, tc := range []struct {
			who  string
			want []int // per route above
		}{
			{"", []int{401, 401, 401, 401, 401, 401}},
			{demo.MemberEmail, []int{404, 404, 404, 404, 404, 404}},
			{outsider, []int{404, 404, 404, 404, 404, 404}},
			{reviewer, []int{200, 403, 200, 403, 403, 403}},
			{coordinator, []int{200, 200, 200, 303, 303, 303}},
			{demo.StaffEmail, []int{200, 200, 200, 303, 303, 303}},
			{demo.AdminEmail, []int{200, 200, 200, 303, 303, 303}},
		} {
			name := tc.who
			if name == "" {
				name = "anonymous"
			}
			t.Run(name, func(t *testing.T) {
				c := f.as(tc.who)
				for i, r := range routes {
					form := url.Values{web.CSRFField: {c.CSRF}, "action": {"waitlist"}, "body": {"A note."}, "id": {id}}
					req := httptest.NewRequest(r.method, r.path, strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					if res := c.Do(req); res.StatusCode != tc.want[i] {
						t.Errorf("%s %s: %d, want %d", r.method, r.path, res.StatusCode, tc.want[i])
					}
				}
			})
		}
		// Another program's enrollment through this program's pages does
		// not exist, even for staff who may see both.
		staff := f.as(demo.StaffEmail)
		if res := staff.Get(detailURL(f.elsewhere)); res.StatusCode != 404 {
			t.Errorf("other program's participant via this program: %d", res.StatusCode)
		}
		if res := staff.PostForm(detailURL(f.elsewhere)+"/status", url.Values{"action": {"approve"}}); res.StatusCode != 404 {
			t.Errorf("deciding another program's participant: %d", res.StatusCode)
		}
		for _, path := range []string{"/staff/programs/nope/participants", listURL + "/abc", listURL + "/0", listURL + "/99999999"} {
			if res := staff.Get(path); res.StatusCode != 404 {
				t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
			}
		}
		// The outsider still sees their own program.
		if res := f.as(outsider).Get("/staff/programs/" + f.otherSlug + "/participants"); res.StatusCode != 200 {
			t.Errorf("outsider on their own program: %d", res.StatusCode)
		}
		if res := f.as(outsider).Get("/staff"); res.StatusCode != 200 || strings.Contains(res.Body, demo.ProgramSlug) {
			t.Errorf("outsider's staff index: %d, lists the demo program: %v", res.StatusCode, strings.Contains(res.Body, demo.ProgramSlug))
		}
	})
}

// An htmx request gets the results partial (with out-of-band facet
// counts), any other the whole page; both say Vary: HX-Request.
func TestPartialOrPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		f := newFixture(t, s)
		c := f.as(reviewer)
		page := c.Get(listURL + "?role=mentee")
		part := htmx(c, listURL+"?role=mentee")
		for _, res := range []*apptest.Response{page, part} {
			if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
				t.Fatalf("status %d, Vary %q", res.StatusCode, res.Header.Get("Vary"))
			}
		}
		if !strings.Contains(page.Body, "<html") || !strings.Contains(page.Body, `id="staff-filters"`) || strings.Contains(page.Body, "hx-swap-oob") {
			t.Error("the full page lacks the layout or the filter form, or has out-of-band swaps")
		}
		if strings.Contains(part.Body, "<html") || strings.Contains(part.Body, `id="staff-filters"`) ||
			!strings.Contains(part.Body, `hx-swap-oob="true">`) || !strings.Contains(part.Body, `id="staff-count"`) {
			t.Error("the partial is not just the results with out-of-band counts")
		}
		// The address bar gets the canonical URL, not every empty control.
		if got := htmx(c, listURL+"?q=&role=learner&status=&sort=name&dir=&tz=UTC").Header.Get("HX-Push-Url"); got != listURL+"?role=mentee" {
			t.Errorf("HX-Push-Url %q", got)
		}
		if !slices.Equal(rowIDs(page.Body), rowIDs(part.Body)) || total(t, page.Body) != total(t, part.Body) {
			t.Error("page and partial disagree")
		}
		// A boosted request or a history restore needs the whole page.
		for _, h := range []string{"HX-Boosted", "HX-History-Restore-Request"} {
			req := httptest.NewRequest("GET", listURL, nil)
			req.Header.Set("HX-Request", "true")
			req.Header.Set(h, "true")
			if res := c.Do(req); !strings.Contains(res.Body, "<html") {
				t.Errorf("with %s: not the full page", h)
			}
		}
	})
}

// Filters narrow the rows; each facet counts under the other filters.
func TestFiltersAndFacets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		f := newFixture(t, s)
		c := f.as(reviewer)
		ctx := context.Background()
		all := func(flt db.ParticipantFilter) []db.ParticipantRow {
			flt.ProgramID = f.programID
			rows, err := s.ListParticipants(ctx, db.ParticipantPage{Filter: flt, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		for _, tc := range []struct {
			query string
			flt   db.ParticipantFilter
		}{
			{"", db.ParticipantFilter{}},
			{"role=mentee", db.ParticipantFilter{Role: "mentee"}},
			{"role=learner&status=approved&status=submitted", db.ParticipantFilter{Role: "mentee", Statuses: []string{"approved", "submitted"}}},
			{"tz_min=-5&tz_max=%2B2", db.ParticipantFilter{TZMinMinutes: ptr(-300), TZMaxMinutes: ptr(120)}},
			{"avail=14&avail=15", db.ParticipantFilter{AvailBits: 1<<14 | 1<<15}},
			{"interest=Leadership", db.ParticipantFilter{Interests: []string{"leadership"}}},
			{"org=data&org=design&level=IC2", db.ParticipantFilter{Orgs: []string{"data", "design"}, Levels: []string{"IC2"}}},
			{"track_change=yes&distance_pref=neutral", db.ParticipantFilter{TrackChanges: []string{"yes"}, DistancePrefs: []string{"neutral"}}},
			{"q=hana", db.ParticipantFilter{Words: []string{"hana"}}},
			{"q=example.com&role=mentor", db.ParticipantFilter{Words: []string{"example", "com"}, Role: "mentor"}},
			{"paired=no&role=mentee", db.ParticipantFilter{Paired: boolPtr(false), Role: "mentee"}},
			{"paired=yes", db.ParticipantFilter{Paired: boolPtr(true)}},
		} {
			t.Run(tc.query, func(t *testing.T) {
				res := htmx(c, listURL+"?"+tc.query)
				if res.StatusCode != 200 {
					t.Fatalf("status %d", res.StatusCode)
				}
				want := all(tc.flt)
				if got := total(t, res.Body); got != len(want) {
					t.Fatalf("count %d, want %d", got, len(want))
				}
				var wantIDs []int64
				for _, r := range want[:min(len(want), 50)] {
					wantIDs = append(wantIDs, r.ID)
				}
				if got := rowIDs(res.Body); !slices.Equal(got, wantIDs) {
					t.Fatalf("rows %v, want %v", got, wantIDs)
				}
				// The status facet counts ignore the status filter only.
				noStatus := tc.flt
				noStatus.Statuses = nil
				for _, st := range participants.Statuses {
					n := 0
					for _, r := range all(noStatus) {
						if r.Status == st {
							n++
						}
					}
					if got := facetCount(t, res.Body, "status", st); got != n {
						t.Errorf("status %s facet %d, want %d", st, got, n)
					}
				}
				noRole := tc.flt
				noRole.Role = ""
				mentors := 0
				for _, r := range all(noRole) {
					if r.IsMentor {
						mentors++
					}
				}
				if got := facetCount(t, res.Body, "role", "mentor"); got != mentors {
					t.Errorf("mentor facet %d, want %d", got, mentors)
				}
			})
		}
	})
}

func ptr(n int) *int { return &n }

// Invalid parameters are named, with a 422, and the rest still filters.
func TestInvalidFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		f := newFixture(t, s)
		c := f.as(reviewer)
		for _, q := range []string{"role=boss", "status=lost", "tz_min=99", "tz_min=3&tz_max=-3", "avail=24", "sort=height",
			"dir=up", "after=not-a-cursor", "tz=Mars/Olympus", "paired=maybe", "q=" + strings.Repeat("a", 201)} {
			for _, hx := range []bool{false, true} {
				var res *apptest.Response
				if hx {
					res = htmx(c, listURL+"?"+q)
				} else {
					res = c.Get(listURL + "?" + q)
				}
				if res.StatusCode != 422 || !strings.Contains(res.Body, "error-summary") {
					t.Errorf("%s (htmx %v): %d", q, hx, res.StatusCode)
				}
			}
		}
	})
}

var nextRe = regexp.MustCompile(`<a href="([^"]+)" hx-get="[^"]+" hx-target="#staff-results" hx-push-url="true" rel="next">`)

// Following "Next page" visits every participant exactly once, in every
// sort order, through the pages a person would click.
func TestPagination(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		f := newFixture(t, s)
		c := f.as(reviewer)
		for _, sort := range participants.SortKeys {
			for _, dir := range []string{"", "desc"} {
				path := listURL + "?sort=" + sort + "&dir=" + dir
				var seen []int64
				pages := 0
				for ; path != ""; pages++ {
					if pages > 10 {
						t.Fatal("too many pages")
					}
					res := htmx(c, path)
					if res.StatusCode != 200 {
						t.Fatalf("%s: %d", path, res.StatusCode)
					}
					seen = append(seen, rowIDs(res.Body)...)
					path = ""
					if m := nextRe.FindStringSubmatch(res.Body); m != nil {
						path = strings.ReplaceAll(m[1], "&amp;", "&")
					}
				}
				if pages < 3 {
					t.Errorf("sort %s %s: %d pages, want 3", sort, dir, pages)
				}
				uniq := slices.Clone(seen)
				slices.Sort(uniq)
				if len(slices.Compact(uniq)) != len(seen) || len(seen) != f.totalCount {
					t.Errorf("sort %s %s: %d rows (%d distinct), want %d", sort, dir, len(seen), len(uniq), f.totalCount)
				}
			}
		}
	})
}

// The export holds exactly the filtered rows, in the table's order, every
// page of them, with formula-looking cells neutralised.
func TestExportCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		f := newFixture(t, s)
		c := f.as(coordinator)
		for _, q := range []string{"", "org=data", "q=formula", "role=mentee&sort=email&dir=desc"} {
			res := c.Get(listURL + ".csv?" + q)
			if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
				!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("%s: %d %q %q", q, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
			}
			recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\ufeff"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(strings.Join(recs[0], ","), "id,name,email,status,roles,org,level,time zone,hours (UTC),interests,submitted at (UTC),paired,Full name,") {
				t.Fatalf("header %v", recs[0])
			}
			var got []int64
			for _, r := range recs[1:] {
				id, err := strconv.ParseInt(r[0], 10, 64)
				if err != nil {
					t.Fatalf("row %v", r)
				}
				got = append(got, id)
			}
			// The same rows, in the same order, as walking the table.
			var want []int64
			path := listURL + "?" + q
			for path != "" {
				res := htmx(c, path)
				want = append(want, rowIDs(res.Body)...)
				path = ""
				if m := nextRe.FindStringSubmatch(res.Body); m != nil {
					path = strings.ReplaceAll(m[1], "&amp;", "&")
				}
			}
			if !slices.Equal(got, want) || len(got) == 0 {
				t.Errorf("%q: csv ids %v, table %v", q, got, want)
			}
		}
		res := c.Get(listURL + ".csv?q=cmd")
		recs, _ := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\ufeff"))).ReadAll()
		if len(recs) != 2 {
			t.Fatalf("search for cmd: %d records", len(recs))
		}
		if r := recs[1]; r[1] != "'=cmd|' /C calc'!A0" || r[8] != "08:00–16:00" || r[3] != "submitted" || r[4] != "mentee" {
			t.Errorf("formula row %q", r)
		}
		if strings.Contains(res.Body, "\n=") || strings.Contains(res.Body, ",=") {
			t.Error("a cell starts with =")
		}
		// Exporting is recorded.
		evs, err := s.ListAudit(context.Background(), db.AuditQuery{Action: "participants.export"})
		if err != nil || len(evs) < 5 {
			t.Errorf("export audit events: %d, %v", len(evs), err)
		}
	})
}

// A decision and a note are saved with their audit events; the htmx
// answer is the participant again with their row swapped out of band.
func TestStatusAndNotes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		c := f.as(coordinator)
		// Warm the cache, so the change must invalidate it.
		if !strings.Contains(htmx(c, listURL+"?q=hana").Body, ">Submitted<") {
			t.Fatal("Hana is not listed as submitted")
		}
		res := c.PostForm(detailURL(f.hours)+"/status", url.Values{"action": {"approve"}, "view": {"q=hana&tz=Asia%2FTokyo"}})
		if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), detailURL(f.hours)+"?q=hana&tz=Asia%2FTokyo&done=status") {
			t.Fatalf("approve: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		e, _, err := s.ProgramEnrollment(ctx, f.programID, f.hours)
		if err != nil || e.Status != db.StatusApproved || e.DecidedAt == nil {
			t.Fatalf("after approve: %+v, %v", e, err)
		}
		if !strings.Contains(htmx(c, listURL+"?q=hana").Body, ">Approved<") {
			t.Error("the table still shows the old status")
		}
		res = htmxPost(c, detailURL(f.hours)+"/status", url.Values{"action": {"waitlist"}})
		if res.StatusCode != 200 || !strings.Contains(res.Body, `<tr id="detail-`) || !strings.Contains(res.Body, `<tr id="row-`+strconv.FormatInt(f.hours, 10)+`" hx-swap-oob="true">`) ||
			!strings.Contains(res.Body, "Decision saved: Waitlisted.") {
			t.Fatalf("htmx waitlist: %d %.500s", res.StatusCode, res.Body)
		}
		// Deciding the same again changes nothing and records nothing.
		htmxPost(c, detailURL(f.hours)+"/status", url.Values{"action": {"waitlist"}})
		evs, err := s.AuditAboutEnrollment(ctx, f.hours, 10)
		if err != nil || len(evs) != 2 || evs[0].Action != "enrollment.status" || evs[0].Details["from"] != "approved" ||
			evs[0].Details["to"] != "waitlisted" || evs[1].Details["from"] != "submitted" {
			t.Fatalf("audit: %+v, %v", evs, err)
		}
		// Drafts are not decided; nonsense actions are refused.
		if res := c.PostForm(detailURL(f.draft)+"/status", url.Values{"action": {"approve"}}); res.StatusCode != 409 {
			t.Errorf("approving a draft: %d", res.StatusCode)
		}
		if res := c.PostForm(detailURL(f.hours)+"/status", url.Values{"action": {"promote"}}); res.StatusCode != 422 {
			t.Errorf("unknown action: %d", res.StatusCode)
		}
		// Notes.
		if res := htmxPost(c, detailURL(f.hours)+"/notes", url.Values{"body": {"   "}}); res.StatusCode != 422 || !strings.Contains(res.Body, "Write the note first.") {
			t.Errorf("empty note: %d", res.StatusCode)
		}
		if res := c.PostForm(detailURL(f.hours)+"/notes", url.Values{"body": {"Prefers <b>video</b> calls."}}); res.StatusCode != 303 {
			t.Fatalf("note: %d", res.StatusCode)
		}
		page := c.Get(detailURL(f.hours))
		if !strings.Contains(page.Body, "Prefers &lt;b&gt;video&lt;/b&gt; calls.") || !strings.Contains(page.Body, coordinator) ||
			!strings.Contains(page.Body, "Added a note") || !strings.Contains(page.Body, "Decision: Approved → Waitlisted") {
			t.Error("the participant page lacks the note or the history")
		}
		notes, _ := s.StaffNotes(ctx, f.hours)
		evs, _ = s.AuditAboutEnrollment(ctx, f.hours, 10)
		if len(notes) != 1 || evs[0].Action != "enrollment.note" || evs[0].Details["note_id"] == nil {
			t.Errorf("notes %v, last event %+v", notes, evs[0])
		}
		// A reviewer sees the note but no forms to change anything.
		rv := f.as(reviewer).Get(detailURL(f.hours))
		if !strings.Contains(rv.Body, "video") || strings.Contains(rv.Body, `/status"`) || strings.Contains(rv.Body, `/notes"`) {
			t.Error("reviewer's view of the participant")
		}
	})
}

// Bulk decisions change the decidable ones, skip drafts, audit each, and
// refuse the whole selection when any id belongs elsewhere.
func TestBulk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		c := f.as(demo.StaffEmail)
		ids := func(xs ...int64) []string {
			var out []string
			for _, x := range xs {
				out = append(out, strconv.FormatInt(x, 10))
			}
			return out
		}
		res := c.PostForm(listURL+"/bulk", url.Values{"action": {"decline"}, "id": ids(f.formula, f.hours, f.elsewhere)})
		if res.StatusCode != 422 {
			t.Fatalf("bulk with a stranger: %d", res.StatusCode)
		}
		for _, id := range f.submitted {
			if e, _, _ := s.ProgramEnrollment(ctx, f.programID, id); e.Status != db.StatusSubmitted {
				t.Fatal("a refused bulk changed something")
			}
		}
		// Declining asks first, with or without JavaScript: nothing changes
		// until the confirmation's own button posts the selection again.
		for name, post := range map[string]func(string, url.Values) *apptest.Response{
			"no JS": c.PostForm,
			"htmx":  func(p string, v url.Values) *apptest.Response { return htmxPost(c, p, v) },
		} {
			res = post(listURL+"/bulk", url.Values{"action": {"decline"}, "id": ids(f.formula, f.hours, f.draft), "view": {"q=example"}})
			body := html.UnescapeString(res.Body)
			if res.StatusCode != 200 || !strings.Contains(body, "Decline 3 participants?") || !strings.Contains(body, `name="confirm" value="yes"`) ||
				!strings.Contains(body, fmt.Sprintf(`name="id" value="%d"`, f.hours)) || !strings.Contains(body, `href="`+listURL+`?q=example"`) {
				t.Fatalf("%s decline without confirmation: %d %.600s", name, res.StatusCode, body)
			}
			for _, id := range f.submitted {
				if e, _, _ := s.ProgramEnrollment(ctx, f.programID, id); e.Status != db.StatusSubmitted {
					t.Fatalf("%s: an unconfirmed decline changed something", name)
				}
			}
		}
		res = htmxPost(c, listURL+"/bulk", url.Values{"action": {"decline"}, "confirm": {"yes"}, "id": ids(f.formula, f.hours, f.draft), "view": {"q=example"}})
		if res.StatusCode != 200 || !strings.Contains(res.Body, "2 participants declined. 1 skipped") || !strings.Contains(res.Body, `id="flash"`) {
			t.Fatalf("bulk: %d %.300s", res.StatusCode, res.Body)
		}
		if !strings.Contains(res.Body, ">Declined<") {
			t.Error("the re-rendered table does not show the change")
		}
		for _, id := range f.submitted {
			e, _, _ := s.ProgramEnrollment(ctx, f.programID, id)
			evs, _ := s.AuditAboutEnrollment(ctx, id, 5)
			if e.Status != db.StatusDeclined || len(evs) != 1 || evs[0].Action != "enrollment.status" {
				t.Errorf("enrollment %d: %s, %d events", id, e.Status, len(evs))
			}
		}
		if e, _, _ := s.ProgramEnrollment(ctx, f.programID, f.draft); e.Status != db.StatusDraft {
			t.Error("the draft was decided")
		}
		// Without JavaScript: post/redirect/get back to the same view.
		res = c.PostForm(listURL+"/bulk", url.Values{"action": {"approve"}, "id": ids(f.formula), "view": {"org=data"}})
		if res.StatusCode != 303 || res.Header.Get("Location") != listURL+"?org=data&done=bulk&n=1" {
			t.Fatalf("no-JS bulk: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if page := c.Get(res.Header.Get("Location")); !strings.Contains(page.Body, "1 participant updated.") {
			t.Error("no confirmation after the redirect")
		}
		for _, bad := range []url.Values{{"action": {"approve"}}, {"action": {"fly"}, "id": ids(f.hours)}, {"action": {"approve"}, "id": {"x"}}} {
			if res := c.PostForm(listURL+"/bulk", bad); res.StatusCode != 422 {
				t.Errorf("bulk %v: %d", bad, res.StatusCode)
			}
		}
	})
}

// The inline participant shows every answer and the hours in the viewer's
// zone (from ?tz=, UTC by default), never a raw mask.
func TestDetailHoursInViewerZone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		f := newFixture(t, s)
		c := f.as(reviewer)
		now := time.Now()
		mask := int64(0xff << 14)
		for _, tz := range []string{"", "Asia/Tokyo", "America/Los_Angeles"} {
			want := forms.FormatHours(mask, "UTC", now) + "</strong> <span class=\"muted\">in UTC"
			path := detailURL(f.hours)
			if tz != "" {
				want = forms.FormatHours(mask, tz, now) + "</strong> <span class=\"muted\">in " + tz
				path += "?tz=" + url.QueryEscape(tz)
			}
			res := htmx(c, path)
			if res.StatusCode != 200 || !strings.HasPrefix(strings.TrimSpace(res.Body), `<tr id="detail-`) {
				t.Fatalf("%s: %d %.200s", tz, res.StatusCode, res.Body)
			}
			if !strings.Contains(res.Body, want) {
				t.Errorf("tz %q: want %q in the detail", tz, want)
			}
			if strings.Contains(res.Body, strconv.FormatInt(mask, 10)) {
				t.Error("the raw mask is shown")
			}
		}
		page := c.Get(detailURL(f.hours) + "?tz=Asia%2FTokyo&org=data")
		for _, want := range []string{"<html", "Hana Hours", "Hours available", "(Asia/Tokyo)", "in their own zone, America/New_York",
			`href="` + listURL + `?org=data&amp;tz=Asia%2FTokyo"`} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("full page lacks %q", want)
			}
		}
		if res := c.Get(detailURL(f.hours) + "?tz=Nowhere%2FLand"); res.StatusCode != 200 || !strings.Contains(res.Body, "in UTC") {
			t.Errorf("unknown zone falls back to UTC: %d", res.StatusCode)
		}
	})
}

// Search finds participants by a prefix of any word of their name, email,
// organization or comments, on both databases.
func TestSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		f := newFixture(t, s)
		c := f.as(reviewer)
		for q, want := range map[string][]int64{
			"hana":              {f.hours},
			"HOURS@EXAMPLE":     {f.hours},
			"han hou":           {f.hours},
			"formula too":       {f.formula, f.hours, f.draft},
			`"); DROP TABLE x;`: nil,
			"*":                 nil, // no words: everyone
		} {
			res := htmx(c, listURL+"?q="+url.QueryEscape(q))
			got := rowIDs(res.Body)
			if want == nil {
				if q == "*" && total(t, res.Body) != f.totalCount {
					t.Errorf("%q: %d rows, want everyone", q, total(t, res.Body))
				}
				if q != "*" && len(got) != 0 {
					t.Errorf("%q: %v", q, got)
				}
				continue
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%q: %v, want %v", q, got, want)
			}
		}
	})
}

func TestStatusesMatchDB(t *testing.T) {
	want := []string{db.StatusDraft, db.StatusSubmitted, db.StatusApproved, db.StatusWaitlisted, db.StatusDeclined,
		db.StatusActive, db.StatusEnded, db.StatusWithdrawn}
	if !slices.Equal(participants.Statuses, want) {
		t.Fatalf("participants.Statuses = %v, db has %v", participants.Statuses, want)
	}
}

func boolPtr(b bool) *bool { return &b }

// The paired filter, badge and CSV column follow pairs as they are made
// and ended: the cached answer for the same URL changes at once, though
// pairs are written outside the enrollments the data version watches.
func TestPairedFilter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		c := f.as(coordinator)
		ids := func(q string) []int64 {
			t.Helper()
			res := htmx(c, listURL+"?"+q)
			if res.StatusCode != 200 {
				t.Fatalf("%s: status %d", q, res.StatusCode)
			}
			return rowIDs(res.Body)
		}
		first := func(role string) int64 {
			t.Helper()
			rows, err := s.ListParticipants(ctx, db.ParticipantPage{Limit: 1000, Filter: db.ParticipantFilter{
				ProgramID: f.programID, Role: role, Paired: boolPtr(false)}})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if r.IsMentor != r.IsMentee {
					return r.ID
				}
			}
			t.Fatalf("no unpaired %s", role)
			return 0
		}
		mentor, mentee := first("mentor"), first("mentee")
		q := "paired=yes&sort=submitted&q=" // sorted by submission: both pages fit
		before := ids(q)
		if slices.Contains(before, mentee) || slices.Contains(before, mentor) {
			t.Fatal("unpaired people listed as paired")
		}
		notPaired := htmx(c, listURL+"?paired=no&role=mentee")
		nBefore := total(t, notPaired.Body)

		p := &db.Pair{ProgramID: f.programID, MentorEnrollmentID: mentor, MenteeEnrollmentID: mentee, Status: db.PairActive}
		if err := s.CreatePair(ctx, p); err != nil {
			t.Fatal(err)
		}
		after := ids(q)
		if !slices.Contains(after, mentee) || !slices.Contains(after, mentor) {
			t.Fatalf("right after pairing, paired=yes shows %v, missing %d or %d", after, mentor, mentee)
		}
		res := htmx(c, listURL+"?paired=no&role=mentee")
		if n := total(t, res.Body); n != nBefore-1 {
			t.Fatalf("paired=no mentees: %d, want %d", n, nBefore-1)
		}
		if slices.Contains(rowIDs(res.Body), mentee) {
			t.Fatal("the paired mentee still listed as not paired")
		}
		row := htmx(c, listURL+"?paired=yes&role=mentee").Body
		if !strings.Contains(row, `id="paired-`+strconv.FormatInt(mentee, 10)+`"`) {
			t.Fatal("no Paired badge on the paired mentee's row")
		}
		page := c.Get(listURL + "?paired=yes")
		if !strings.Contains(page.Body, `id="f-paired-yes" name="paired" value="yes" checked`) {
			t.Fatal("the form does not show the paired filter")
		}

		csvRes := c.Get(listURL + ".csv?paired=yes")
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvRes.Body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if recs[0][11] != "paired" || len(recs) != len(after)+1 {
			t.Fatalf("CSV: header %v, %d rows, want %d", recs[0], len(recs)-1, len(after))
		}
		for _, r := range recs[1:] {
			if r[11] != "yes" {
				t.Fatalf("CSV row not paired: %v", r)
			}
		}

		if _, err := s.EndPair(ctx, p.ID, "moved on"); err != nil {
			t.Fatal(err)
		}
		if got := ids(q); slices.Contains(got, mentee) || slices.Contains(got, mentor) || len(got) != len(before) {
			t.Fatalf("right after ending, paired=yes shows %v, want %v", got, before)
		}
		if n := total(t, htmx(c, listURL+"?paired=no&role=mentee").Body); n != nBefore {
			t.Fatalf("paired=no mentees after ending: %d, want %d", n, nBefore)
		}
	})
}
