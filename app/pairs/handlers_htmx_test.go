package pairs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/pairs"
	"cohort/db"
	"cohort/db/dbtest"
)

// The htmx side of the pairing pages, as the staff participant table uses
// them: the suggestion list opened beside a participant, its "Pair"
// buttons, and the "End pair" form of a pair row. Each case runs on a
// fresh fixture (setup in pairs_test.go) on both databases, and checks
// what was stored as well as what was answered.

// hxMode is how a request is sent.
type hxMode int

const (
	hxPlain   hxMode = iota // a plain HTML form or link
	hxHTMX                  // htmx: HX-Request
	hxBoosted               // htmx boosted navigation: needs the whole page
)

// hxShape is what kind of body a response must have.
type hxShape int

const (
	hxAny     hxShape = iota // not checked (redirects)
	hxPartial                // a fragment: no page frame
	hxFull                   // the whole page, in the layout
)

// hxSend sends one request in mode.
func hxSend(c *apptest.Client, mode hxMode, method, path string, form url.Values) *apptest.Response {
	switch mode {
	case hxHTMX:
		c.Header.Set("HX-Request", "true")
	case hxBoosted:
		c.Header.Set("HX-Request", "true")
		c.Header.Set("HX-Boosted", "true")
	}
	defer func() {
		c.Header.Del("HX-Request")
		c.Header.Del("HX-Boosted")
	}()
	if method == http.MethodGet {
		return c.Get(path)
	}
	return c.PostForm(path, form)
}

// hxState is everything the pairing requests may write: every pair of
// every program, the pair history and the audit log.
type hxState struct {
	Pairs   []string
	History []string
	Audit   []string
}

func hxSnapshot(t *testing.T, store *db.Store) hxState {
	t.Helper()
	ctx := context.Background()
	var s hxState
	ps, err := store.ListPairs(ctx, db.PairQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		s.Pairs = append(s.Pairs, fmt.Sprintf("%d p%d %d->%d %s started=%v ended=%v %q", p.ID, p.ProgramID,
			p.MentorEnrollmentID, p.MenteeEnrollmentID, p.Status, p.StartedAt != nil, p.EndedAt != nil, p.EndReason))
	}
	if s.History, err = store.PairHistoryHashes(ctx); err != nil {
		t.Fatal(err)
	}
	evs, err := store.ListAudit(ctx, db.AuditQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		s.Audit = append(s.Audit, fmt.Sprintf("%d %s %s:%s", ev.ID, ev.Action, ev.SubjectType, ev.SubjectID))
	}
	slices.Sort(s.Pairs)
	slices.Sort(s.History)
	slices.Sort(s.Audit)
	return s
}

// hxUnchanged fails the test if anything was written since before.
func hxUnchanged(t *testing.T, store *db.Store, before hxState) {
	t.Helper()
	if after := hxSnapshot(t, store); !reflect.DeepEqual(before, after) {
		t.Errorf("the request wrote to the database:\nbefore %+v\nafter  %+v", before, after)
	}
}

// hxNewEvents are the audit events of action written since before.
func hxNewEvents(t *testing.T, f *fixture, before hxState, action string) []*db.AuditEvent {
	t.Helper()
	var out []*db.AuditEvent
	for _, ev := range f.events(t, action) {
		if !slices.Contains(before.Audit, fmt.Sprintf("%d %s %s:%s", ev.ID, ev.Action, ev.SubjectType, ev.SubjectID)) {
			out = append(out, ev)
		}
	}
	return out
}

// hxPair makes a pair through the service, as staff would (history and
// audit included), for cases that start from one.
func hxPair(t *testing.T, f *fixture, prog *db.Program, mentor, mentee, status string) *db.Pair {
	t.Helper()
	sv := pairs.NewService(f.store, string(f.secret))
	p, refused, err := sv.Create(context.Background(), pairs.Actor{PersonID: f.person(t, demo.StaffEmail).ID}, prog,
		pairs.NewPair{MentorID: f.enrolls[mentor].ID, MenteeID: f.enrolls[mentee].ID, Status: status, Source: pairs.SourceManual})
	if err != nil || len(refused) > 0 {
		t.Fatalf("pairing %s with %s: %v %v", mentor, mentee, err, refused)
	}
	return p
}

// hxRowPaired fetches key's participant-table row as the row's own
// hx-get does after a pair-changed event, and reports whether it shows
// the "Paired" badge.
func hxRowPaired(t *testing.T, f *fixture, c *apptest.Client, key string) bool {
	t.Helper()
	id := f.id(key)
	res := hxSend(c, hxHTMX, http.MethodGet, "/staff/programs/"+f.prog.Slug+"/participants/"+id+"?refresh=row", nil)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(res.Body), `<tr id="row-`+id+`"`) {
		t.Fatalf("row of %s = %d: %s", key, res.StatusCode, res.Body)
	}
	return strings.Contains(res.Body, `id="paired-`+id+`"`)
}

