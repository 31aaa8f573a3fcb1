package pairs_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/features"
	"cohort/app/pairs"
	"cohort/app/web"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// Availability masks (bit h = free at UTC hour h).
const (
	morning = 0x000FF0 // 04–11 UTC
	evening = 0xF00000 // 20–23 UTC
)

type fixture struct {
	store   *db.Store
	srv     *web.Server
	secret  []byte
	prog    *db.Program
	other   *db.Program
	people  map[string]*db.Person
	enrolls map[string]*db.Enrollment
}

// participant is one enrollment to create.
type participant struct {
	key, name, email  string
	mentor, mentee    bool
	mask              int64
	org, manager      string
	interests, offers []string
}

// setup seeds the demo accounts and a program of known people:
//
//	Sam   mentor, mornings, manages Ana
//	Dee   mentor, mornings
//	Ana   mentee, mornings, reports to Sam
//	Bo    mentee, mornings
//	Cy    mentee, evenings only (no overlap with anyone)
//
// plus Out, a mentee of another program, and people with program roles:
// a coordinator and a reviewer of the program, and the coordinator of the
// other program.
func setup(t *testing.T, store *db.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Seed(ctx, store, demo.Options{Participants: 0, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: store, people: map[string]*db.Person{}, enrolls: map[string]*db.Enrollment{}}
	var err error
	if f.prog, err = store.ProgramBySlug(ctx, demo.ProgramSlug); err != nil {
		t.Fatal(err)
	}
	f.other = &db.Program{Slug: "other-mentoring", Name: "Other Mentoring", Kind: db.KindMentoring, FormKey: "mentoring",
		Settings: db.ProgramSettings{Flags: map[string]bool{features.Pairing: true}}}
	if err := store.CreateProgram(ctx, f.other); err != nil {
		t.Fatal(err)
	}
	for _, p := range []participant{
		{key: "sam", name: "Sam", email: "sam@example.org", mentor: true, mask: morning, org: "engineering", offers: []string{"leadership"}},
		{key: "dee", name: "Dee", email: "dee@example.org", mentor: true, mask: morning, org: "design", offers: []string{"career growth"}},
		{key: "ana", name: "Ana", email: "ana@example.org", mentee: true, mask: morning, org: "engineering", manager: "Sam@Example.org", interests: []string{"leadership"}},
		{key: "bo", name: "Bo", email: "bo@example.org", mentee: true, mask: morning, org: "product", interests: []string{"career growth"}},
		{key: "cy", name: "Cy", email: "cy@example.org", mentee: true, mask: evening, org: "data"},
	} {
		f.add(t, f.prog, p)
	}
	f.add(t, f.other, participant{key: "out", name: "Out", email: "out@example.org", mentee: true, mask: morning, org: "data"})
	for _, r := range []struct{ key, role string }{{"coordinator", "coordinator"}, {"reviewer", "reviewer"}, {"outsider", "coordinator"}} {
		p := &db.Person{Email: r.key + "@example.org", Name: strings.ToUpper(r.key[:1]) + r.key[1:]}
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
	f.srv = apptest.New(t, store, nil)
	f.secret = []byte(f.srv.Config().PairIDHashSecret)
	return f
}

func (f *fixture) add(t *testing.T, prog *db.Program, p participant) {
	t.Helper()
	ctx := context.Background()
	person := &db.Person{Email: p.email, Name: p.name}
	if err := f.store.CreatePerson(ctx, person); err != nil {
		t.Fatal(err)
	}
	e := &db.Enrollment{ProgramID: prog.ID, PersonID: person.ID, Status: db.StatusApproved, FullName: p.name,
		IsMentor: p.mentor, IsMentee: p.mentee, AvailMask: p.mask, Org: p.org, ManagerEmail: p.manager, TimeZone: "UTC"}
	for _, in := range p.offers {
		e.Interests = append(e.Interests, db.EnrollmentInterest{Side: db.SideMentor, Interest: in})
	}
	for _, in := range p.interests {
		e.Interests = append(e.Interests, db.EnrollmentInterest{Side: db.SideMentee, Interest: in})
	}
	if err := f.store.CreateEnrollments(ctx, []*db.Enrollment{e}); err != nil {
		t.Fatal(err)
	}
	f.people[p.key], f.enrolls[p.key] = person, e
}

func (f *fixture) client(t *testing.T, email string) *apptest.Client {
	t.Helper()
	c := apptest.NewClient(t, f.srv)
	c.Get("/")
	if email != "" {
		c.SignInAs(email)
	}
	return c
}

func (f *fixture) id(key string) string { return strconv.FormatInt(f.enrolls[key].ID, 10) }

func (f *fixture) pairsURL() string { return "/staff/programs/" + f.prog.Slug + "/pairs" }

// pairForm is the manual form choosing mentor and mentee by key.
func (f *fixture) pairForm(mentor, mentee string) url.Values {
	return url.Values{"mentor_id": {f.id(mentor)}, "mentee_id": {f.id(mentee)}}
}

// openPairs lists the program's pairs that are not ended.
func (f *fixture) openPairs(t *testing.T) []*db.Pair {
	t.Helper()
	ps, err := f.store.OpenPairs(context.Background(), f.prog.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func (f *fixture) events(t *testing.T, action string) []*db.AuditEvent {
	t.Helper()
	evs, err := f.store.ListAudit(context.Background(), db.AuditQuery{Action: action, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// text is a body with HTML entities decoded ("Ana&#39;s" → "Ana's").
func text(res *apptest.Response) string { return html.UnescapeString(res.Body) }

func TestManualPairingRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		c := f.client(t, demo.StaffEmail)
		tests := []struct {
			name         string
			form         url.Values
			status       int
			wantInBody   []string
			wantNoInBody []string
		}{
			{"manager", f.pairForm("sam", "ana"), 422, []string{"This pair cannot be made", "Sam is Ana's manager"}, nil},
			{"no overlap", f.pairForm("sam", "cy"), 422, []string{"only 0 h of overlap; the program needs at least 2 h"}, nil},
			{"mentor is no mentor", f.pairForm("bo", "cy"), 422, []string{"Bo did not enroll as a mentor"}, nil},
			{"mentee is no mentee", f.pairForm("sam", "dee"), 422, []string{"Dee did not enroll as a mentee"}, nil},
			{"nothing chosen", url.Values{}, 422, []string{"Choose a mentor.", "Choose a mentee."}, []string{"cannot be made"}},
			{"forged mentee of another program", url.Values{"mentor_id": {f.id("sam")}, "mentee_id": {f.id("out")}}, 404, nil, nil},
			{"unknown enrollment", url.Values{"mentor_id": {f.id("sam")}, "mentee_id": {"999999"}}, 404, nil, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := c.PostForm(f.pairsURL(), tt.form)
				if res.StatusCode != tt.status {
					t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, res.Body)
				}
				for _, want := range tt.wantInBody {
					if !strings.Contains(text(res), want) {
						t.Errorf("body lacks %q", want)
					}
				}
				for _, no := range tt.wantNoInBody {
					if strings.Contains(text(res), no) {
						t.Errorf("body has %q", no)
					}
				}
				if tt.status == 422 && !strings.Contains(res.Body, `value="`+tt.form.Get("mentor_id")+`" selected`) && tt.form.Get("mentor_id") != "" && tt.name != "mentor is no mentor" {
					t.Errorf("the chosen mentor is not kept selected")
				}
				if n := len(f.openPairs(t)); n != 0 {
					t.Fatalf("%d pairs stored after a refusal", n)
				}
			})
		}
		// The htmx form gets its own section back, with the reasons.
		c.Header.Set("HX-Request", "true")
		res := c.PostForm(f.pairsURL(), f.pairForm("sam", "ana"))
		c.Header.Del("HX-Request")
		if res.StatusCode != 422 || strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, `id="pair-create"`) ||
			!strings.Contains(text(res), "Sam is Ana's manager") {
			t.Fatalf("htmx refusal = %d: %s", res.StatusCode, res.Body)
		}
		if len(f.events(t, pairs.ActionCreate)) != 0 {
			t.Fatal("a refused pair was audited as created")
		}
	})
}

// A pair made once is refused again, also after the two people, their
// enrollments and the pair itself are deleted: the keyed history outlives
// them.
func TestRepeatPairRefusedAfterPurge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		ctx := context.Background()
		f := setup(t, store)
		c := f.client(t, demo.StaffEmail)
		res := c.PostForm(f.pairsURL(), f.pairForm("sam", "bo"))
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != f.pairsURL()+"?done=created" {
			t.Fatalf("create = %d %q: %s", res.StatusCode, res.Header.Get("Location"), res.Body)
		}
		open := f.openPairs(t)
		if len(open) != 1 || open[0].Status != db.PairActive || open[0].StartedAt == nil || open[0].Score <= 0 || open[0].Explanation == "" {
			t.Fatalf("stored pairs = %+v", open)
		}
		evs := f.events(t, pairs.ActionCreate)
		if len(evs) != 1 || evs[0].SubjectID != strconv.FormatInt(open[0].ID, 10) || evs[0].Details["source"] != pairs.SourceManual ||
			evs[0].ActorID == nil || *evs[0].ActorID != f.person(t, demo.StaffEmail).ID {
			t.Fatalf("audit = %+v", evs)
		}
		if ok, _ := store.PairSeen(ctx, pairs.HistoryHash(f.secret, "SAM@example.org", "bo@example.org")); !ok {
			t.Fatal("the active pair is not in the history")
		}
		// The list shows it with the names, score and explanation.
		list := c.Get(f.pairsURL() + "?done=created")
		for _, want := range []string{"Pair created", "Sam", "Bo", open[0].Explanation, "End pair"} {
			if !strings.Contains(text(list), want) {
				t.Errorf("pairs page lacks %q", want)
			}
		}
		// Ended, the same two may still not be paired again, either way round.
		if res := c.PostForm(fmt.Sprintf("/staff/pairs/%d/end", open[0].ID), url.Values{"reason": {"done"}}); res.StatusCode != 303 {
			t.Fatalf("end = %d", res.StatusCode)
		}
		res = c.PostForm(f.pairsURL(), f.pairForm("sam", "bo"))
		if res.StatusCode != 422 || !strings.Contains(text(res), "Sam and Bo were paired before") {
			t.Fatalf("repeat = %d: %s", res.StatusCode, res.Body)
		}
		// Purge: people, enrollments and pairs gone, by raw SQL.
		for _, q := range []string{
			"DELETE FROM pairs",
			fmt.Sprintf("DELETE FROM enrollments WHERE id IN (%d, %d)", f.enrolls["sam"].ID, f.enrolls["bo"].ID),
			fmt.Sprintf("DELETE FROM people WHERE id IN (%d, %d)", f.people["sam"].ID, f.people["bo"].ID),
		} {
			if _, err := store.DB().NewRaw(q).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		// They come back (new accounts, new enrollments, same emails), Bo
		// as the mentor this time.
		f.add(t, f.prog, participant{key: "sam", name: "Sam", email: "sam@example.org", mentee: true, mask: morning, org: "engineering"})
		f.add(t, f.prog, participant{key: "bo", name: "Bo", email: "bo@example.org", mentor: true, mask: morning, org: "product"})
		res = c.PostForm(f.pairsURL(), f.pairForm("bo", "sam"))
		if res.StatusCode != 422 || !strings.Contains(text(res), "Bo and Sam were paired before") {
			t.Fatalf("repeat after purge = %d: %s", res.StatusCode, res.Body)
		}
		// The suggestions leave them out as well.
		sug := c.Get(fmt.Sprintf("/staff/programs/%s/participants/%s/suggestions", f.prog.Slug, f.id("sam")))
		if sug.StatusCode != 200 || strings.Contains(sug.Body, ">Bo<") || !strings.Contains(sug.Body, ">Dee<") {
			t.Fatalf("suggestions after purge = %d: %s", sug.StatusCode, sug.Body)
		}
	})
}

