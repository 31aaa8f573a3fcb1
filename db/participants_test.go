package db_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"cohort/app/demo"
	"cohort/app/participants"
	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

// special participants exercise search beyond ASCII: accents in upper and
// lower case, Greek, Cyrillic, curly apostrophes, dashes, currency signs
// and emoji, which both engines must split and fold the same way.
var special = []struct{ name, email, org, comments string }{
	{"Émile Zoë O’Brien", "emile.obrien@example.com", "design", "Loves café ☕ and rock—roll; 5€ a coffee."},
	{"José Müller-Lüdenscheidt", "jose.muller@example.com", "data", "Prefers mornings (UTC+1), IC3→IC4."},
	{"ŁUKASZ ŻÓŁW", "lukasz@example.com", "security", "“Quoted” words, «guillemets» & ampersands"},
	{"Σωκράτης Παππάς", "sokratis@example.com", "people", "Γεια σου κόσμε"},
	{"Анна Каренина", "anna.k@example.com", "product", "Привет, мир! 🚀🚀"},
	{"=cmd|' /C calc'!A0", "formula@example.com", "engineering", "+SUM(A1:A2) -1 @x"},
}

// participantWorld is a seeded program and every participant as the
// oracle sees it.
type participantWorld struct {
	s         *db.Store
	programID int64
	rows      []oracleRow
}

type oracleRow struct {
	ID                                int64
	Name, Email, Status               string
	Mentor, Mentee                    bool
	TZ                                int
	Mask                              int64
	Org, Level, Track, Dist, Comments string
	Submitted                         *time.Time
	Interests                         []string
	Paired                            bool `bun:"-"`
}

