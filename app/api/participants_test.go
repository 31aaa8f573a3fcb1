package api_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/db"
	"cohort/db/dbtest"
)

const (
	tableURL = "/staff/programs/" + demo.ProgramSlug + "/participants"
	listAPI  = "/api/v1/programs/" + demo.ProgramSlug + "/participants"
)

// tableWorld is the demo program with 230 participants (five pages of the
// table), three pairs (one ended), the staff table open in a staff
// session, and tokens for the staff account, a reviewer of the program, a
// coordinator of another program and a member.
type tableWorld struct {
	fixture
	table *apptest.Client
}

func newTableWorld(t *testing.T, store *db.Store) *tableWorld {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Seed(ctx, store, demo.Options{Participants: 230, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	w := &tableWorld{fixture: fixture{store: store, people: map[string]*db.Person{}, tokens: map[string]string{}}}
	var err error
	if w.prog, err = store.ProgramBySlug(ctx, demo.ProgramSlug); err != nil {
		t.Fatal(err)
	}
	if w.other, err = store.ProgramBySlug(ctx, "demo-membership"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		key, role string
		program   int64
	}{{"reviewer", "reviewer", w.prog.ID}, {"outsider", "coordinator", w.other.ID}} {
		p := &db.Person{Email: r.key + "@example.org", Name: r.key}
		if err := store.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := store.SetProgramRole(ctx, p.ID, r.program, r.role, 0); err != nil {
			t.Fatal(err)
		}
		w.people[r.key] = p
	}
	for _, email := range []string{demo.StaffEmail, demo.MemberEmail} {
		p, err := store.PersonByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		w.people[strings.Split(email, "@")[0]] = p
	}
	for _, key := range []string{"reviewer", "outsider", "staff", "member"} {
		if w.tokens[key], _, err = store.CreateAPIToken(ctx, w.people[key].ID, "test"); err != nil {
			t.Fatal(err)
		}
	}
	// Pairs: mentors and mentees who are only one of the two, first by id.
	rows, err := store.ListParticipants(ctx, db.ParticipantPage{Filter: db.ParticipantFilter{ProgramID: w.prog.ID}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var mentors, mentees []int64
	for _, r := range rows {
		switch {
		case r.IsMentor && !r.IsMentee:
			mentors = append(mentors, r.ID)
		case r.IsMentee && !r.IsMentor:
			mentees = append(mentees, r.ID)
		}
	}
	slices.Sort(mentors)
	slices.Sort(mentees)
	for i, status := range []string{db.PairActive, db.PairProposed, db.PairActive} {
		p := &db.Pair{ProgramID: w.prog.ID, MentorEnrollmentID: mentors[i], MenteeEnrollmentID: mentees[i], Status: status}
		if err := store.CreatePair(ctx, p); err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			if _, err := store.EndPair(ctx, p.ID, "moved on"); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.srv = apptest.New(t, store, nil)
	w.table = apptest.NewClient(t, w.srv)
	w.table.Get("/")
	w.table.SignInAs(demo.StaffEmail)
	return w
}

var (
	tableRowRe  = regexp.MustCompile(`<tr id="row-(\d+)"`)
	tableNextRe = regexp.MustCompile(`<a href="([^"]+)"[^>]*rel="next">`)
)

// tablePages walks the staff table (its htmx results partial, as staff
// page through it) from the first page of query to the last: the ids of
// each page, and the after cursor each next link carries.
func (w *tableWorld) tablePages(t *testing.T, query string) (pages [][]int64, cursors []string) {
	t.Helper()
	next := tableURL + "?" + query
	for next != "" {
		if len(pages) > 10 {
			t.Fatalf("%s: the table does not end", query)
		}
		req := httptest.NewRequest(http.MethodGet, next, nil)
		req.Header.Set("HX-Request", "true")
		res := w.table.Do(req)
		if res.StatusCode != 200 {
			t.Fatalf("table %s: %d", next, res.StatusCode)
		}
		var ids []int64
		for _, m := range tableRowRe.FindAllStringSubmatch(res.Body, -1) {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			ids = append(ids, id)
		}
		pages = append(pages, ids)
		next = ""
		if m := tableNextRe.FindStringSubmatch(res.Body); m != nil {
			next = html.UnescapeString(m[1])
			u, err := url.Parse(next)
			if err != nil {
				t.Fatal(err)
			}
			cursors = append(cursors, u.Query().Get("after"))
		}
	}
	return pages, cursors
}

// apiPages walks the API list of query with page size limit (0: the
// default) following next_cursor, checking every page's shape.
func (w *tableWorld) apiPages(t *testing.T, auth, query string, limit int) (pages [][]int64, cursors []string, total int) {
	t.Helper()
	base := listAPI + "?" + query
	if limit > 0 {
		base += "&limit=" + strconv.Itoa(limit)
	}
	next := base
	for next != "" {
		if len(pages) > 300 {
			t.Fatalf("%s: the API list does not end", query)
		}
		r := w.call(t, "GET", next, auth, nil)
		if r.status != 200 {
			t.Fatalf("GET %s = %d: %s", next, r.status, r.raw)
		}
		var ids []int64
		for _, p := range r.body["participants"].([]any) {
			ids = append(ids, int64(p.(map[string]any)["id"].(float64)))
		}
		n := int(r.body["total"].(float64))
		if len(pages) > 0 && n != total {
			t.Fatalf("%s: total changed from %d to %d between pages", query, total, n)
		}
		total = n
		pages = append(pages, ids)
		next = ""
		if c, ok := r.body["next_cursor"].(string); ok {
			if len(ids) == 0 {
				t.Fatalf("%s: an empty page with a next_cursor", query)
			}
			cursors = append(cursors, c)
			next = base + "&cursor=" + url.QueryEscape(c)
		} else if r.body["next_cursor"] != nil {
			t.Fatalf("next_cursor = %v", r.body["next_cursor"])
		}
	}
	return pages, cursors, total
}

func flat(pages [][]int64) []int64 {
	var out []int64
	for _, p := range pages {
		out = append(out, p...)
	}
	return out
}

// The API lists exactly what the staff table shows, in the same order,
// for every filter and order the table has: with the default page size
// page for page and cursor for cursor, and with any other page size the
// same sequence, each participant once.
func TestParticipantListMatchesTable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := newTableWorld(t, store)
		queries := []string{
			"",
			"role=mentee&interest=leadership&tz_min=-5&tz_max=2",
			"status=approved&status=waitlisted&sort=submitted&dir=desc",
			"sort=submitted",
			"status=draft&status=submitted&sort=submitted&dir=desc",
			"role=mentor&org=engineering&org=design&sort=org",
			"level=IC3&level=M1&sort=level&dir=desc",
			"avail=14&avail=15&sort=tz",
			"tz_min=1&sort=tz&dir=desc",
			"track_change=yes&track_change=maybe&distance_pref=neutral&distance_pref=prefer-far",
			"interest=leadership&interest=career+growth&sort=email",
			"q=mira",
			"q=ber+exa&sort=status",
			"paired=yes",
			"paired=no&role=mentee&sort=email&dir=desc",
			"role=learner&tz=Asia/Tokyo",
			"org=nobody-works-here",
		}
		for _, query := range queries {
			t.Run(query, func(t *testing.T) {
				tPages, tCursors := w.tablePages(t, query)
				want := flat(tPages)
				if len(want) == 0 && query != "org=nobody-works-here" {
					t.Fatalf("%s: the table shows nobody; the case tests nothing", query)
				}
				t.Logf("%d rows on %d table pages", len(want), len(tPages))
				aPages, aCursors, total := w.apiPages(t, w.as("reviewer"), query, 0)
				if !reflect.DeepEqual(aPages, tPages) && !(len(want) == 0 && len(flat(aPages)) == 0) {
					t.Fatalf("pages differ:\n api   %v\n table %v", aPages, tPages)
				}
				if !slices.Equal(aCursors, tCursors) {
					t.Fatalf("cursors differ:\n api   %v\n table %v", aCursors, tCursors)
				}
				if total != len(want) {
					t.Fatalf("total %d, the table lists %d", total, len(want))
				}
				for _, limit := range []int{7, 200} {
					pages, _, _ := w.apiPages(t, w.as("staff"), query, limit)
					got := flat(pages)
					if !slices.Equal(got, want) {
						t.Fatalf("limit %d: %d ids %v\nwant %d ids %v", limit, len(got), got, len(want), want)
					}
					if wantPages := max(1, (len(want)+limit-1)/limit); len(pages) != wantPages {
						t.Fatalf("limit %d: %d pages, want %d", limit, len(pages), wantPages)
					}
				}
			})
		}
		// A table link's own query string works as it is (after, not cursor).
		_, cursors := w.tablePages(t, "sort=email")
		r := w.call(t, "GET", listAPI+"?sort=email&after="+url.QueryEscape(cursors[0]), w.as("reviewer"), nil)
		tPages, _ := w.tablePages(t, "sort=email&after="+url.QueryEscape(cursors[0]))
		var got []int64
		for _, p := range r.body["participants"].([]any) {
			got = append(got, int64(p.(map[string]any)["id"].(float64)))
		}
		if r.status != 200 || !slices.Equal(got, tPages[0]) {
			t.Fatalf("after= %d: %v, want %v", r.status, got, tPages[0])
		}
	})
}

// A participant in the list looks as it does on its own (without its
// pairs), paired state included, and follows changes at once.
func TestParticipantListShapeAndChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		ctx := context.Background()
		w := newTableWorld(t, store)
		r := w.call(t, "GET", listAPI+"?paired=yes&limit=200", w.as("reviewer"), nil)
		list := r.body["participants"].([]any)
		if len(list) != 4 || r.header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Fatalf("paired=yes: %d participants, headers %v: %s", len(list), r.header, r.raw)
		}
		for _, item := range list {
			item := item.(map[string]any)
			one := w.call(t, "GET", fmt.Sprintf("/api/v1/participants/%v", item["id"]), w.as("reviewer"), nil)
			single := one.body["participant"].(map[string]any)
			if len(single["pairs"].([]any)) == 0 {
				t.Fatalf("paired participant without pairs: %s", one.raw)
			}
			delete(single, "pairs")
			if !reflect.DeepEqual(item, single) {
				t.Fatalf("list item and participant differ:\n list %v\n one  %v", item, single)
			}
			if item["paired"] != true {
				t.Fatalf("paired = %v", item["paired"])
			}
		}
		// A fresh answer right after a change, though the same URL was cached.
		url := listAPI + "?status=waitlisted&limit=200"
		before := w.call(t, "GET", url, w.as("reviewer"), nil)
		n := int(before.body["total"].(float64))
		first := before.body["participants"].([]any)[0].(map[string]any)
		id := int64(first["id"].(float64))
		if _, err := store.DB().NewRaw("UPDATE enrollments SET status = ? WHERE id = ?", db.StatusApproved, id).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		after := w.call(t, "GET", url, w.as("reviewer"), nil)
		if int(after.body["total"].(float64)) != n-1 || strings.Contains(after.raw, fmt.Sprintf(`"id":%d,`, id)) {
			t.Fatalf("after the change: total %v (was %d), still lists %d: %s", after.body["total"], n, id, after.raw)
		}
	})
}