func (f *fixture) person(t *testing.T, email string) *db.Person {
	t.Helper()
	p, err := f.store.PersonByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAcceptAndEnd(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		ctx := context.Background()
		f := setup(t, store)
		c := f.client(t, "coordinator@example.org")
		propose := func(mentor, mentee string) *db.Pair {
			p := &db.Pair{ProgramID: f.prog.ID, MentorEnrollmentID: f.enrolls[mentor].ID, MenteeEnrollmentID: f.enrolls[mentee].ID,
				Status: db.PairProposed, Score: 3, Explanation: "proposed by the API"}
			if err := store.CreatePair(ctx, p); err != nil {
				t.Fatal(err)
			}
			return p
		}
		good := propose("dee", "bo")
		list := c.Get(f.pairsURL())
		if list.StatusCode != 200 || !strings.Contains(list.Body, fmt.Sprintf(`action="/staff/pairs/%d/accept"`, good.ID)) {
			t.Fatalf("pairs page = %d, no accept form", list.StatusCode)
		}
		res := c.PostForm(fmt.Sprintf("/staff/pairs/%d/accept", good.ID), nil)
		if res.StatusCode != 303 || res.Header.Get("Location") != f.pairsURL()+"?done=accepted" {
			t.Fatalf("accept = %d: %s", res.StatusCode, res.Body)
		}
		got, _ := store.PairByID(ctx, good.ID)
		if got.Status != db.PairActive || got.StartedAt == nil {
			t.Fatalf("accepted pair = %+v", got)
		}
		if ok, _ := store.PairSeen(ctx, pairs.HistoryHash(f.secret, "dee@example.org", "bo@example.org")); !ok {
			t.Fatal("the accepted pair is not in the history")
		}
		if evs := f.events(t, pairs.ActionAccept); len(evs) != 1 || *evs[0].ActorID != f.people["coordinator"].ID || *evs[0].ProgramID != f.prog.ID {
			t.Fatalf("accept audit = %+v", evs)
		}
		if res := c.PostForm(fmt.Sprintf("/staff/pairs/%d/accept", good.ID), nil); res.StatusCode != 409 {
			t.Fatalf("accepting twice = %d", res.StatusCode)
		}
		// A proposed pair that breaks a rule by now stays proposed, with
		// the reason shown.
		bad := propose("sam", "ana")
		res = c.PostForm(fmt.Sprintf("/staff/pairs/%d/accept", bad.ID), nil)
		if res.StatusCode != 409 || !strings.Contains(text(res), "The pair was not accepted: Sam is Ana's manager") {
			t.Fatalf("accepting a refused pair = %d: %s", res.StatusCode, res.Body)
		}
		if p, _ := store.PairByID(ctx, bad.ID); p.Status != db.PairProposed {
			t.Fatalf("refused pair became %s", p.Status)
		}
		// Ending needs a reason, kept with the pair and in the audit log.
		endURL := fmt.Sprintf("/staff/pairs/%d/end", good.ID)
		for _, tt := range []struct {
			name, reason, want string
		}{
			{"empty", "", "Say why the pair ends."},
			{"blank", "   ", "Say why the pair ends."},
			{"too long", strings.Repeat("x", pairs.MaxEndReason+1), "Keep the reason to 500 characters or fewer"},
			{"control characters", "a\u0085b", "Use plain text."},
		} {
			t.Run(tt.name, func(t *testing.T) {
				res := c.PostForm(endURL, url.Values{"reason": {tt.reason}})
				if res.StatusCode != 422 || !strings.Contains(text(res), tt.want) || !strings.Contains(res.Body, `aria-invalid="true"`) {
					t.Fatalf("end = %d: %s", res.StatusCode, res.Body)
				}
			})
		}
		// Control characters are refused before any handler, for every route.
		if res := c.PostForm(endURL, url.Values{"reason": {"a\x00b"}}); res.StatusCode != 400 || !strings.Contains(text(res), "contains a control character") {
			t.Fatalf("end with a control character = %d: %s", res.StatusCode, res.Body)
		}
		res = c.PostForm(endURL, url.Values{"reason": {"  Bo changed teams  "}})
		if res.StatusCode != 303 || res.Header.Get("Location") != f.pairsURL()+"?done=ended" {
			t.Fatalf("end = %d: %s", res.StatusCode, res.Body)
		}
		got, _ = store.PairByID(ctx, good.ID)
		if got.Status != db.PairEnded || got.EndedAt == nil || got.EndReason != "Bo changed teams" {
			t.Fatalf("ended pair = %+v", got)
		}
		evs := f.events(t, pairs.ActionEnd)
		if len(evs) != 1 || evs[0].Details["reason"] != "Bo changed teams" || evs[0].Details["was"] != db.PairActive {
			t.Fatalf("end audit = %+v", evs)
		}
		if res := c.PostForm(endURL, url.Values{"reason": {"again"}}); res.StatusCode != 409 {
			t.Fatalf("ending twice = %d", res.StatusCode)
		}
		page := text(c.Get(f.pairsURL()))
		if !strings.Contains(page, "Bo changed teams") || !strings.Contains(page, "Ended <span class=\"badge\">1</span>") {
			t.Fatal("the ended pair is not listed with its reason")
		}
	})
}

