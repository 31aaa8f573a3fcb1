package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"cohort/db"
	"cohort/db/dbtest"
)

// pairFixture is a program with a mentor and two mentees, and a second
// program with one enrollment.
type pairFixture struct {
	prog, other          *db.Program
	mentor, ana, bo, out *db.Enrollment
	staff                *db.Person
}

func newPairFixture(t *testing.T, s *db.Store) *pairFixture {
	t.Helper()
	ctx := context.Background()
	f := &pairFixture{}
	f.prog = &db.Program{Slug: "pairs", Name: "Pairs", Kind: db.KindMentoring, FormKey: "mentoring"}
	f.other = &db.Program{Slug: "other", Name: "Other", Kind: db.KindMentoring, FormKey: "mentoring"}
	for _, p := range []*db.Program{f.prog, f.other} {
		if err := s.CreateProgram(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	f.staff = &db.Person{Email: "staff@example.org", Name: "Sam Staff", Role: db.RoleStaff}
	if err := s.CreatePerson(ctx, f.staff); err != nil {
		t.Fatal(err)
	}
	mk := func(prog *db.Program, email, name string, mentor bool, org string, interests ...string) *db.Enrollment {
		p := &db.Person{Email: email, Name: name + " (account)"}
		if err := s.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		e := &db.Enrollment{ProgramID: prog.ID, PersonID: p.ID, Status: db.StatusApproved, FullName: name,
			IsMentor: mentor, IsMentee: !mentor, Org: org, AvailMask: 0xFF}
		side := db.SideMentee
		if mentor {
			side = db.SideMentor
		}
		for _, in := range interests {
			e.Interests = append(e.Interests, db.EnrollmentInterest{Side: side, Interest: in})
		}
		if err := s.CreateEnrollments(ctx, []*db.Enrollment{e}); err != nil {
			t.Fatal(err)
		}
		return e
	}
	f.mentor = mk(f.prog, "mo@example.org", "Mo Mentor", true, "Engineering", "leadership", "career growth")
	f.ana = mk(f.prog, "ana@example.org", "Ana Mentee", false, "Design", "leadership")
	f.bo = mk(f.prog, "bo@example.org", "", false, "engineering")
	f.out = mk(f.other, "out@example.org", "Out Sider", false, "Design")
	return f
}

func TestPairLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		f := newPairFixture(t, s)
		p := &db.Pair{ProgramID: f.prog.ID, MentorEnrollmentID: f.mentor.ID, MenteeEnrollmentID: f.ana.ID,
			Score: 4.5, Explanation: "4 h overlap", CreatedBy: &f.staff.ID}
		if err := s.CreatePair(ctx, p); err != nil || p.ID == 0 || p.Status != db.PairProposed {
			t.Fatalf("CreatePair = %+v, %v", p, err)
		}
		// One open pair per mentee: a second proposed or active pair for
		// Ana is a conflict on both databases.
		dup := &db.Pair{ProgramID: f.prog.ID, MentorEnrollmentID: f.mentor.ID, MenteeEnrollmentID: f.ana.ID, Status: db.PairActive}
		if err := s.CreatePair(ctx, dup); !errors.Is(err, db.ErrConflict) {
			t.Fatalf("second open pair for a mentee: %v, want ErrConflict", err)
		}
		got, err := s.ActivatePair(ctx, p.ID)
		if err != nil || got.Status != db.PairActive || got.StartedAt == nil {
			t.Fatalf("ActivatePair = %+v, %v", got, err)
		}
		if _, err := s.ActivatePair(ctx, p.ID); !errors.Is(err, db.ErrConflict) {
			t.Fatalf("activating an active pair: %v, want ErrConflict", err)
		}
		if _, err := s.ActivatePair(ctx, p.ID+100); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("activating a missing pair: %v, want ErrNotFound", err)
		}
		open, err := s.OpenPairs(ctx, f.prog.ID)
		if err != nil || len(open) != 1 {
			t.Fatalf("OpenPairs = %d, %v", len(open), err)
		}
		ended, err := s.EndPair(ctx, p.ID, "moved teams")
		if err != nil || ended.Status != db.PairEnded || ended.EndedAt == nil || ended.EndReason != "moved teams" {
			t.Fatalf("EndPair = %+v, %v", ended, err)
		}
		if _, err := s.EndPair(ctx, p.ID, "again"); !errors.Is(err, db.ErrConflict) {
			t.Fatalf("ending twice: %v, want ErrConflict", err)
		}
		// Ended, Ana is free again.
		again := &db.Pair{ProgramID: f.prog.ID, MentorEnrollmentID: f.mentor.ID, MenteeEnrollmentID: f.ana.ID, Status: db.PairActive}
		if err := s.CreatePair(ctx, again); err != nil {
			t.Fatalf("new pair after the old one ended: %v", err)
		}
		views, err := s.ListPairs(ctx, db.PairQuery{ProgramID: f.prog.ID})
		if err != nil || len(views) != 2 {
			t.Fatalf("ListPairs = %d, %v", len(views), err)
		}
		if v := views[0]; v.ID != again.ID || v.MentorName != "Mo Mentor" || v.MenteeEmail != "ana@example.org" {
			t.Errorf("first row = %+v, want the open pair with names", v)
		}
		if v := views[1]; v.CreatorName != "Sam Staff" || v.Score != 4.5 || v.Explanation != "4 h overlap" {
			t.Errorf("ended row = %+v", v)
		}
		page, err := s.ListPairs(ctx, db.PairQuery{ProgramID: f.prog.ID, Limit: 1})
		if err != nil || len(page) != 1 || page[0].ID != p.ID {
			t.Fatalf("first page = %v, %v", page, err)
		}
		page, err = s.ListPairs(ctx, db.PairQuery{ProgramID: f.prog.ID, AfterID: p.ID, Limit: 1})
		if err != nil || len(page) != 1 || page[0].ID != again.ID {
			t.Fatalf("second page = %v, %v", page, err)
		}
		for _, tt := range []struct {
			name string
			q    db.PairQuery
			want int
		}{
			{"status", db.PairQuery{ProgramID: f.prog.ID, Status: db.PairEnded}, 1},
			{"enrollment", db.PairQuery{ProgramID: f.prog.ID, EnrollmentID: f.ana.ID}, 2},
			{"other enrollment", db.PairQuery{ProgramID: f.prog.ID, EnrollmentID: f.bo.ID}, 0},
			{"other program", db.PairQuery{ProgramID: f.other.ID}, 0},
			{"one", db.PairQuery{ID: again.ID}, 1},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.ListPairs(ctx, tt.q)
				if err != nil || len(got) != tt.want {
					t.Fatalf("ListPairs(%+v) = %d, %v; want %d", tt.q, len(got), err, tt.want)
				}
			})
		}
		err = s.InTx(ctx, func(ctx context.Context, tx *db.Store) error { return tx.LockPairing(ctx, f.prog.ID) })
		if err != nil {
			t.Fatalf("LockPairing: %v", err)
		}
	})
}