func seedParticipantWorld(t *testing.T, s *db.Store, n int) *participantWorld {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Seed(ctx, s, demo.Options{Participants: n, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	prog, err := s.ProgramBySlug(ctx, demo.ProgramSlug)
	if err != nil {
		t.Fatal(err)
	}
	sub := time.Date(2026, 10, 1, 9, 30, 0, 0, time.UTC)
	for i, sp := range special {
		p := &db.Person{Email: sp.email, Name: sp.name}
		if err := s.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		at := sub.Add(time.Duration(i) * time.Hour)
		e := &db.Enrollment{ProgramID: prog.ID, PersonID: p.ID, Status: db.StatusSubmitted, FullName: sp.name,
			IsMentee: true, TimeZone: "Europe/Berlin", TZOffsetMin: 60, AvailMask: 0xff00, Org: sp.org,
			Level: "IC3", Comments: sp.comments, SubmittedAt: &at,
			Interests: []db.EnrollmentInterest{{Side: db.SideMentee, Interest: "leadership"}}}
		if err := s.CreateEnrollments(ctx, []*db.Enrollment{e}); err != nil {
			t.Fatal(err)
		}
	}
	w := &participantWorld{s: s, programID: prog.ID}
	err = s.DB().NewSelect().TableExpr("enrollments AS e").Join("JOIN people AS p ON p.id = e.person_id").
		ColumnExpr("e.id, e.full_name AS name, p.email, e.status, e.is_mentor AS mentor, e.is_mentee AS mentee").
		ColumnExpr("e.tz_offset_min AS tz, e.avail_mask AS mask, e.org, e.level, e.track_change AS track").
		ColumnExpr("e.distance_pref AS dist, e.comments, e.submitted_at AS submitted").
		Where("e.program_id = ?", prog.ID).Scan(ctx, &w.rows)
	if err != nil {
		t.Fatal(err)
	}
	var ins []db.EnrollmentInterest
	if err := s.DB().NewSelect().Model(&ins).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	at := map[int64]int{}
	for i, r := range w.rows {
		at[r.ID] = i
	}
	for _, in := range ins {
		if i, ok := at[in.EnrollmentID]; ok && !slices.Contains(w.rows[i].Interests, in.Interest) {
			w.rows[i].Interests = append(w.rows[i].Interests, in.Interest)
		}
	}
	seedPairs(t, w)
	return w
}

// seedPairs pairs some mentors and mentees (chosen in email order, so both
// databases pair the same people): active, proposed and ended pairs, so
// the paired filter has something on each side and ended pairs must not
// count.
func seedPairs(t *testing.T, w *participantWorld) {
	t.Helper()
	ctx := context.Background()
	byEmail := slices.Clone(w.rows)
	slices.SortFunc(byEmail, func(a, b oracleRow) int { return strings.Compare(a.Email, b.Email) })
	var mentors, mentees []oracleRow
	for _, r := range byEmail {
		switch {
		case r.Mentor && !r.Mentee:
			mentors = append(mentors, r)
		case r.Mentee && !r.Mentor:
			mentees = append(mentees, r)
		}
	}
	paired := map[int64]bool{}
	for i := 0; i < len(mentees)/3 && len(mentors) > 0; i++ {
		mentor, mentee := mentors[i%len(mentors)], mentees[i]
		status := []string{db.PairActive, db.PairProposed, db.PairActive, db.PairEnded}[i%4]
		p := &db.Pair{ProgramID: w.programID, MentorEnrollmentID: mentor.ID, MenteeEnrollmentID: mentee.ID, Status: status}
		if err := w.s.CreatePair(ctx, p); err != nil {
			t.Fatal(err)
		}
		if status != db.PairEnded {
			paired[mentor.ID], paired[mentee.ID] = true, true
		}
	}
	for i := range w.rows {
		w.rows[i].Paired = paired[w.rows[i].ID]
	}
}

func boolPtr(b bool) *bool { return &b }

// oracle answers a query the slow, obvious way.
func (w *participantWorld) oracle(f db.ParticipantFilter, sort string, desc bool) []string {
	var out []oracleRow
	for _, r := range w.rows {
		if matches(f, r) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b oracleRow) int {
		if sort == db.ParticipantSortSubmitted && (a.Submitted == nil) != (b.Submitted == nil) {
			if a.Submitted == nil {
				return 1 // never submitted: last, in both directions
			}
			return -1
		}
		c := compareKey(a, b, sort)
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if desc {
			return -c
		}
		return c
	})
	emails := make([]string, len(out))
	for i, r := range out {
		emails[i] = r.Email
	}
	return emails
}

func compareKey(a, b oracleRow, sort string) int {
	switch sort {
	case db.ParticipantSortEmail:
		return strings.Compare(a.Email, b.Email)
	case db.ParticipantSortStatus:
		return strings.Compare(a.Status, b.Status)
	case db.ParticipantSortOrg:
		return strings.Compare(a.Org, b.Org)
	case db.ParticipantSortLevel:
		return strings.Compare(a.Level, b.Level)
	case db.ParticipantSortTZ:
		return cmp.Compare(a.TZ, b.TZ)
	case db.ParticipantSortSubmitted:
		if a.Submitted == nil {
			return 0
		}
		return a.Submitted.Compare(*b.Submitted)
	}
	return strings.Compare(a.Name, b.Name)
}

func matches(f db.ParticipantFilter, r oracleRow) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	switch {
	case f.Role == "mentor" && !r.Mentor, f.Role == "mentee" && !r.Mentee:
		return false
	case !in(f.Statuses, r.Status), !in(f.Orgs, r.Org), !in(f.Levels, r.Level),
		!in(f.TrackChanges, r.Track), !in(f.DistancePrefs, r.Dist):
		return false
	case f.TZMinMinutes != nil && r.TZ < *f.TZMinMinutes, f.TZMaxMinutes != nil && r.TZ > *f.TZMaxMinutes:
		return false
	case r.Mask&f.AvailBits != f.AvailBits:
		return false
	case f.Paired != nil && *f.Paired != r.Paired:
		return false
	}
	for _, want := range f.Interests {
		if !slices.Contains(r.Interests, want) {
			return false
		}
	}
	tokens := strings.FieldsFunc(strings.ToLower(r.Name+" "+r.Email+" "+r.Org+" "+r.Comments),
		func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsNumber(c) })
	for _, w := range f.Words {
		if !slices.ContainsFunc(tokens, func(tok string) bool { return strings.HasPrefix(tok, w) }) {
			return false
		}
	}
	return true
}