// hxCheckTrigger checks the HX-Trigger header: the pair-changed events of
// the two people, or nothing when keys is empty.
func hxCheckTrigger(t *testing.T, f *fixture, res *apptest.Response, keys ...string) {
	t.Helper()
	raw := res.Header.Get("HX-Trigger")
	if len(keys) == 0 {
		if raw != "" {
			t.Errorf("HX-Trigger = %q, want none", raw)
		}
		return
	}
	var got map[string]bool
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatalf("HX-Trigger %q: %v", raw, err)
	}
	want := map[string]bool{}
	for _, k := range keys {
		want["pair-changed-"+f.id(k)] = true
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("HX-Trigger = %v, want %v", got, want)
	}
}

// randomToken is a quoted run of base64url characters as long as a CSRF
// token (43), longer than any id or class the pages write.
var randomToken = regexp.MustCompile(`"[A-Za-z0-9_-]{40,}"`)

// hxCheckResponse checks what every case checks: status, body shape, the
// Vary header of rendered answers, texts present and absent, and where an
// error is swapped.
func hxCheckResponse(t *testing.T, res *apptest.Response, status int, shape hxShape, in, notIn []string, retarget string) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", res.StatusCode, status, res.Body)
	}
	isPage := strings.Contains(res.Body, "<html")
	switch shape {
	case hxPartial:
		if isPage {
			t.Errorf("got the whole page, want the partial: %s", res.Body)
		}
	case hxFull:
		if !isPage {
			t.Errorf("got a fragment, want the whole page: %s", res.Body)
		}
	}
	if shape != hxAny && !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
		t.Errorf("Vary = %q, want HX-Request in it", res.Header.Get("Vary"))
	}
	body := text(res)
	for _, want := range in {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q: %s", want, res.Body)
		}
	}
	// Random tokens (CSRF values) can spell a short name by chance.
	untokened := randomToken.ReplaceAllString(body, `""`)
	for _, no := range notIn {
		if strings.Contains(untokened, no) {
			t.Errorf("body has %q", no)
		}
	}
	if got := res.Header.Get("HX-Retarget"); got != retarget {
		t.Errorf("HX-Retarget = %q, want %q", got, retarget)
	}
}

