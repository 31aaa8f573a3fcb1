package matching_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"cohort/app/matching"
	"cohort/app/pairing"
	"cohort/app/pairs"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const morning = 0x000FF0 // 04–11 UTC

var slugs int // programs made so far, for unique slugs

type fx struct {
	t     *testing.T
	ctx   context.Context
	store *db.Store
	prog  *db.Program
	sv    *matching.Service
	clock time.Time
	n     int
}

func newFx(t *testing.T, store *db.Store, settings db.ProgramSettings) *fx {
	t.Helper()
	f := &fx{t: t, ctx: context.Background(), store: store, clock: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	store.Now = func() time.Time { return f.clock }
	if settings.MatchingMode == "" {
		settings.MatchingMode = matching.ModeMembers
	}
	slugs++
	f.prog = &db.Program{Slug: fmt.Sprintf("mentoring-%d", slugs), Name: "Mentoring", Kind: db.KindMentoring, FormKey: "mentoring", Settings: settings}
	if err := store.CreateProgram(f.ctx, f.prog); err != nil {
		t.Fatal(err)
	}
	f.sv = matching.NewService(store, pairs.NewService(store, "secret"), "http://cohort.test")
	return f
}

// person enrolls someone new; manager is the mentee's manager's email.
func (f *fx) person(name string, mentor bool, manager string) *db.Enrollment {
	f.t.Helper()
	return f.personWith(name, mentor, manager, morning, nil)
}

// personWith is person with availability and form answers.
func (f *fx) personWith(name string, mentor bool, manager string, mask int64, answers map[string]any) *db.Enrollment {
	f.t.Helper()
	f.n++
	p := &db.Person{Email: fmt.Sprintf("%s%d@example.org", strings.ToLower(name), f.n), Name: name}
	if err := f.store.CreatePerson(f.ctx, p); err != nil {
		f.t.Fatal(err)
	}
	e := &db.Enrollment{ProgramID: f.prog.ID, PersonID: p.ID, Status: db.StatusApproved, FullName: name,
		IsMentor: mentor, IsMentee: !mentor, AvailMask: mask, Answers: answers, Org: "org", ManagerEmail: manager, TimeZone: "UTC"}
	if err := f.store.CreateEnrollments(f.ctx, []*db.Enrollment{e}); err != nil {
		f.t.Fatal(err)
	}
	return e
}

func (f *fx) email(e *db.Enrollment) string {
	p, err := f.store.PersonByID(f.ctx, e.PersonID)
	if err != nil {
		f.t.Fatal(err)
	}
	return p.Email
}

// request sends a request and wants it made.
func (f *fx) request(mentee, mentor *db.Enrollment) *db.MatchRequest {
	f.t.Helper()
	r, rs, err := f.sv.Request(f.ctx, f.prog, mentee.ID, mentor.ID, "Hello there")
	if err != nil || len(rs) > 0 {
		f.t.Fatalf("request: %v %v", err, rs)
	}
	return r
}

// refused sends a request and wants it refused with code.
func (f *fx) refused(mentee, mentor *db.Enrollment, code string) []pairing.Refusal {
	f.t.Helper()
	r, rs, err := f.sv.Request(f.ctx, f.prog, mentee.ID, mentor.ID, "")
	if err != nil || r != nil || !hasCode(rs, code) {
		f.t.Fatalf("request: want refusal %q, got %v %v %v", code, r, rs, err)
	}
	return rs
}

func hasCode(rs []pairing.Refusal, code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}

// acceptAtOnce has mentors[k] accept reqs[k], both at the same moment, and
// returns what each was told; an error from either fails the test.
func (f *fx) acceptAtOnce(t *testing.T, mentors [2]*db.Enrollment, reqs [2]*db.MatchRequest) [2]*matching.Result {
	t.Helper()
	var results [2]*matching.Result
	var errs [2]error
	var wg sync.WaitGroup
	for k := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[k], errs[k] = f.sv.Accept(f.ctx, pairs.Actor{}, f.prog, mentors[k].ID, reqs[k].ID)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		t.Fatal(err)
	}
	return results
}