// walk reads every page of a query and returns the emails in order.
func walk(t *testing.T, s *db.Store, pg db.ParticipantPage) []string {
	t.Helper()
	var out []string
	for range 1000 {
		rows, err := s.ListParticipants(context.Background(), pg)
		if err != nil {
			t.Fatalf("ListParticipants(%+v): %v", pg, err)
		}
		for _, r := range rows {
			out = append(out, r.Email)
		}
		if len(rows) < pg.Limit {
			return out
		}
		k := rows[len(rows)-1].Key(pg.Sort)
		pg.After = &k
	}
	t.Fatal("pagination did not end")
	return nil
}

func ptr(n int) *int { return &n }

type participantCase struct {
	name string
	f    db.ParticipantFilter
	sort string
	desc bool
}

func words(q string) []string { return participants.Words(q) }

// participantCases are the filter, search and sort combinations both
// databases must answer identically.
var participantCases = []participantCase{
	{"everyone by name", db.ParticipantFilter{}, "name", false},
	{"everyone by name desc", db.ParticipantFilter{}, "name", true},
	{"everyone by email", db.ParticipantFilter{}, "email", false},
	{"everyone by status", db.ParticipantFilter{}, "status", false},
	{"everyone by org desc", db.ParticipantFilter{}, "org", true},
	{"everyone by level", db.ParticipantFilter{}, "level", false},
	{"everyone by tz", db.ParticipantFilter{}, "tz", false},
	{"everyone by tz desc", db.ParticipantFilter{}, "tz", true},
	{"everyone by submitted", db.ParticipantFilter{}, "submitted", false},
	{"everyone by submitted desc", db.ParticipantFilter{}, "submitted", true},
	{"mentees", db.ParticipantFilter{Role: "mentee"}, "name", false},
	{"mentors approved or submitted", db.ParticipantFilter{Role: "mentor", Statuses: []string{"approved", "submitted"}}, "status", false},
	{"tz -5..+2", db.ParticipantFilter{TZMinMinutes: ptr(-300), TZMaxMinutes: ptr(120)}, "tz", false},
	{"available 14 and 15 UTC", db.ParticipantFilter{AvailBits: 1<<14 | 1<<15}, "name", false},
	{"leadership", db.ParticipantFilter{Interests: []string{"leadership"}}, "name", false},
	{"leadership and communication", db.ParticipantFilter{Interests: []string{"communication", "leadership"}}, "email", true},
	{"typical", db.ParticipantFilter{Role: "mentee", Interests: []string{"leadership"}, TZMinMinutes: ptr(-300), TZMaxMinutes: ptr(120)}, "name", false},
	{"orgs and levels", db.ParticipantFilter{Orgs: []string{"design", "engineering"}, Levels: []string{"IC3", "M1"}}, "level", false},
	{"track and distance", db.ParticipantFilter{TrackChanges: []string{"yes"}, DistancePrefs: []string{"neutral", "prefer-far"}}, "submitted", true},
	{"search alex", db.ParticipantFilter{Words: words("alex")}, "name", false},
	{"search prefix ber by email", db.ParticipantFilter{Words: words("BER")}, "email", false},
	{"search email domain", db.ParticipantFilter{Words: words("example.com")}, "name", false},
	{"search org prefix", db.ParticipantFilter{Words: words("engin")}, "org", false},
	{"search comments", db.ParticipantFilter{Words: words("weekly")}, "tz", true},
	{"search two words", db.ParticipantFilter{Words: words("weekly example")}, "name", false},
	{"search nothing matches", db.ParticipantFilter{Words: words("zzzzqq")}, "name", false},
	{"search with filters", db.ParticipantFilter{Words: words("a"), Role: "mentor", TZMinMinutes: ptr(-480)}, "submitted", true},
	{"search accented lower", db.ParticipantFilter{Words: words("émile zoë")}, "name", false},
	{"search accented upper", db.ParticipantFilter{Words: words("ÉMILE")}, "name", false},
	{"search curly apostrophe", db.ParticipantFilter{Words: words("O’Brien")}, "name", false},
	{"search hyphenated", db.ParticipantFilter{Words: words("lüden")}, "name", false},
	{"search polish caps", db.ParticipantFilter{Words: words("łukasz żół")}, "name", false},
	{"search greek", db.ParticipantFilter{Words: words("σωκ γεια")}, "name", false},
	{"search cyrillic", db.ParticipantFilter{Words: words("анна мир")}, "name", false},
	{"search around symbols", db.ParticipantFilter{Words: words("café rock roll coffee")}, "name", false},
	{"search quoted", db.ParticipantFilter{Words: words("quoted guillemets")}, "name", false},
	{"search arrow", db.ParticipantFilter{Words: words("ic4")}, "name", false},
	{"search symbols only", db.ParticipantFilter{Words: words("☕ 🚀 € —")}, "name", false},
	{"search formula", db.ParticipantFilter{Words: words("=cmd calc")}, "name", false},
	{"paired", db.ParticipantFilter{Paired: boolPtr(true)}, "name", false},
	{"paired by submitted desc", db.ParticipantFilter{Paired: boolPtr(true)}, "submitted", true},
	{"not paired mentees", db.ParticipantFilter{Paired: boolPtr(false), Role: "mentee"}, "email", false},
	{"paired mentors in tz range", db.ParticipantFilter{Paired: boolPtr(true), Role: "mentor", TZMinMinutes: ptr(-480)}, "tz", false},
	{"not paired with search", db.ParticipantFilter{Paired: boolPtr(false), Words: words("a")}, "name", false},
	{"paired with interest", db.ParticipantFilter{Paired: boolPtr(true), Interests: []string{"leadership"}}, "org", true},
}