// checkRules fails the test if any open pair of the program breaks a hard
// rule: the manager, overlap, one pair per mentee, and capacity.
func (f *fixture) checkRules(t *testing.T) {
	t.Helper()
	load := map[int64]int{}
	mentees := map[int64]bool{}
	for _, p := range f.openPairs(t) {
		load[p.MentorEnrollmentID]++
		if mentees[p.MenteeEnrollmentID] {
			t.Errorf("mentee %d has two open pairs", p.MenteeEnrollmentID)
		}
		mentees[p.MenteeEnrollmentID] = true
		if p.MentorEnrollmentID == f.enrolls["sam"].ID && p.MenteeEnrollmentID == f.enrolls["ana"].ID {
			t.Error("Sam was paired with Ana, whom he manages")
		}
		if p.MenteeEnrollmentID == f.enrolls["cy"].ID {
			t.Error("Cy was paired without any overlap")
		}
	}
	for m, n := range load {
		if n > f.prog.Settings.DefaultMentorCapacity {
			t.Errorf("mentor %d has %d pairs, capacity %d", m, n, f.prog.Settings.DefaultMentorCapacity)
		}
	}
}

func TestProposal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		ctx := context.Background()
		f := setup(t, store)
		c := f.client(t, demo.StaffEmail)
		propURL := "/staff/programs/" + f.prog.Slug + "/proposal"
		acceptURL := propURL + "/accept"
		pick := func(mentor, mentee string) string { return f.id(mentor) + "-" + f.id(mentee) }

		res := c.Get(propURL)
		if res.StatusCode != 200 {
			t.Fatalf("proposal = %d", res.StatusCode)
		}
		// Ana cannot have Sam (her manager) and Cy has no overlap with
		// anyone; Dee (capacity 2) shares Bo's interest, so Dee takes both.
		for _, v := range []string{pick("dee", "ana"), pick("dee", "bo")} {
			if !strings.Contains(res.Body, `value="`+v+`" checked`) {
				t.Errorf("proposal lacks checked pair %s", v)
			}
		}
		if strings.Contains(res.Body, pick("sam", "ana")) || !strings.Contains(res.Body, ">Cy</a>") {
			t.Error("proposal pairs Sam with Ana, or does not leave Cy for staff")
		}
		if n := len(f.openPairs(t)); n != 0 {
			t.Fatalf("the proposal stored %d pairs before acceptance", n)
		}
		if res := c.PostForm(acceptURL, url.Values{}); res.StatusCode != 422 || !strings.Contains(res.Body, "Choose at least one pair") {
			t.Fatalf("accepting nothing = %d", res.StatusCode)
		}
		// Forged picks: another program's enrollment, or garbage.
		for _, v := range []string{pick("sam", "out"), "1-x", "12"} {
			if res := c.PostForm(acceptURL, url.Values{"pair": {pick("dee", "ana"), v}}); res.StatusCode != 404 {
				t.Fatalf("forged pick %q = %d", v, res.StatusCode)
			}
		}
		if n := len(f.openPairs(t)); n != 0 {
			t.Fatalf("%d pairs stored by a refused request", n)
		}
		// Part: only Dee with Ana.
		res = c.PostForm(acceptURL, url.Values{"pair": {pick("dee", "ana")}})
		if res.StatusCode != 303 || res.Header.Get("Location") != f.pairsURL()+"?done=proposal" {
			t.Fatalf("accept part = %d: %s", res.StatusCode, res.Body)
		}
		if open := f.openPairs(t); len(open) != 1 || open[0].MenteeEnrollmentID != f.enrolls["ana"].ID || open[0].Status != db.PairActive {
			t.Fatalf("after part: %+v", open)
		}
		// The next proposal is for whoever is still free.
		res = getOK(t, c, propURL)
		if strings.Contains(res.Body, pick("dee", "ana")) || !strings.Contains(res.Body, pick("dee", "bo")) {
			t.Fatal("the second proposal does not start from what is left")
		}
		// Tampered picks never break a rule: Sam–Ana (manager), Sam–Cy (no
		// overlap), Dee–Ana again (Ana is taken), and Sam–Bo twice, are
		// refused one by one with the reason, while the valid pick is made.
		if _, err := store.DB().NewRaw("UPDATE enrollments SET manager_email = 'sam@example.org' WHERE id = ?", f.enrolls["bo"].ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		f.add(t, f.prog, participant{key: "eve", name: "Eve", email: "eve@example.org", mentee: true, mask: morning, org: "legal"})
		res = c.PostForm(acceptURL, url.Values{"pair": {
			pick("sam", "ana"), pick("sam", "cy"), pick("dee", "ana"), pick("sam", "bo"), pick("sam", "eve"), pick("dee", "eve"),
		}})
		if res.StatusCode != 409 {
			t.Fatalf("accept with refusals = %d: %s", res.StatusCode, res.Body)
		}
		body := text(res)
		for _, want := range []string{
			"5 of the chosen pairs were not made",
			"Sam with Ana: Ana already has an active pair; Sam is Ana's manager",
			"Sam with Cy: only 0 h of overlap",
			"Dee with Ana: Ana already has an active pair",
			"Sam with Bo: Sam is Bo's manager",
			"Dee with Eve: Eve already has an active pair",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("result lacks %q", want)
			}
		}
		open := f.openPairs(t)
		if len(open) != 2 || open[1].MentorEnrollmentID != f.enrolls["sam"].ID || open[1].MenteeEnrollmentID != f.enrolls["eve"].ID {
			t.Fatalf("after tampered accept: %+v", open)
		}
		if evs := f.events(t, pairs.ActionCreate); len(evs) != 2 || evs[0].Details["source"] != pairs.SourceProposal {
			t.Fatalf("audit = %+v", evs)
		}
		f.checkRules(t)
	})
}