func TestSuggestionsInPlace(t *testing.T) {
	type tc struct {
		name     string
		who      string
		prepare  func(t *testing.T, f *fixture)
		path     func(f *fixture) string
		mode     hxMode
		status   int
		shape    hxShape
		in       []string
		notIn    []string
		retarget string
		// rows are the partners expected, best first; nil: no table.
		rows      []string
		asMentee  bool // the side rows are checked against the service on
		canPair   bool // each row has its Pair button
		checkRows func(t *testing.T, rows []string)
	}
	sug := func(key, as string) func(f *fixture) string {
		return func(f *fixture) string {
			u := "/staff/programs/" + f.prog.Slug + "/participants/" + f.id(key) + "/suggestions"
			if as != "" {
				u += "?as=" + as
			}
			return u
		}
	}
	const coord = "coordinator@example.org"
	tests := []tc{
		{name: "htmx gets the list for a mentee", who: coord, path: sug("ana", ""), mode: hxHTMX, status: 200, shape: hxPartial,
			in: []string{`<section class="pair-suggestions"`, "Mentors for Ana"}, notIn: []string{"<h1", "Sam"},
			rows: []string{"ana", "dee"}, asMentee: true, canPair: true,
			checkRows: func(t *testing.T, rows []string) {
				if !strings.Contains(rows[0], `<td class="small">8 h overlap (4 counted) · no shared interests</td>`) {
					t.Errorf("Dee's explanation for Ana: %s", rows[0])
				}
			}},
		{name: "htmx ranks a shared interest first", who: demo.StaffEmail, path: sug("bo", ""), mode: hxHTMX, status: 200, shape: hxPartial,
			in: []string{"Mentors for Bo"}, rows: []string{"bo", "dee", "sam"}, asMentee: true, canPair: true,
			checkRows: func(t *testing.T, rows []string) {
				if !strings.Contains(rows[0], "1 shared interest") || !strings.Contains(rows[1], "no shared interests") {
					t.Errorf("explanations for Bo: %q", rows)
				}
			}},
		{name: "htmx gets mentees for a mentor", who: coord, path: sug("sam", "mentor"), mode: hxHTMX, status: 200, shape: hxPartial,
			in: []string{"Mentees for Sam"}, notIn: []string{"Ana", "Cy"}, rows: []string{"sam", "bo"}, canPair: true},
		{name: "htmx: nobody overlaps", who: coord, path: sug("cy", ""), mode: hxHTMX, status: 200, shape: hxPartial,
			in: []string{"Mentors for Cy", "No one can be paired with Cy right now"}, notIn: []string{"<table"}},
		{name: "htmx: a paired mentee has no Pair buttons", who: coord, path: sug("bo", ""), mode: hxHTMX, status: 200, shape: hxPartial,
			prepare: func(t *testing.T, f *fixture) { hxPair(t, f, f.prog, "sam", "bo", db.PairActive) },
			in:      []string{"Bo already has an active pair; end it before pairing again."},
			rows:    []string{"bo", "dee"}, asMentee: true, canPair: false},
		{name: "plain GET is the whole page", who: coord, path: sug("ana", ""), mode: hxPlain, status: 200, shape: hxFull,
			in:   []string{"<h1>Suggestions for Ana", `<section class="pair-suggestions"`, "Mentors for Ana"},
			rows: []string{"ana", "dee"}, asMentee: true, canPair: true},
		{name: "boosted GET is the whole page", who: coord, path: sug("ana", ""), mode: hxBoosted, status: 200, shape: hxFull,
			in: []string{"<h1>Suggestions for Ana"}},
		{name: "reviewer may not manage pairs", who: "reviewer@example.org", path: sug("ana", ""), mode: hxHTMX, status: 403, shape: hxPartial,
			in: []string{"flash-error"}, notIn: []string{"Dee"}, retarget: "#flash"},
		{name: "another program's coordinator", who: "outsider@example.org", path: sug("ana", ""), mode: hxHTMX, status: 404, shape: hxPartial,
			notIn: []string{"Dee", "Ana"}, retarget: "#flash"},
		{name: "another program's enrollment", who: coord, path: sug("out", ""), mode: hxHTMX, status: 404, shape: hxPartial,
			notIn: []string{"Out"}, retarget: "#flash"},
		{name: "unknown enrollment", who: coord, mode: hxHTMX, status: 404, shape: hxPartial, retarget: "#flash",
			path: func(f *fixture) string { return "/staff/programs/" + f.prog.Slug + "/participants/999999/suggestions" }},
		{name: "garbage id", who: coord, mode: hxHTMX, status: 404, shape: hxPartial, retarget: "#flash",
			path: func(f *fixture) string { return "/staff/programs/" + f.prog.Slug + "/participants/abc/suggestions" }},
		{name: "unknown program", who: demo.AdminEmail, mode: hxHTMX, status: 404, shape: hxPartial, retarget: "#flash",
			path: func(f *fixture) string { return "/staff/programs/nope/participants/" + f.id("ana") + "/suggestions" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each case has its own databases and server
			dbtest.Each(t, func(t *testing.T, store *db.Store) {
				ctx := context.Background()
				f := setup(t, store)
				if tt.prepare != nil {
					tt.prepare(t, f)
				}
				c := f.client(t, tt.who)
				before := hxSnapshot(t, store)
				res := hxSend(c, tt.mode, http.MethodGet, tt.path(f), nil)
				hxCheckResponse(t, res, tt.status, tt.shape, tt.in, tt.notIn, tt.retarget)
				hxUnchanged(t, store, before) // looking changes nothing
				if tt.rows == nil {
					return
				}
				body := text(res)
				start, end := strings.Index(body, "<tbody>"), strings.Index(body, "</tbody>")
				if start < 0 || end < start {
					t.Fatalf("no suggestion table: %s", res.Body)
				}
				rows := strings.Split(body[start:end], "<tr>")[1:]
				if len(rows) != len(tt.rows)-1 {
					t.Fatalf("%d suggestions, want %d (%v): %s", len(rows), len(tt.rows)-1, tt.rows[1:], res.Body)
				}
				// Each row as the service ranks it: rank, name, org, score
				// and explanation, and a Pair button naming the two.
				sv := pairs.NewService(store, string(f.secret))
				pool, err := sv.LoadPool(ctx, f.prog)
				if err != nil {
					t.Fatal(err)
				}
				target, err := sv.Target(ctx, f.prog.ID, f.enrolls[tt.rows[0]].ID)
				if err != nil {
					t.Fatal(err)
				}
				cands, err := sv.Suggest(ctx, pool, target, tt.asMentee, pairs.SuggestLimit)
				if err != nil {
					t.Fatal(err)
				}
				if len(cands) != len(rows) {
					t.Fatalf("the service suggests %d, the page shows %d", len(cands), len(rows))
				}
				for i, row := range rows {
					partner := f.enrolls[tt.rows[i+1]]
					cand := cands[i]
					got := cand.Mentor
					if !tt.asMentee {
						got = cand.Mentee
					}
					if got.ID != partner.ID {
						t.Fatalf("rank %d is enrollment %d, want %s (%d)", i+1, got.ID, tt.rows[i+1], partner.ID)
					}
					if cand.Score <= 0 || cand.Explanation == "" {
						t.Fatalf("candidate %d has no score or explanation: %+v", i, cand)
					}
					for _, want := range []string{
						fmt.Sprintf("<td>%d</td>", i+1),
						"<td>" + partner.FullName + "</td>",
						"<td>" + partner.Org + "</td>",
						"<td>" + strconv.FormatFloat(cand.Score, 'f', 1, 64) + "</td>",
						`<td class="small">` + cand.Explanation + "</td>",
					} {
						if !strings.Contains(row, want) {
							t.Errorf("row %d lacks %q: %s", i+1, want, row)
						}
					}
					button := []string{
						fmt.Sprintf(`name="mentor_id" value="%d"`, cand.Mentor.ID),
						fmt.Sprintf(`name="mentee_id" value="%d"`, cand.Mentee.ID),
						`name="from" value="suggestions"`,
						`hx-post="/staff/programs/` + f.prog.Slug + `/pairs" hx-target="closest section" hx-swap="outerHTML"`,
					}
					for _, want := range button {
						if strings.Contains(row, want) != tt.canPair {
							t.Errorf("row %d: has %q = %v, want %v", i+1, want, !tt.canPair, tt.canPair)
						}
					}
					if tt.canPair && (!strings.Contains(row, `name="_csrf" value="`) || strings.Contains(row, `name="_csrf" value=""`)) {
						t.Errorf("row %d: the Pair form has no CSRF token", i+1)
					}
				}
				if tt.checkRows != nil {
					tt.checkRows(t, rows)
				}
			})
		})
	}
}