// The same data and the same queries give the same rows in the same order
// on SQLite and Postgres, and both agree with a plain Go oracle; walking
// the pages visits each row once.
func TestParticipantQueriesAgreeAcrossDatabases(t *testing.T) {
	lite := seedParticipantWorld(t, dbtest.New(t, config.DialectSQLite), 300)
	pg := seedParticipantWorld(t, dbtest.New(t, config.DialectPostgres), 300)
	if len(lite.rows) != len(pg.rows) || len(lite.rows) != 300+len(special) {
		t.Fatalf("seeded %d and %d rows", len(lite.rows), len(pg.rows))
	}
	nonEmpty := 0
	for _, tc := range participantCases {
		t.Run(tc.name, func(t *testing.T) {
			want := lite.oracle(tc.f, tc.sort, tc.desc)
			for _, w := range []*participantWorld{lite, pg} {
				for _, few := range []bool{false, true} { // both query plans
					f := tc.f
					f.ProgramID = w.programID
					got := walk(t, w.s, db.ParticipantPage{Filter: f, Sort: tc.sort, Desc: tc.desc, Limit: 37, FewMatches: few})
					if !slices.Equal(got, want) {
						t.Fatalf("%s (few=%v): %d rows, oracle %d\n got %s\nwant %s", w.s.Dialect(), few, len(got), len(want),
							head(got), head(want))
					}
				}
			}
			if len(want) > 0 {
				nonEmpty++
			} else {
				t.Logf("matches nothing")
			}
		})
	}
	if nonEmpty < len(participantCases)-1 {
		t.Fatalf("only %d of %d cases matched anything: the data does not exercise the filters", nonEmpty, len(participantCases))
	}
}