// Accepting a whole proposal fills capacities exactly and breaks no rule.
func TestProposalWhole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		ctx := context.Background()
		f := setup(t, store)
		// Capacity 1, and more mentees than places.
		f.prog.Settings.DefaultMentorCapacity = 1
		if err := store.UpdateProgram(ctx, f.prog); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			f.add(t, f.prog, participant{key: fmt.Sprintf("m%d", i), name: fmt.Sprintf("Mentee %d", i),
				email: fmt.Sprintf("m%d@example.org", i), mentee: true, mask: morning, org: "sales"})
		}
		c := f.client(t, demo.StaffEmail)
		propURL := "/staff/programs/" + f.prog.Slug + "/proposal"
		res := getOK(t, c, propURL)
		var picks []string
		for _, part := range strings.Split(res.Body, `name="pair" value="`)[1:] {
			picks = append(picks, part[:strings.IndexByte(part, '"')])
		}
		if len(picks) != 2 {
			t.Fatalf("proposal has %d pairs, want 2 (two mentors of capacity 1)", len(picks))
		}
		res = c.PostForm(propURL+"/accept", url.Values{"pair": picks})
		if res.StatusCode != 303 {
			t.Fatalf("accept all = %d: %s", res.StatusCode, res.Body)
		}
		if n := len(f.openPairs(t)); n != 2 {
			t.Fatalf("%d pairs made, want 2", n)
		}
		f.checkRules(t)
		// Nothing left to propose.
		if res := getOK(t, c, propURL); !strings.Contains(res.Body, "No pair can be proposed") {
			t.Fatal("a full program still gets a proposal")
		}
	})
}