func (f *fx) status(id int64) string {
	f.t.Helper()
	r, err := f.store.MatchRequestByID(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return r.Status
}

// mailTo counts the outbox messages of kind to the enrollment's person.
func (f *fx) mailTo(e *db.Enrollment, kind string) int {
	f.t.Helper()
	msgs, err := f.store.ListMail(f.ctx, db.MailQuery{Limit: 500})
	if err != nil {
		f.t.Fatal(err)
	}
	n, to := 0, f.email(e)
	for _, m := range msgs {
		if m.To == to && m.Kind == kind {
			n++
		}
	}
	return n
}

func (f *fx) openPairs() []*db.Pair {
	ps, err := f.store.OpenPairs(f.ctx, f.prog.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return ps
}

func TestRequestAcceptWithdrawsTheOthers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := newFx(t, store, db.ProgramSettings{})
		m1, m2, e := f.person("Sam", true, ""), f.person("Dee", true, ""), f.person("Ana", false, "")
		r1, r2 := f.request(e, m1), f.request(e, m2)
		if f.mailTo(m1, matching.MailRequest) != 1 || f.mailTo(m2, matching.MailRequest) != 1 {
			t.Fatal("each mentor is mailed the request")
		}
		f.refused(e, m1, matching.CodeAgain)
		res, err := f.sv.Accept(f.ctx, pairs.Actor{PersonID: m1.PersonID}, f.prog, m1.ID, r1.ID)
		if err != nil || res.Pair == nil || len(res.Refusals) > 0 {
			t.Fatalf("accept: %+v %v", res, err)
		}
		if got := f.status(r1.ID) + "," + f.status(r2.ID); got != "accepted,withdrawn" {
			t.Fatalf("statuses %s", got)
		}
		if f.mailTo(m2, matching.MailWithdrawn) != 1 || f.mailTo(e, matching.MailDecision) != 1 {
			t.Fatal("the other mentor and the mentee are told")
		}
		if ps := f.openPairs(); len(ps) != 1 || ps[0].Status != db.PairActive || ps[0].MentorEnrollmentID != m1.ID {
			t.Fatalf("pairs %+v", ps)
		}
		// The withdrawn request answers its mentor clearly.
		res, err = f.sv.Accept(f.ctx, pairs.Actor{}, f.prog, m2.ID, r2.ID)
		if err != nil || res.Pair != nil || !hasCode(res.Refusals, pairs.CodePaired) || !strings.Contains(res.Refusals[0].Reason, "another mentor") {
			t.Fatalf("late accept: %+v %v", res, err)
		}
		// A paired mentee cannot request again.
		f.refused(e, f.person("Lee", true, ""), pairs.CodePaired)
		// A mentor never reaches a request to someone else.
		if _, err := f.sv.Accept(f.ctx, pairs.Actor{}, f.prog, m2.ID, r1.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("another's request: %v", err)
		}
	})
}

func TestDeclineAndRequestAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := newFx(t, store, db.ProgramSettings{})
		m, e := f.person("Sam", true, ""), f.person("Ana", false, "")
		r := f.request(e, m)
		if err := f.sv.Decline(f.ctx, pairs.Actor{}, f.prog, m.ID, r.ID, "  Too busy this quarter "); err != nil {
			t.Fatal(err)
		}
		v, _ := f.store.MatchRequestByID(f.ctx, r.ID)
		if v.Status != db.RequestDeclined || v.Reason != "Too busy this quarter" {
			t.Fatalf("%+v", v.MatchRequest)
		}
		if f.mailTo(e, matching.MailDecision) != 1 {
			t.Fatal("mentee told")
		}
		if err := f.sv.Decline(f.ctx, pairs.Actor{}, f.prog, m.ID, r.ID, ""); !errors.Is(err, matching.ErrNotPending) {
			t.Fatalf("second decline: %v", err)
		}
		f.request(e, m) // asking again after a no is allowed
	})
}

func TestExpireOnceAndRequestAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := newFx(t, store, db.ProgramSettings{RequestExpiryDays: 2})
		m, e := f.person("Sam", true, ""), f.person("Ana", false, "")
		r := f.request(e, m)
		f.clock = f.clock.Add(47 * time.Hour)
		if n, err := f.sv.ExpireDue(f.ctx, f.clock); err != nil || n != 0 {
			t.Fatalf("early: %d %v", n, err)
		}
		f.clock = f.clock.Add(time.Hour)
		if n, err := f.sv.ExpireDue(f.ctx, f.clock); err != nil || n != 1 {
			t.Fatalf("due: %d %v", n, err)
		}
		if n, err := f.sv.ExpireDue(f.ctx, f.clock); err != nil || n != 0 {
			t.Fatalf("again: %d %v", n, err)
		}
		if f.status(r.ID) != db.RequestExpired || f.mailTo(e, matching.MailExpired) != 1 {
			t.Fatal("expired once, mentee told once")
		}
		if _, err := f.sv.Accept(f.ctx, pairs.Actor{}, f.prog, m.ID, r.ID); !errors.Is(err, matching.ErrNotPending) {
			t.Fatalf("accept expired: %v", err)
		}
		f.request(e, m)
	})
}

func TestPauseCapacityAndLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := newFx(t, store, db.ProgramSettings{MaxOpenRequests: 2, DefaultMentorCapacity: 2})
		m1, m2, m3 := f.person("Sam", true, ""), f.person("Dee", true, ""), f.person("Lee", true, "")
		e1, e2, e3 := f.person("Ana", false, ""), f.person("Bo", false, ""), f.person("Cy", false, "")

		f.request(e1, m1)
		f.request(e1, m2)
		f.refused(e1, m3, matching.CodeTooMany)

		if err := f.sv.SetPrefs(f.ctx, f.prog, m3.ID, true, 0); err != nil {
			t.Fatal(err)
		}
		f.refused(e2, m3, matching.CodePaused)
		if err := f.sv.SetPrefs(f.ctx, f.prog, m3.ID, false, 3); err == nil {
			t.Fatal("capacity above the program's limit accepted")
		}
		// Own capacity 1: one pair fills it.
		if err := f.sv.SetPrefs(f.ctx, f.prog, m3.ID, false, 1); err != nil {
			t.Fatal(err)
		}
		r2, r3 := f.request(e2, m3), f.request(e3, m3)
		if res, err := f.sv.Accept(f.ctx, pairs.Actor{}, f.prog, m3.ID, r2.ID); err != nil || res.Pair == nil {
			t.Fatalf("%+v %v", res, err)
		}
		res, err := f.sv.Accept(f.ctx, pairs.Actor{}, f.prog, m3.ID, r3.ID)
		if err != nil || res.Pair != nil || !hasCode(res.Refusals, matching.CodeFull) {
			t.Fatalf("full: %+v %v", res, err)
		}
		if f.status(r3.ID) != db.RequestPending {
			t.Fatal("a refused accept leaves the request pending")
		}
		f.refused(f.person("Di", false, ""), m3, matching.CodeFull)
	})
}

func TestHardRulesInMemberWords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := newFx(t, store, db.ProgramSettings{})
		boss := f.person("Sam", true, "")
		e := f.person("Ana", false, f.email(boss))
		rs := f.refused(e, boss, pairing.CodeManager)
		if txt := matching.Reasons(rs); strings.Contains(txt, "@") || strings.Contains(txt, "Sam") {
			t.Fatalf("refusal shows private answers: %q", txt)
		}
		staff := newFx(t, store, db.ProgramSettings{MatchingMode: matching.ModeStaff})
		staff.refused(staff.person("Bo", false, ""), staff.person("Dee", true, ""), matching.CodeMode)
	})
}

func TestStaffCancel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := newFx(t, store, db.ProgramSettings{})
		m, e := f.person("Sam", true, ""), f.person("Ana", false, "")
		r := f.request(e, m)
		if err := f.sv.Cancel(f.ctx, pairs.Actor{}, f.prog, r.ID); err != nil {
			t.Fatal(err)
		}
		if f.status(r.ID) != db.RequestCancelled || f.mailTo(e, matching.MailDecision) != 1 || f.mailTo(m, matching.MailDecision) != 1 {
			t.Fatal("cancelled, both told")
		}
		if err := f.sv.Cancel(f.ctx, pairs.Actor{}, f.prog, r.ID); !errors.Is(err, matching.ErrNotPending) {
			t.Fatalf("twice: %v", err)
		}
		f.request(e, m)
	})
}