func head(xs []string) string {
	if len(xs) > 8 {
		return fmt.Sprint(xs[:8], " …")
	}
	return fmt.Sprint(xs)
}

// Keyset pagination visits every participant exactly once, in order, in
// every sort and direction, with small pages (ties in every sort key).
func TestParticipantPaginationVisitsEachRowOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := seedParticipantWorld(t, s, 120)
		for _, sort := range []string{"name", "email", "status", "org", "level", "tz", "submitted"} {
			for _, desc := range []bool{false, true} {
				got := walk(t, s, db.ParticipantPage{Filter: db.ParticipantFilter{ProgramID: w.programID}, Sort: sort, Desc: desc, Limit: 7})
				seen := map[string]bool{}
				for _, e := range got {
					if seen[e] {
						t.Fatalf("%s desc=%v: %s twice", sort, desc, e)
					}
					seen[e] = true
				}
				if want := w.oracle(db.ParticipantFilter{}, sort, desc); !slices.Equal(got, want) {
					t.Fatalf("%s desc=%v: %d rows, want %d in oracle order", sort, desc, len(got), len(want))
				}
			}
		}
	})
}

// The facet groups add up to what each filter combination matches.
func TestParticipantGroups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := seedParticipantWorld(t, s, 150)
		for _, f := range []db.ParticipantFilter{
			{},
			{Interests: []string{"leadership"}, TZMinMinutes: ptr(-300), TZMaxMinutes: ptr(120)},
			{Words: words("a"), AvailBits: 1 << 15},
			{Paired: boolPtr(true)},
			{Paired: boolPtr(false), Interests: []string{"leadership"}},
			// The facet filters themselves are ignored by the query.
			{Role: "mentor", Statuses: []string{"approved"}, Orgs: []string{"data"}, Levels: []string{"IC1"}},
		} {
			f.ProgramID = w.programID
			groups, err := s.ParticipantGroups(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, g := range groups {
				got[fmt.Sprint(g.Status, g.IsMentor, g.IsMentee, g.Org, g.Level)] += g.N
			}
			common := f
			common.Role, common.Statuses, common.Orgs, common.Levels = "", nil, nil, nil
			want := map[string]int{}
			for _, r := range w.rows {
				if matches(common, r) {
					want[fmt.Sprint(r.Status, r.Mentor, r.Mentee, r.Org, r.Level)]++
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("groups for %+v:\n got %v\nwant %v", f, got, want)
			}
		}
	})
}