func TestSuggestions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		c := f.client(t, "coordinator@example.org")
		url := func(key, as string) string {
			u := fmt.Sprintf("/staff/programs/%s/participants/%s/suggestions", f.prog.Slug, f.id(key))
			if as != "" {
				u += "?as=" + as
			}
			return u
		}
		res := getOK(t, c, url("ana", ""))
		body := text(res)
		if !strings.Contains(body, "Mentors for Ana") || !strings.Contains(body, ">Dee<") || strings.Contains(body, ">Sam<") {
			t.Fatalf("suggestions for Ana: %s", res.Body)
		}
		if !strings.Contains(body, "h overlap") || !strings.Contains(res.Body, `name="from" value="suggestions"`) {
			t.Error("suggestions lack the explanation or the Pair button")
		}
		// Bo shares "career growth" with Dee: Dee ranks first.
		body = text(getOK(t, c, url("bo", "")))
		if i, j := strings.Index(body, ">Dee<"), strings.Index(body, ">Sam<"); i < 0 || j < 0 || i > j {
			t.Errorf("Dee should rank above Sam for Bo: %d %d", i, j)
		}
		// A mentor's suggestions are mentees.
		body = text(getOK(t, c, url("sam", "mentor")))
		if !strings.Contains(body, "Mentees for Sam") || !strings.Contains(body, ">Bo<") || strings.Contains(body, ">Ana<") {
			t.Errorf("suggestions for Sam: %s", body)
		}
		// htmx gets the fragment.
		c.Header.Set("HX-Request", "true")
		res = getOK(t, c, url("ana", ""))
		c.Header.Del("HX-Request")
		if strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, `class="pair-suggestions"`) || res.Header.Get("Vary") == "" {
			t.Fatalf("htmx suggestions: %s", res.Body)
		}
		// The "Pair" button makes the pair.
		res = c.PostForm(f.pairsURL(), url2("mentor_id", f.id("dee"), "mentee_id", f.id("ana"), "from", "suggestions"))
		if res.StatusCode != 303 {
			t.Fatalf("pair from suggestions = %d", res.StatusCode)
		}
		if evs := f.events(t, pairs.ActionCreate); len(evs) != 1 || evs[0].Details["source"] != pairs.SourceSuggestion {
			t.Fatalf("audit = %+v", evs)
		}
		// Ana is paired now: no more Pair buttons for her.
		body = text(getOK(t, c, url("ana", "")))
		if !strings.Contains(body, "Ana already has an active pair") || strings.Contains(body, `name="from" value="suggestions"`) {
			t.Errorf("suggestions for a paired mentee: %s", body)
		}
		// Another program's enrollment, or garbage, is not found.
		for _, u := range []string{
			fmt.Sprintf("/staff/programs/%s/participants/%s/suggestions", f.prog.Slug, f.id("out")),
			fmt.Sprintf("/staff/programs/%s/participants/abc/suggestions", f.prog.Slug),
		} {
			if res := c.Get(u); res.StatusCode != 404 {
				t.Errorf("%s = %d, want 404", u, res.StatusCode)
			}
		}
	})
}