// The history is keyed by hash alone and has no foreign keys: it survives
// deleting the people, their enrollments and pairs.
func TestPairHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		f := newPairFixture(t, s)
		for range 2 {
			if err := s.RecordPairHistory(ctx, "abc", f.prog.ID); err != nil {
				t.Fatalf("RecordPairHistory: %v", err)
			}
		}
		if err := s.RecordPairHistory(ctx, "def", f.other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().NewRaw("DELETE FROM people").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().NewRaw("DELETE FROM programs").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for hash, want := range map[string]bool{"abc": true, "def": true, "xyz": false} {
			if got, err := s.PairSeen(ctx, hash); err != nil || got != want {
				t.Errorf("PairSeen(%s) = %v, %v; want %v", hash, got, err, want)
			}
		}
		all, err := s.PairHistoryHashes(ctx)
		if err != nil || len(all) != 2 {
			t.Fatalf("PairHistoryHashes = %v, %v", all, err)
		}
	})
}

func TestPairablesAndInterests(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		f := newPairFixture(t, s)
		draft, _, err := s.StartEnrollment(ctx, f.prog.ID, f.staff.ID, "Sam")
		if err != nil {
			t.Fatal(err)
		}
		ids := func(ps []*db.Pairable) string {
			out := ""
			for _, p := range ps {
				out += fmt.Sprintf("%d,", p.ID)
			}
			return out
		}
		str := func(es ...*db.Enrollment) string {
			out := ""
			for _, e := range es {
				out += fmt.Sprintf("%d,", e.ID)
			}
			return out
		}
		approved := []string{db.StatusApproved}
		tests := []struct {
			name string
			q    db.PairableQuery
			want string
		}{
			{"all", db.PairableQuery{ProgramID: f.prog.ID}, str(f.mentor, f.ana, f.bo, draft)},
			{"status", db.PairableQuery{ProgramID: f.prog.ID, Statuses: approved}, str(f.mentor, f.ana, f.bo)},
			{"mentors", db.PairableQuery{ProgramID: f.prog.ID, Role: db.SideMentor}, str(f.mentor)},
			{"mentees", db.PairableQuery{ProgramID: f.prog.ID, Role: db.SideMentee}, str(f.ana, f.bo)},
			{"org any case", db.PairableQuery{ProgramID: f.prog.ID, Org: "ENGINEERING"}, str(f.mentor, f.bo)},
			{"interest", db.PairableQuery{ProgramID: f.prog.ID, Interest: "Leadership"}, str(f.mentor, f.ana)},
			{"q name", db.PairableQuery{ProgramID: f.prog.ID, Q: "mentee"}, str(f.ana)},
			{"q email", db.PairableQuery{ProgramID: f.prog.ID, Q: "BO@"}, str(f.bo)},
			{"q account name", db.PairableQuery{ProgramID: f.prog.ID, Q: "(account)"}, str(f.mentor, f.ana, f.bo)},
			{"q wildcard is literal", db.PairableQuery{ProgramID: f.prog.ID, Q: "%"}, ""},
			{"ids", db.PairableQuery{ProgramID: f.prog.ID, IDs: []int64{f.bo.ID, f.out.ID}}, str(f.bo)},
			{"no ids", db.PairableQuery{ProgramID: f.prog.ID, IDs: []int64{}}, ""},
			{"page", db.PairableQuery{ProgramID: f.prog.ID, AfterID: f.mentor.ID, Limit: 2}, str(f.ana, f.bo)},
			{"other program", db.PairableQuery{ProgramID: f.other.ID}, str(f.out)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Pairables(ctx, tt.q)
				if err != nil || ids(got) != tt.want {
					t.Fatalf("Pairables(%+v) = %s, %v; want %s", tt.q, ids(got), err, tt.want)
				}
			})
		}
		got, err := s.Pairables(ctx, db.PairableQuery{ProgramID: f.prog.ID, Role: db.SideMentor, WithInterests: true})
		if err != nil || len(got) != 1 {
			t.Fatal(got, err)
		}
		m := got[0]
		if m.Email != "mo@example.org" || m.Name() != "Mo Mentor" || !m.IsMentor || m.AvailMask != 0xFF || len(m.Interests) != 2 {
			t.Errorf("mentor = %+v", m)
		}
		bo, _ := s.Pairables(ctx, db.PairableQuery{ProgramID: f.prog.ID, IDs: []int64{f.bo.ID}})
		if bo[0].PersonName == "" || bo[0].Name() != bo[0].PersonName {
			// Bo left the name blank: the account's name stands in.
			t.Errorf("Name() = %q, want the account name %q", bo[0].Name(), bo[0].PersonName)
		}
		byID, err := s.InterestsFor(ctx, []int64{f.mentor.ID, f.ana.ID, f.bo.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(byID[f.mentor.ID]) != 2 || len(byID[f.ana.ID]) != 1 || len(byID[f.bo.ID]) != 0 {
			t.Errorf("InterestsFor = %v", byID)
		}
		if byID[f.mentor.ID][0].Interest != "career growth" {
			t.Errorf("interests not ordered: %v", byID[f.mentor.ID])
		}
	})
}