// version returns a reader of the program's participant data version.
func (w *participantWorld) version(t *testing.T, s *db.Store) func() int64 {
	return func() int64 {
		t.Helper()
		v, err := s.ParticipantsVersion(context.Background(), w.programID)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// The data version moves with every change the table shows, and only
// then; the search index follows names, comments and emails.
func TestParticipantsVersionAndSearchFollowChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		w := seedParticipantWorld(t, s, 5)
		version := w.version(t, s)
		find := func(q string) int {
			t.Helper()
			rows, err := s.ListParticipants(ctx, db.ParticipantPage{Filter: db.ParticipantFilter{ProgramID: w.programID, Words: words(q)}})
			if err != nil {
				t.Fatal(err)
			}
			return len(rows)
		}
		id := w.rows[0].ID
		update := func(fn func(e *db.Enrollment)) {
			t.Helper()
			if _, err := s.UpdateEnrollment(ctx, id, func(e *db.Enrollment) error { fn(e); return nil }); err != nil {
				t.Fatal(err)
			}
		}
		v0 := version()
		if v0 == 0 {
			t.Fatal("seeding did not set a version")
		}
		update(func(e *db.Enrollment) { e.Answers["comments"] = "only the JSON answers change" })
		if v := version(); v != v0 {
			t.Fatalf("an answer the table does not show moved the version %d → %d", v0, v)
		}
		update(func(e *db.Enrollment) {
			e.Status = db.StatusDeclined
			if w.rows[0].Status == db.StatusDeclined {
				e.Status = db.StatusApproved
			}
		})
		v1 := version()
		if v1 <= v0 {
			t.Fatalf("status change: version %d → %d", v0, v1)
		}
		update(func(e *db.Enrollment) { e.FullName, e.Comments = "Xanthippe Quarrel", "zebracorn fan" })
		if v := version(); v <= v1 || find("xanth") != 1 || find("zebracor") != 1 {
			t.Fatalf("rename: version %d, found %d, %d", v, find("xanth"), find("zebracor"))
		}
		v2 := version()
		update(func(e *db.Enrollment) {
			e.Interests, e.ReplaceInterests = []db.EnrollmentInterest{{Side: db.SideMentor, Interest: "origami"}}, true
		})
		if v := version(); v <= v2 {
			t.Fatalf("interests change: version %d → %d", v2, v)
		}
		v3 := version()
		if _, err := s.DB().NewUpdate().TableExpr("people").Set("email = ?", "renamed.person@example.org").
			Where("id = (SELECT person_id FROM enrollments WHERE id = ?)", id).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if v := version(); v <= v3 || find("renamed person example org") != 1 {
			t.Fatalf("email change: version %d → %d, found %d", v3, v, find("renamed"))
		}
		v4 := version()
		// Renamed and deleted with no search in between: the queued
		// document goes with it.
		update(func(e *db.Enrollment) { e.FullName = "Ygritte Gone" })
		if _, err := s.DB().NewDelete().TableExpr("enrollments").Where("id = ?", id).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if v := version(); v <= v4 || find("xanth") != 0 || find("ygritte") != 0 {
			t.Fatalf("delete: version %d → %d, found %d, %d", v4, v, find("xanth"), find("ygritte"))
		}
	})
}

func TestStaffNotes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		w := seedParticipantWorld(t, s, 2)
		staff, err := s.PersonByEmail(ctx, demo.StaffEmail)
		if err != nil {
			t.Fatal(err)
		}
		for _, body := range []string{"first", "second"} {
			if err := s.AddStaffNote(ctx, &db.StaffNote{EnrollmentID: w.rows[0].ID, AuthorID: &staff.ID, Body: body}); err != nil {
				t.Fatal(err)
			}
		}
		ns, err := s.StaffNotes(ctx, w.rows[0].ID)
		if err != nil || len(ns) != 2 || ns[0].Body != "second" || *ns[0].AuthorID != staff.ID {
			t.Fatalf("notes = %+v, %v", ns, err)
		}
		if ns, err := s.StaffNotes(ctx, w.rows[1].ID); err != nil || len(ns) != 0 {
			t.Fatalf("another enrollment's notes = %+v, %v", ns, err)
		}
		if n, err := s.CountProgramEnrollments(ctx, w.programID, []int64{w.rows[0].ID, w.rows[1].ID, 999999}); err != nil || n != 2 {
			t.Fatalf("CountProgramEnrollments = %d, %v", n, err)
		}
		if _, _, err := s.ProgramEnrollment(ctx, w.programID+1, w.rows[0].ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("enrollment through another program: %v", err)
		}
	})
}