func getOK(t *testing.T, c *apptest.Client, path string) *apptest.Response {
	t.Helper()
	res := c.Get(path)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s = %d: %s", path, res.StatusCode, res.Body)
	}
	return res
}

func url2(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// Who may use the pairing pages: pairs.manage in the program. Reviewers
// (who may view participants) are refused with 403, people with nothing
// in the program get 404, and so does everyone when the program has
// pairing switched off.
func TestPairingAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		ctx := context.Background()
		f := setup(t, store)
		// Sam manages Ana: accepting this pair is always refused, so the
		// POSTs below change nothing whoever sends them.
		pair := &db.Pair{ProgramID: f.prog.ID, MentorEnrollmentID: f.enrolls["sam"].ID, MenteeEnrollmentID: f.enrolls["ana"].ID, Status: db.PairProposed}
		if err := store.CreatePair(ctx, pair); err != nil {
			t.Fatal(err)
		}
		slug := f.prog.Slug
		gets := []string{
			"/staff/programs/" + slug + "/pairs",
			"/staff/programs/" + slug + "/proposal",
			"/staff/programs/" + slug + "/participants/" + f.id("bo") + "/suggestions",
		}
		posts := []string{
			"/staff/programs/" + slug + "/pairs",
			"/staff/programs/" + slug + "/proposal/accept",
			fmt.Sprintf("/staff/pairs/%d/end", pair.ID),
			fmt.Sprintf("/staff/pairs/%d/accept", pair.ID),
		}
		tests := []struct {
			who  string
			want int // for GETs; POSTs are refused alike or let through
		}{
			{"", 401},
			{demo.MemberEmail, 404},
			{"outsider@example.org", 404},
			{"reviewer@example.org", 403},
			{"coordinator@example.org", 200},
			{demo.StaffEmail, 200},
			{demo.AdminEmail, 200},
		}
		for _, tt := range tests {
			t.Run("as "+tt.who, func(t *testing.T) {
				c := f.client(t, tt.who)
				for _, u := range gets {
					if res := c.Get(u); res.StatusCode != tt.want {
						t.Errorf("GET %s = %d, want %d", u, res.StatusCode, tt.want)
					}
				}
				for _, u := range posts {
					res := c.PostForm(u, nil)
					refused := res.StatusCode == 401 || res.StatusCode == 403 || res.StatusCode == 404
					if refused != (tt.want != 200) || (refused && res.StatusCode != tt.want) {
						t.Errorf("POST %s = %d, want %s", u, res.StatusCode, map[bool]string{true: strconv.Itoa(tt.want), false: "let through"}[tt.want != 200])
					}
				}
			})
		}
		if p, _ := store.PairByID(ctx, pair.ID); p.Status != db.PairProposed {
			t.Fatalf("an empty POST changed the pair to %s", p.Status)
		}
		// Pairing switched off: the pages do not exist, even for admins.
		f.prog.Settings.Flags = nil
		if err := store.UpdateProgram(ctx, f.prog); err != nil {
			t.Fatal(err)
		}
		c := f.client(t, demo.AdminEmail)
		for _, u := range gets {
			if res := c.Get(u); res.StatusCode != 404 {
				t.Errorf("pairing off: GET %s = %d, want 404", u, res.StatusCode)
			}
		}
		if res := c.PostForm(fmt.Sprintf("/staff/pairs/%d/end", pair.ID), url.Values{"reason": {"x"}}); res.StatusCode != 404 {
			t.Errorf("pairing off: end = %d, want 404", res.StatusCode)
		}
	})
}