func TestPairInPlace(t *testing.T) {
	type tc struct {
		name    string
		who     string
		prepare func(t *testing.T, f *fixture)
		// mentor and mentee are fixture keys, or literal ids when they
		// start with "#".
		mentor, mentee string
		noFrom         bool   // the manual form rather than a suggestion's Pair button
		csrf           string // "": the page's token; else sent as is
		mode           hxMode
		status         int
		shape          hxShape
		in, notIn      []string
		retarget       string
		location       string // Location (303) or HX-Redirect (204)
		// made is whether the pair is made, with source as its origin.
		made   bool
		source string
		back   bool // the refusal links back to the mentee's suggestions
	}
	const coord = "coordinator@example.org"
	capacityOne := func(t *testing.T, f *fixture) {
		f.prog.Settings.DefaultMentorCapacity = 1
		if err := f.store.UpdateProgram(context.Background(), f.prog); err != nil {
			t.Fatal(err)
		}
		hxPair(t, f, f.prog, "dee", "bo", db.PairActive)
	}
	tests := []tc{
		// Made in place.
		{name: "htmx pairs in place", who: coord, mentor: "dee", mentee: "ana", mode: hxHTMX, status: 200, shape: hxPartial,
			in:   []string{`<section class="pair-suggestions"`, `<p class="flash flash-success" role="status" id="pair-created">Ana is paired with Dee.</p>`, "All pairs"},
			made: true, source: pairs.SourceSuggestion},
		{name: "htmx pairs as global staff", who: demo.StaffEmail, mentor: "sam", mentee: "bo", mode: hxHTMX, status: 200, shape: hxPartial,
			in: []string{"Bo is paired with Sam."}, made: true, source: pairs.SourceSuggestion},
		// The same form without htmx, or boosted: the plain-HTML answer.
		{name: "plain form redirects to the pairs", who: coord, mentor: "dee", mentee: "ana", mode: hxPlain, status: 303,
			location: "/staff/programs/demo-mentoring/pairs?done=created", made: true, source: pairs.SourceSuggestion},
		{name: "boosted form redirects to the pairs", who: coord, mentor: "dee", mentee: "ana", mode: hxBoosted, status: 303,
			location: "/staff/programs/demo-mentoring/pairs?done=created", made: true, source: pairs.SourceSuggestion},
		{name: "htmx manual form navigates to the pairs", who: coord, mentor: "dee", mentee: "ana", noFrom: true, mode: hxHTMX, status: 204,
			location: "/staff/programs/demo-mentoring/pairs?done=created", made: true, source: pairs.SourceManual},
		// Hard rules: the reason in the partial, nothing made.
		{name: "mentee's manager", who: coord, mentor: "sam", mentee: "ana", mode: hxHTMX, status: 422, shape: hxPartial,
			in: []string{"Not paired", "Not paired: Sam is Ana's manager."}, notIn: []string{"pair-created"}, back: true},
		{name: "below the minimum overlap", who: coord, mentor: "sam", mentee: "cy", mode: hxHTMX, status: 422, shape: hxPartial,
			in: []string{"Not paired: only 0 h of overlap; the program needs at least 2 h."}, back: true},
		{name: "mentor at capacity", who: coord, prepare: capacityOne, mentor: "dee", mentee: "ana", mode: hxHTMX, status: 422, shape: hxPartial,
			in: []string{"Not paired: Dee has no capacity left (1 of 1 taken)."}, back: true},
		{name: "paired before, history only", who: coord, mentor: "dee", mentee: "ana", mode: hxHTMX, status: 422, shape: hxPartial,
			prepare: func(t *testing.T, f *fixture) {
				// Ana mentored Dee once, in a program since purged.
				if err := f.store.RecordPairHistory(context.Background(), pairs.HistoryHash(f.secret, "ana@example.org", "dee@example.org"), f.other.ID); err != nil {
					t.Fatal(err)
				}
			},
			in: []string{"Not paired: Dee and Ana were paired before."}, back: true},
		{name: "mentee already paired (a stale button)", who: coord, mentor: "dee", mentee: "bo", mode: hxHTMX, status: 422, shape: hxPartial,
			prepare: func(t *testing.T, f *fixture) { hxPair(t, f, f.prog, "sam", "bo", db.PairActive) },
			in:      []string{"Not paired: Bo already has an active pair."}, back: true},
		{name: "refusal without htmx is the whole page", who: coord, mentor: "sam", mentee: "ana", mode: hxPlain, status: 422, shape: hxFull,
			in: []string{"This pair cannot be made", "Sam is Ana's manager", `id="pair-create"`}},
		// Who may pair.
		{name: "reviewer may not manage pairs", who: "reviewer@example.org", mentor: "dee", mentee: "ana", mode: hxHTMX, status: 403, shape: hxPartial,
			in: []string{"flash-error"}, notIn: []string{"paired with"}, retarget: "#flash"},
		{name: "reviewer, plain form", who: "reviewer@example.org", mentor: "dee", mentee: "ana", mode: hxPlain, status: 403, shape: hxFull},
		{name: "another program's coordinator", who: "outsider@example.org", mentor: "dee", mentee: "ana", mode: hxHTMX, status: 404, shape: hxPartial,
			retarget: "#flash"},
		{name: "member", who: demo.MemberEmail, mentor: "dee", mentee: "ana", mode: hxHTMX, status: 404, shape: hxPartial, retarget: "#flash"},
		{name: "pairing switched off", who: demo.AdminEmail, mentor: "dee", mentee: "ana", mode: hxHTMX, status: 404, shape: hxPartial, retarget: "#flash",
			prepare: func(t *testing.T, f *fixture) {
				f.prog.Settings.Flags = nil
				if err := f.store.UpdateProgram(context.Background(), f.prog); err != nil {
					t.Fatal(err)
				}
			}},
		// Forged ids.
		{name: "mentee of another program", who: coord, mentor: "dee", mentee: "out", mode: hxHTMX, status: 404, shape: hxPartial, retarget: "#flash",
			notIn: []string{"Out"}},
		{name: "unknown mentor", who: coord, mentor: "#999999", mentee: "ana", mode: hxHTMX, status: 404, shape: hxPartial, retarget: "#flash"},
		{name: "garbage ids", who: coord, mentor: "#abc", mentee: "#-3", mode: hxHTMX, status: 422, shape: hxPartial, retarget: "#flash",
			in: []string{"Choose a mentor and a mentee."}},
		// CSRF.
		{name: "missing CSRF token", who: coord, mentor: "dee", mentee: "ana", csrf: "none", mode: hxHTMX, status: 403, shape: hxPartial,
			retarget: "#flash", in: []string{"This form has expired or came from another site."}},
		{name: "forged CSRF token", who: coord, mentor: "dee", mentee: "ana", csrf: "forged", mode: hxHTMX, status: 403, shape: hxPartial,
			retarget: "#flash", in: []string{"This form has expired or came from another site."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each case has its own databases and server
			dbtest.Each(t, func(t *testing.T, store *db.Store) {
				ctx := context.Background()
				f := setup(t, store)
				if tt.prepare != nil {
					tt.prepare(t, f)
				}
				id := func(k string) string {
					if rest, ok := strings.CutPrefix(k, "#"); ok {
						return rest
					}
					return f.id(k)
				}
				form := url.Values{"mentor_id": {id(tt.mentor)}, "mentee_id": {id(tt.mentee)}}
				if !tt.noFrom {
					form.Set("from", "suggestions")
				}
				switch tt.csrf {
				case "none":
					form.Set("_csrf", "")
				case "forged":
					form.Set("_csrf", "forged-token")
				}
				c := f.client(t, tt.who)
				var rowsBefore [2]bool
				if tt.made {
					rowsBefore = [2]bool{hxRowPaired(t, f, c, tt.mentor), hxRowPaired(t, f, c, tt.mentee)}
				}
				before := hxSnapshot(t, store)
				res := hxSend(c, tt.mode, http.MethodPost, f.pairsURL(), form)
				hxCheckResponse(t, res, tt.status, tt.shape, tt.in, tt.notIn, tt.retarget)
				switch tt.status {
				case 303:
					if got := res.Header.Get("Location"); got != tt.location {
						t.Errorf("Location = %q, want %q", got, tt.location)
					}
				case 204:
					if got := res.Header.Get("HX-Redirect"); got != tt.location {
						t.Errorf("HX-Redirect = %q, want %q", got, tt.location)
					}
				}
				if tt.back {
					back := `href="/staff/programs/` + f.prog.Slug + `/participants/` + f.id(tt.mentee) + `/suggestions?as=mentee"`
					if !strings.Contains(res.Body, back) {
						t.Errorf("the refusal does not link back to the suggestions (%s): %s", back, res.Body)
					}
				}
				if !tt.made {
					hxCheckTrigger(t, f, res)
					hxUnchanged(t, store, before)
					return
				}
				// Made: the partial tells the table (HX-Trigger) and the
				// two rows show the badge when they refresh.
				if tt.mode == hxHTMX && !tt.noFrom {
					hxCheckTrigger(t, f, res, tt.mentor, tt.mentee)
				} else {
					hxCheckTrigger(t, f, res)
				}
				if rowsBefore != [2]bool{} {
					t.Fatalf("rows showed Paired before pairing: %v", rowsBefore)
				}
				if !hxRowPaired(t, f, c, tt.mentor) || !hxRowPaired(t, f, c, tt.mentee) {
					t.Error("a refreshed row lacks the Paired badge")
				}
				after := hxSnapshot(t, store)
				if len(after.Pairs) != len(before.Pairs)+1 || len(after.History) != len(before.History)+1 {
					t.Fatalf("pairs %d → %d, history %d → %d; want one more of each",
						len(before.Pairs), len(after.Pairs), len(before.History), len(after.History))
				}
				open := f.openPairs(t)
				var p *db.Pair
				for _, o := range open {
					if o.MentorEnrollmentID == f.enrolls[tt.mentor].ID && o.MenteeEnrollmentID == f.enrolls[tt.mentee].ID {
						p = o
					}
				}
				actorID := f.person(t, tt.who).ID
				if p == nil || p.Status != db.PairActive || p.StartedAt == nil || p.EndedAt != nil || p.Score <= 0 || p.Explanation == "" ||
					p.CreatedBy == nil || *p.CreatedBy != actorID {
					t.Fatalf("stored pair = %+v (open: %+v)", p, open)
				}
				hash := pairs.HistoryHash(f.secret, f.people[tt.mentor].Email, f.people[tt.mentee].Email)
				if ok, err := store.PairSeen(ctx, hash); err != nil || !ok {
					t.Errorf("the pair is not in the history: %v", err)
				}
				evs := hxNewEvents(t, f, before, pairs.ActionCreate)
				if len(evs) != 1 {
					t.Fatalf("%d new %s events, want 1", len(evs), pairs.ActionCreate)
				}
				ev := evs[0]
				if ev.SubjectType != pairs.SubjectPair || ev.SubjectID != strconv.FormatInt(p.ID, 10) ||
					ev.ActorID == nil || *ev.ActorID != actorID || ev.ProgramID == nil || *ev.ProgramID != f.prog.ID ||
					ev.Details["source"] != tt.source || ev.Details["explanation"] != p.Explanation || ev.Details["status"] != db.PairActive ||
					fmt.Sprint(ev.Details["mentor_enrollment_id"]) != f.id(tt.mentor) || fmt.Sprint(ev.Details["mentee_enrollment_id"]) != f.id(tt.mentee) {
					t.Errorf("audit event = %+v", ev)
				}
				if len(hxNewEvents(t, f, before, "")) != 1 {
					t.Error("more than the one audit event was written")
				}
			})
		})
	}
}