func TestParticipantListInvalidParams(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := newTableWorld(t, store)
		r := w.call(t, "GET", listAPI+"?sort=name", w.as("reviewer"), nil)
		nameCursor := r.body["next_cursor"].(string)
		oldStyle := base64.RawURLEncoding.EncodeToString([]byte("after:3"))
		tests := []struct {
			query, param string
		}{
			{"role=boss", "role"},
			{"status=gone", "status"},
			{"status=approved&status=gone", "status"},
			{"tz_min=99", "tz_min"},
			{"tz_min=3&tz_max=1", "tz_max"},
			{"avail=24", "avail"},
			{"avail=noon", "avail"},
			{"org=" + strings.Repeat("x", 101), "org"},
			{"interest=" + strings.Repeat("i&interest=", 31) + "x", "interest"},
			{"paired=maybe", "paired"},
			{"q=" + strings.Repeat("x", 201), "q"},
			{"sort=height", "sort"},
			{"dir=up", "dir"},
			{"tz=Mars/Base", "tz"},
			{"limit=0", "limit"},
			{"limit=201", "limit"},
			{"limit=ten", "limit"},
			{"cursor=bm9wZQ", "cursor"},
			{"cursor=" + oldStyle, "cursor"},
			{"after=bm9wZQ", "after"},
			{"cursor=%%%", "cursor"},
			{"cursor=" + url.QueryEscape(nameCursor) + "&sort=email", "cursor"},
			{"cursor=" + url.QueryEscape(nameCursor) + "&dir=desc", "cursor"},
			{"cursor=" + url.QueryEscape(nameCursor) + "&after=bm9wZQ", "cursor"},
		}
		for _, tt := range tests {
			t.Run(tt.param+" "+tt.query[:min(len(tt.query), 40)], func(t *testing.T) {
				r := w.call(t, "GET", listAPI+"?"+tt.query, w.as("reviewer"), nil)
				if r.status != 400 || errorShape(t, r) != "invalid" {
					t.Fatalf("%d: %s", r.status, r.raw)
				}
				e := r.body["error"].(map[string]any)
				params, _ := e["params"].([]any)
				if len(params) == 0 || params[0].(map[string]any)["name"] != tt.param ||
					!strings.HasPrefix(e["message"].(string), tt.param+": ") {
					t.Fatalf("the error does not name %s first: %s", tt.param, r.raw)
				}
			})
		}
		// Refusals come before validation: nothing is said about a program
		// the caller may not see.
		if r := w.call(t, "GET", listAPI+"?role=boss", w.as("outsider"), nil); r.status != 404 || errorShape(t, r) != "not_found" {
			t.Fatalf("outsider with a bad filter = %d %s", r.status, r.raw)
		}
		// Unknown parameters are ignored, as the table ignores them.
		if r := w.call(t, "GET", listAPI+"?colour=blue", w.as("reviewer"), nil); r.status != 200 {
			t.Fatalf("unknown parameter = %d %s", r.status, r.raw)
		}
	})
}