// Pairs are not in the enrollments' triggers, but every pair write moves
// the stamp the table's cache is keyed by, and the paired filter and flag
// follow at once.
func TestParticipantsStampFollowsPairs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		w := seedParticipantWorld(t, s, 40)
		stamp := func() string {
			t.Helper()
			v, err := s.ParticipantsStamp(ctx, w.programID)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		paired := func(id int64) (inFilter, flag bool) {
			t.Helper()
			rows, err := s.ListParticipants(ctx, db.ParticipantPage{Limit: 1000,
				Filter: db.ParticipantFilter{ProgramID: w.programID, Paired: boolPtr(true)}})
			if err != nil {
				t.Fatal(err)
			}
			inFilter = slices.ContainsFunc(rows, func(r db.ParticipantRow) bool { return r.ID == id })
			row, err := s.ParticipantRowByID(ctx, w.programID, id)
			if err != nil {
				t.Fatal(err)
			}
			return inFilter, row.Paired
		}
		var mentor, mentee int64
		for _, r := range w.rows {
			switch {
			case r.Paired:
			case r.Mentor && !r.Mentee && mentor == 0:
				mentor = r.ID
			case r.Mentee && !r.Mentor && mentee == 0:
				mentee = r.ID
			}
		}
		if mentor == 0 || mentee == 0 {
			t.Fatal("no unpaired mentor and mentee in the seed")
		}
		s0 := stamp()
		if in, flag := paired(mentee); in || flag {
			t.Fatal("unpaired mentee reported paired")
		}
		p := &db.Pair{ProgramID: w.programID, MentorEnrollmentID: mentor, MenteeEnrollmentID: mentee}
		if err := s.CreatePair(ctx, p); err != nil {
			t.Fatal(err)
		}
		s1 := stamp()
		if s1 == s0 {
			t.Fatalf("creating a pair left the stamp at %s", s0)
		}
		for _, id := range []int64{mentor, mentee} {
			if in, flag := paired(id); !in || !flag {
				t.Fatalf("%d after pairing: in filter %v, flag %v", id, in, flag)
			}
		}
		if _, err := s.ActivatePair(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		s2 := stamp()
		if s2 == s1 {
			t.Fatalf("accepting a pair left the stamp at %s", s1)
		}
		if _, err := s.EndPair(ctx, p.ID, "moved teams"); err != nil {
			t.Fatal(err)
		}
		s3 := stamp()
		if s3 == s2 || s3 == s1 || s3 == s0 {
			t.Fatalf("ending a pair: stamps %s, %s, %s, %s", s0, s1, s2, s3)
		}
		if in, flag := paired(mentee); in || flag {
			t.Fatal("mentee of an ended pair reported paired")
		}
	})
}