// TestRaceTwoMentorsAcceptOneMentee: exactly one pair; the other mentor is
// told the mentee was paired with someone else.
func TestRaceTwoMentorsAcceptOneMentee(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := newFx(t, store, db.ProgramSettings{})
		for i := 0; i < 50; i++ {
			m1, m2, e := f.person("Sam", true, ""), f.person("Dee", true, ""), f.person("Ana", false, "")
			results := f.acceptAtOnce(t, [2]*db.Enrollment{m1, m2}, [2]*db.MatchRequest{f.request(e, m1), f.request(e, m2)})
			made, told := 0, 0
			for k := range 2 {
				if results[k].Pair != nil {
					made++
				} else if hasCode(results[k].Refusals, pairs.CodePaired) {
					told++
				}
			}
			if made != 1 || told != 1 {
				t.Fatalf("run %d: %d pairs, %d told: %+v %+v", i, made, told, results[0], results[1])
			}
		}
	})
}

// TestRaceLastPlace: a mentor with one place left accepting two mentees at
// once makes one pair.
func TestRaceLastPlace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := newFx(t, store, db.ProgramSettings{DefaultMentorCapacity: 2})
		for i := 0; i < 50; i++ {
			m := f.person("Sam", true, "")
			first := f.request(f.person("Zed", false, ""), m)
			if res, err := f.sv.Accept(f.ctx, pairs.Actor{}, f.prog, m.ID, first.ID); err != nil || res.Pair == nil {
				t.Fatalf("%+v %v", res, err)
			}
			results := f.acceptAtOnce(t, [2]*db.Enrollment{m, m}, [2]*db.MatchRequest{f.request(f.person("Ana", false, ""), m), f.request(f.person("Bo", false, ""), m)})
			made, full := 0, 0
			for k := range 2 {
				if results[k].Pair != nil {
					made++
				} else if hasCode(results[k].Refusals, matching.CodeFull) {
					full++
				}
			}
			if made != 1 || full != 1 {
				t.Fatalf("run %d: %d pairs, %d full", i, made, full)
			}
		}
	})
}

func TestUnmatchedRequestersForTheDigest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := newFx(t, store, db.ProgramSettings{})
		m1, m2, e := f.person("Sam", true, ""), f.person("Dee", true, ""), f.person("Ana", false, "")
		f.person("Bo", false, "") // never asked: the other digest line's
		r := f.request(e, m1)
		count := func() int {
			n, err := store.UnmatchedRequesters(f.ctx, f.prog.ID, f.clock.Add(-7*24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if count() != 0 {
			t.Fatal("a fresh request is not stuck")
		}
		f.clock = f.clock.Add(8 * 24 * time.Hour)
		if _, err := f.sv.ExpireDue(f.ctx, f.clock); err != nil {
			t.Fatal(err)
		}
		if count() != 1 {
			t.Fatal("eight days without an accepted request")
		}
		r2 := f.request(e, m2)
		if res, err := f.sv.Accept(f.ctx, pairs.Actor{}, f.prog, m2.ID, r2.ID); err != nil || res.Pair == nil {
			t.Fatalf("%+v %v", res, err)
		}
		if count() != 0 || f.status(r.ID) != db.RequestExpired {
			t.Fatal("paired: no longer listed")
		}
	})
}

// A mentee whom staff pair directly has their pending requests withdrawn
// by the next expiry run, each mentor told once.
func TestStaffPairWithdrawsPendingRequests(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := newFx(t, store, db.ProgramSettings{MatchingMode: matching.ModeBoth})
		m1, m2, e := f.person("Sam", true, ""), f.person("Dee", true, ""), f.person("Ana", false, "")
		r := f.request(e, m1)
		if _, rs, err := pairs.NewService(store, "secret").Create(f.ctx, pairs.Actor{}, f.prog, pairs.NewPair{MentorID: m2.ID, MenteeID: e.ID}); err != nil || len(rs) > 0 {
			t.Fatalf("staff pair: %v %v", rs, err)
		}
		for range 2 {
			if _, err := f.sv.ExpireDue(f.ctx, f.clock); err != nil {
				t.Fatal(err)
			}
		}
		if f.status(r.ID) != db.RequestWithdrawn || f.mailTo(m1, matching.MailWithdrawn) != 1 {
			t.Fatal("withdrawn once, mentor told once")
		}
	})
}