// Who gets the list: the program's staff by token or session; another
// program's staff 404 (as the table answers them); members 403; nobody
// signed in 401.
func TestParticipantListAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := newTableWorld(t, store)
		query := "?role=mentee&interest=leadership&tz_min=-5&tz_max=2"
		want, _ := w.tablePages(t, query[1:])
		for _, tt := range []struct {
			who, authorization string
			status             int
		}{
			{"reviewer token", w.as("reviewer"), 200},
			{"staff token", w.as("staff"), 200},
			{"outsider token", w.as("outsider"), 404},
			{"member token", w.as("member"), 403},
			{"bad token", "Bearer cohort_nope", 401},
			{"nobody", "", 401},
		} {
			t.Run(tt.who, func(t *testing.T) {
				r := w.call(t, "GET", listAPI+query, tt.authorization, nil)
				if r.status != tt.status {
					t.Fatalf("%d, want %d: %s", r.status, tt.status, r.raw)
				}
				if r.status != 200 {
					errorShape(t, r)
					return
				}
				var got []int64
				for _, p := range r.body["participants"].([]any) {
					got = append(got, int64(p.(map[string]any)["id"].(float64)))
				}
				if !slices.Equal(got, want[0]) {
					t.Fatalf("ids %v, want %v", got, want[0])
				}
			})
		}
		// The staff session that shows the table gets the same list.
		res := w.table.Get(listAPI + query)
		if res.StatusCode != 200 || !strings.Contains(res.Body, fmt.Sprintf(`{"id":%d,`, want[0][0])) {
			t.Fatalf("session = %d %.200s", res.StatusCode, res.Body)
		}
		if r := w.call(t, "GET", "/api/v1/programs/no-such-program/participants", w.as("staff"), nil); r.status != 404 {
			t.Fatalf("unknown program = %d", r.status)
		}
	})
}