// A save writes only the columns that changed. Each change must still reach
// the database, and move the table's data version exactly when the table
// shows that column; writing every column with its old value moves nothing.
func TestSavesWriteEachChangedColumn(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 8000, time.UTC)
	cases := []struct {
		column string
		shown  bool
		change func(e *db.Enrollment)
		check  func(e *db.Enrollment) bool
	}{
		{"status", true, func(e *db.Enrollment) { e.Status = db.StatusWaitlisted }, func(e *db.Enrollment) bool { return e.Status == db.StatusWaitlisted }},
		{"completed_steps", false, func(e *db.Enrollment) { e.MarkStepCompleted("zeta") }, func(e *db.Enrollment) bool { return strings.Contains(e.CompletedSteps, "zeta") }},
		{"full_name", true, func(e *db.Enrollment) { e.FullName = "Quinn Renamed" }, func(e *db.Enrollment) bool { return e.FullName == "Quinn Renamed" }},
		{"is_mentor", true, func(e *db.Enrollment) { e.IsMentor = !e.IsMentor }, nil},
		{"is_mentee", true, func(e *db.Enrollment) { e.IsMentee = !e.IsMentee }, nil},
		{"time_zone", true, func(e *db.Enrollment) { e.TimeZone = "Pacific/Auckland" }, func(e *db.Enrollment) bool { return e.TimeZone == "Pacific/Auckland" }},
		{"tz_offset_min", true, func(e *db.Enrollment) { e.TZOffsetMin = 765 }, func(e *db.Enrollment) bool { return e.TZOffsetMin == 765 }},
		{"avail_mask", true, func(e *db.Enrollment) { e.AvailMask = 0x0F0F0F }, func(e *db.Enrollment) bool { return e.AvailMask == 0x0F0F0F }},
		{"org", true, func(e *db.Enrollment) { e.Org = "moved-org" }, func(e *db.Enrollment) bool { return e.Org == "moved-org" }},
		{"level", true, func(e *db.Enrollment) { e.Level = "L9" }, func(e *db.Enrollment) bool { return e.Level == "L9" }},
		{"time_at_level", false, func(e *db.Enrollment) { e.TimeAtLevel = "5–6 years" }, func(e *db.Enrollment) bool { return e.TimeAtLevel == "5–6 years" }},
		{"distance_pref", true, func(e *db.Enrollment) { e.DistancePref = "far" }, func(e *db.Enrollment) bool { return e.DistancePref == "far" }},
		{"track_change", true, func(e *db.Enrollment) { e.TrackChange = "maybe" }, func(e *db.Enrollment) bool { return e.TrackChange == "maybe" }},
		{"manager_name", false, func(e *db.Enrollment) { e.ManagerName = "New Boss" }, func(e *db.Enrollment) bool { return e.ManagerName == "New Boss" }},
		{"manager_email", false, func(e *db.Enrollment) { e.ManagerEmail = "boss@example.org" }, func(e *db.Enrollment) bool { return e.ManagerEmail == "boss@example.org" }},
		{"comments", true, func(e *db.Enrollment) { e.Comments = "changed comment" }, func(e *db.Enrollment) bool { return e.Comments == "changed comment" }},
		{"submitted_at", true, func(e *db.Enrollment) { e.SubmittedAt = &at }, func(e *db.Enrollment) bool { return e.SubmittedAt != nil && e.SubmittedAt.Equal(at) }},
		{"decided_at", false, func(e *db.Enrollment) { e.DecidedAt = &at }, func(e *db.Enrollment) bool { return e.DecidedAt != nil && e.DecidedAt.Equal(at) }},
		{"expires_at", false, func(e *db.Enrollment) { e.ExpiresAt = &at }, func(e *db.Enrollment) bool { return e.ExpiresAt != nil && e.ExpiresAt.Equal(at) }},
		{"renewed_at", false, func(e *db.Enrollment) { e.RenewedAt = &at }, func(e *db.Enrollment) bool { return e.RenewedAt != nil && e.RenewedAt.Equal(at) }},
		{"withdrawn_at", false, func(e *db.Enrollment) { e.WithdrawnAt = &at }, func(e *db.Enrollment) bool { return e.WithdrawnAt != nil && e.WithdrawnAt.Equal(at) }},
		{"withdraw_reason", false, func(e *db.Enrollment) { e.WithdrawReason = "moving away" }, func(e *db.Enrollment) bool { return e.WithdrawReason == "moving away" }},
		{"answers", false, func(e *db.Enrollment) { e.Answers["extra"] = "kept" }, func(e *db.Enrollment) bool { return e.Answers["extra"] == "kept" }},
	}
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		w := seedParticipantWorld(t, s, 3)
		id := w.rows[0].ID
		version := w.version(t, s)
		for _, c := range cases {
			prev, err := s.EnrollmentByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			v0 := version()
			saved, err := s.UpdateEnrollment(ctx, id, func(e *db.Enrollment) error { c.change(e); return nil })
			if err != nil {
				t.Fatalf("%s: %v", c.column, err)
			}
			back, err := s.EnrollmentByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			ok := back.Version == prev.Version+1 && back.Version == saved.Version
			if c.check != nil {
				ok = ok && c.check(back)
			} else {
				ok = ok && back.IsMentor == saved.IsMentor && back.IsMentee == saved.IsMentee
			}
			if !ok {
				t.Errorf("%s: the change did not reach the database: %+v", c.column, back)
			}
			if moved := version() != v0; moved != c.shown {
				t.Errorf("%s: data version moved = %v, want %v", c.column, moved, c.shown)
			}
		}
		// Every column written with the value it already has.
		cur, err := s.EnrollmentByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		v0 := version()
		if _, err := s.DB().NewUpdate().Model(cur).WherePK().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if v := version(); v != v0 {
			t.Errorf("rewriting unchanged columns moved the version %d → %d", v0, v)
		}
	})
}