func TestEndPairInPlace(t *testing.T) {
	type tc struct {
		name     string
		who      string
		status0  string                                            // the pair's status before: active or proposed
		prepare  func(t *testing.T, f *fixture, p *db.Pair) string // may return another path
		reason   string
		csrf     string
		mode     hxMode
		status   int
		shape    hxShape
		in       []string
		notIn    []string
		retarget string
		location string
		ended    bool // the pair is ended by this request
		keepForm bool // the row keeps its end form, with the error
	}
	const coord = "coordinator@example.org"
	long := strings.Repeat("é", pairs.MaxEndReason+1)
	tests := []tc{
		{name: "htmx ends an active pair in place", who: coord, status0: db.PairActive, reason: "  Bo changed teams\r\n", mode: hxHTMX, status: 200, shape: hxPartial,
			in:    []string{`<span class="badge status-ended">Ended</span>`, ": Bo changed teams</p>", "<td>Dee</td>", "<td>Bo</td>"},
			notIn: []string{"<form", "End pair"}, ended: true},
		{name: "htmx rejects a proposed pair", who: demo.StaffEmail, status0: db.PairProposed, reason: "not a fit", mode: hxHTMX, status: 200, shape: hxPartial,
			in: []string{"Ended", "not a fit"}, notIn: []string{"<form"}, ended: true},
		{name: "plain form redirects to the pairs", who: coord, status0: db.PairActive, reason: "Bo changed teams", mode: hxPlain, status: 303,
			location: "/staff/programs/demo-mentoring/pairs?done=ended", ended: true},
		{name: "boosted form redirects to the pairs", who: coord, status0: db.PairActive, reason: "Bo changed teams", mode: hxBoosted, status: 303,
			location: "/staff/programs/demo-mentoring/pairs?done=ended", ended: true},
		// The reason is checked; the row comes back with the error.
		{name: "htmx without a reason", who: coord, status0: db.PairActive, reason: "  ", mode: hxHTMX, status: 422, shape: hxPartial,
			in: []string{"Say why the pair ends.", `aria-invalid="true"`, "End pair"}, notIn: []string{"status-ended"}, keepForm: true},
		{name: "htmx with too long a reason", who: coord, status0: db.PairActive, reason: long, mode: hxHTMX, status: 422, shape: hxPartial,
			in: []string{"Keep the reason to 500 characters or fewer (it has 501).", `value="` + long + `"`}, keepForm: true},
		{name: "htmx with control characters", who: coord, status0: db.PairActive, reason: "a\u0085b", mode: hxHTMX, status: 422, shape: hxPartial,
			in: []string{"Use plain text."}, keepForm: true},
		// Control characters are refused before any handler, for every route.
		{name: "htmx with a C0 control character", who: coord, status0: db.PairActive, reason: "a\x07b", mode: hxHTMX, status: 400, shape: hxPartial,
			retarget: "#flash", in: []string{"contains a control character"}},
		{name: "no reason without htmx is the whole page", who: coord, status0: db.PairActive, reason: "", mode: hxPlain, status: 422, shape: hxFull,
			in: []string{"Say why the pair ends.", `aria-invalid="true"`, "Pairs"}},
		{name: "htmx, already ended", who: coord, status0: db.PairActive, reason: "again", mode: hxHTMX, status: 409, shape: hxPartial,
			retarget: "#flash", in: []string{"This pair has ended already."},
			prepare: func(t *testing.T, f *fixture, p *db.Pair) string {
				sv := pairs.NewService(f.store, string(f.secret))
				if _, err := sv.End(context.Background(), pairs.Actor{}, f.prog, p.ID, "first"); err != nil {
					t.Fatal(err)
				}
				return ""
			}},
		// Who may end it.
		{name: "reviewer may not manage pairs", who: "reviewer@example.org", status0: db.PairActive, reason: "x", mode: hxHTMX, status: 403, shape: hxPartial,
			retarget: "#flash", in: []string{"flash-error"}},
		{name: "another program's coordinator", who: "outsider@example.org", status0: db.PairActive, reason: "x", mode: hxHTMX, status: 404, shape: hxPartial,
			retarget: "#flash", notIn: []string{"Dee", "Bo"}},
		{name: "another program's pair", who: coord, status0: db.PairActive, reason: "x", mode: hxHTMX, status: 404, shape: hxPartial,
			retarget: "#flash", notIn: []string{"Out"},
			prepare: func(t *testing.T, f *fixture, _ *db.Pair) string {
				f.add(t, f.other, participant{key: "omentor", name: "Omar", email: "omar@example.org", mentor: true, mask: morning, org: "sales"})
				p := hxPair(t, f, f.other, "omentor", "out", db.PairActive)
				return fmt.Sprintf("/staff/pairs/%d/end", p.ID)
			}},
		{name: "unknown pair", who: coord, status0: db.PairActive, reason: "x", mode: hxHTMX, status: 404, shape: hxPartial, retarget: "#flash",
			prepare: func(*testing.T, *fixture, *db.Pair) string { return "/staff/pairs/999999/end" }},
		{name: "garbage pair id", who: coord, status0: db.PairActive, reason: "x", mode: hxHTMX, status: 404, shape: hxPartial, retarget: "#flash",
			prepare: func(*testing.T, *fixture, *db.Pair) string { return "/staff/pairs/1x/end" }},
		{name: "missing CSRF token", who: coord, status0: db.PairActive, reason: "x", csrf: "none", mode: hxHTMX, status: 403, shape: hxPartial,
			retarget: "#flash", in: []string{"This form has expired or came from another site."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each case has its own databases and server
			dbtest.Each(t, func(t *testing.T, store *db.Store) {
				ctx := context.Background()
				f := setup(t, store)
				pair := hxPair(t, f, f.prog, "dee", "bo", tt.status0)
				path := fmt.Sprintf("/staff/pairs/%d/end", pair.ID)
				if tt.prepare != nil {
					if p := tt.prepare(t, f, pair); p != "" {
						path = p
					}
				}
				form := url.Values{"reason": {tt.reason}}
				if tt.csrf == "none" {
					form.Set("_csrf", "")
				}
				c := f.client(t, tt.who)
				if tt.ended && (!hxRowPaired(t, f, c, "dee") || !hxRowPaired(t, f, c, "bo")) {
					t.Fatal("rows lack the Paired badge before the pair ends")
				}
				before := hxSnapshot(t, store)
				res := hxSend(c, tt.mode, http.MethodPost, path, form)
				hxCheckResponse(t, res, tt.status, tt.shape, tt.in, tt.notIn, tt.retarget)
				if tt.status == 303 {
					if got := res.Header.Get("Location"); got != tt.location {
						t.Errorf("Location = %q, want %q", got, tt.location)
					}
				}
				if tt.shape == hxPartial && tt.retarget == "" {
					// The pair's row, to replace the one on the page.
					if !strings.HasPrefix(strings.TrimSpace(res.Body), fmt.Sprintf(`<tr id="pair-%d"`, pair.ID)) {
						t.Errorf("not the pair's row: %s", res.Body)
					}
				}
				if tt.keepForm {
					field := fmt.Sprintf("reason-%d", pair.ID)
					for _, want := range []string{`hx-post="/staff/pairs/` + strconv.FormatInt(pair.ID, 10) + `/end"`,
						`id="` + field + `"`, `aria-describedby="` + field + `-error"`, `id="` + field + `-error"`} {
						if !strings.Contains(res.Body, want) {
							t.Errorf("the row's form lacks %q: %s", want, res.Body)
						}
					}
				}
				if !tt.ended {
					hxCheckTrigger(t, f, res)
					hxUnchanged(t, store, before)
					return
				}
				if tt.mode == hxHTMX {
					hxCheckTrigger(t, f, res, "dee", "bo")
				} else {
					hxCheckTrigger(t, f, res)
				}
				if hxRowPaired(t, f, c, "dee") || hxRowPaired(t, f, c, "bo") {
					t.Error("a refreshed row still shows Paired")
				}
				got, err := store.PairByID(ctx, pair.ID)
				if err != nil {
					t.Fatal(err)
				}
				want, _ := pairs.CleanReason(tt.reason)
				if got.Status != db.PairEnded || got.EndedAt == nil || got.EndReason != want {
					t.Errorf("ended pair = %+v, want reason %q", got, want)
				}
				after := hxSnapshot(t, store)
				if !reflect.DeepEqual(after.History, before.History) || len(after.Pairs) != len(before.Pairs) {
					t.Errorf("ending changed the history or the number of pairs")
				}
				evs := hxNewEvents(t, f, before, pairs.ActionEnd)
				if len(evs) != 1 {
					t.Fatalf("%d new %s events, want 1", len(evs), pairs.ActionEnd)
				}
				ev := evs[0]
				if ev.SubjectType != pairs.SubjectPair || ev.SubjectID != strconv.FormatInt(pair.ID, 10) ||
					ev.ActorID == nil || *ev.ActorID != f.person(t, tt.who).ID || ev.ProgramID == nil || *ev.ProgramID != f.prog.ID ||
					ev.Details["reason"] != want || ev.Details["was"] != tt.status0 || ev.Details["status"] != db.PairEnded {
					t.Errorf("audit event = %+v", ev)
				}
				if len(hxNewEvents(t, f, before, "")) != 1 {
					t.Error("more than the one audit event was written")
				}
			})
		})
	}
}

// A refusal answers in the list the Pair button was in and links back to
// it: a mentor's list of mentees (as=mentor) as well as a mentee's mentors.
func TestPairRefusalLinksBackToItsList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		c := f.client(t, "coordinator@example.org")
		for _, tt := range []struct{ as, viewer string }{{"mentor", "sam"}, {"mentee", "ana"}, {"", "ana"}} {
			form := f.pairForm("sam", "ana") // Sam manages Ana: refused
			form.Set("from", "suggestions")
			if tt.as != "" {
				form.Set("as", tt.as)
			}
			res := hxSend(c, hxHTMX, http.MethodPost, f.pairsURL(), form)
			side := tt.as
			if side == "" {
				side = "mentee"
			}
			back := `href="/staff/programs/` + f.prog.Slug + `/participants/` + f.id(tt.viewer) + `/suggestions?as=` + side + `"`
			id := `id="pair-suggestions-` + f.id(tt.viewer) + `"`
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, back) || !strings.Contains(res.Body, id) {
				t.Fatalf("as=%q: %d, want 422 with %s and %s:\n%s", tt.as, res.StatusCode, back, id, res.Body)
			}
		}
	})
}
