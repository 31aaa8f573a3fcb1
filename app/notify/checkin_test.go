package notify_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"cohort/app/apptest"
	"cohort/app/notify"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestCheckinToken(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	l := notify.CheckinLink{PairID: 7, PersonID: 42, Weeks: 6, Expires: now.Add(time.Hour)}
	tok := notify.CheckinToken(secret, l)
	if got, err := notify.VerifyCheckin(secret, tok, now); err != nil || got != l {
		t.Fatalf("VerifyCheckin(CheckinToken(l)) = %+v, %v", got, err)
	}
	mac := tok[strings.LastIndex(tok, ".")+1:]
	exp := strconv.FormatInt(l.Expires.Unix(), 10)
	for name, bad := range map[string]string{
		"empty":                "",
		"no mac":               "7.42.6." + exp,
		"another person":       "7.43.6." + exp + "." + mac,
		"another pair":         "8.42.6." + exp + "." + mac,
		"another point":        "7.42.2." + exp + "." + mac,
		"later expiry":         "7.42.6.1999999999." + mac,
		"leading zero":         "07.42.6." + exp + "." + mac,
		"negative":             "-7.42.6." + exp + "." + mac,
		"mac changed":          tok + "x",
		"another secret":       notify.CheckinToken("another secret, also 32 chars long", l),
		"the unsubscribe mark": notify.Token(secret, 42),
	} {
		if got, err := notify.VerifyCheckin(secret, bad, now); !errors.Is(err, notify.ErrLinkInvalid) {
			t.Errorf("%s: VerifyCheckin(%q) = %+v, %v; want invalid", name, bad, got, err)
		}
	}
	if !strings.Contains(tok, "."+exp+".") {
		t.Fatalf("token %q does not carry expiry %s", tok, exp)
	}
	for _, at := range []time.Time{l.Expires, l.Expires.Add(time.Second)} {
		if _, err := notify.VerifyCheckin(secret, tok, at); !errors.Is(err, notify.ErrLinkExpired) {
			t.Fatalf("at %s: %v, want expired", at, err)
		}
	}
	if u := notify.CheckinURL("https://cohort.example/", secret, l); u != "https://cohort.example/checkin?t="+url.QueryEscape(tok) {
		t.Fatalf("CheckinURL = %q", u)
	}
}

// The survey from a check-in link, with the store's clock moved: one answer
// per person per point, edited in place; links of other people, tampered
// links, and links past the window are refused; a point not yet reached
// is refused.
func TestCheckinSurvey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		at := func(d time.Duration) { s.Now = func() time.Time { return t0.Add(d) } }
		at(0)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		const week = 7 * 24 * time.Hour
		prog := &db.Program{Slug: "m", Name: "Mentoring", Kind: db.KindMentoring, FormKey: "mentoring",
			Settings: db.ProgramSettings{CheckinWeeks: []int{2, 6}, CheckinLateDays: 3}}
		must(s.CreateProgram(ctx, prog))
		person := func(email string, mentor bool) (*db.Person, *db.Enrollment) {
			p := &db.Person{Email: email, Name: strings.Split(email, "@")[0]}
			must(s.CreatePerson(ctx, p))
			e := &db.Enrollment{ProgramID: prog.ID, PersonID: p.ID, Status: db.StatusActive, FullName: p.Name,
				IsMentor: mentor, IsMentee: !mentor}
			must(s.CreateEnrollments(ctx, []*db.Enrollment{e}))
			return p, e
		}
		ana, anaE := person("ana@example.com", true)
		ben, benE := person("ben@example.com", false)
		eve, _ := person("eve@example.com", false)
		pr := &db.Pair{ProgramID: prog.ID, MentorEnrollmentID: anaE.ID, MenteeEnrollmentID: benE.ID}
		must(s.CreatePair(ctx, pr))
		_, err := s.ActivatePair(ctx, pr.ID)
		must(err)

		srv := apptest.New(t, s, nil)
		secret := srv.Config().SecretKey
		link := func(personID int64, weeks int, expires time.Time) string {
			return "/checkin?t=" + url.QueryEscape(notify.CheckinToken(secret,
				notify.CheckinLink{PairID: pr.ID, PersonID: personID, Weeks: weeks, Expires: expires}))
		}
		c := apptest.NewClient(t, srv)
		far := t0.Add(52 * week)
		answer := func(path string, form url.Values) *apptest.Response {
			t.Helper()
			u, _ := url.Parse(path)
			form.Set("t", u.Query().Get("t"))
			return c.PostForm("/checkin", form)
		}
		refused := func(what string, res *apptest.Response, say string) {
			t.Helper()
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, say) {
				t.Fatalf("%s: %d, want 422 saying %q\n%s", what, res.StatusCode, say, res.Body)
			}
		}

		// Before the 2-week point the survey is not open.
		at(2*week - time.Minute)
		refused("early", c.Get(link(ana.ID, 2, far)), "not open yet")

		at(2 * week)
		res := c.Get(link(ana.ID, 2, far))
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "2 weeks in") || !strings.Contains(res.Body, "ben") {
			t.Fatalf("survey page: %d\n%s", res.StatusCode, res.Body)
		}
		good := url.Values{"met": {db.MetOnce}, "rating": {"4"}, "note": {" fine "}}
		if res := answer(link(ana.ID, 2, far), good); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "answer is saved") {
			t.Fatalf("answer: %d\n%s", res.StatusCode, res.Body)
		}
		// Edited later, in the same window: still one answer, the new one.
		at(5 * week)
		if res := answer(link(ana.ID, 2, far), url.Values{"met": {db.MetSeveral}, "rating": {"2"}, "contact_me": {"1"}}); res.StatusCode != http.StatusOK {
			t.Fatalf("edit: %d\n%s", res.StatusCode, res.Body)
		}
		answers, err := s.CheckinAnswersOf(ctx, pr.ID)
		must(err)
		if len(answers) != 1 || answers[0].PersonID != ana.ID || answers[0].Weeks != 2 || answers[0].Met != db.MetSeveral ||
			answers[0].Rating != 2 || !answers[0].ContactMe || answers[0].Note != "" {
			t.Fatalf("answers after edit: %+v", answers)
		}
		if res := c.Get(link(ana.ID, 2, far)); !strings.Contains(res.Body, `value="several" required checked`) {
			t.Fatalf("the page does not show the answer given:\n%s", res.Body)
		}
		// Ben answers his own: two answers, one each.
		if res := answer(link(ben.ID, 2, far), good); res.StatusCode != http.StatusOK {
			t.Fatalf("ben: %d", res.StatusCode)
		}

		// Bad answers get a message, not a save.
		for name, form := range map[string]url.Values{
			"no met":    {"rating": {"3"}},
			"rating 0":  {"met": {db.MetOnce}, "rating": {"0"}},
			"rating 6":  {"met": {db.MetOnce}, "rating": {"6"}},
			"other met": {"met": {"often"}, "rating": {"3"}},
			"long note": {"met": {db.MetOnce}, "rating": {"3"}, "note": {strings.Repeat("x", 2001)}},
		} {
			refused(name, answer(link(ben.ID, 2, far), form), "")
		}

		// Someone outside the pair, with a correctly signed link: refused.
		refused("outsider", c.Get(link(eve.ID, 2, far)), "not valid")
		refused("outsider post", answer(link(eve.ID, 2, far), good), "not valid")
		// Ana's link with Ben's id put in: refused, and nothing saved for Ben.
		tampered := strings.Replace(notify.CheckinToken(secret, notify.CheckinLink{PairID: pr.ID, PersonID: ana.ID, Weeks: 6, Expires: far}),
			"."+itoa(ana.ID)+".", "."+itoa(ben.ID)+".", 1)
		at(6 * week)
		refused("tampered", c.Get("/checkin?t="+url.QueryEscape(tampered)), "not valid")
		// A point the program does not have.
		refused("no such point", c.Get(link(ana.ID, 4, far)), "not valid")
		// An expired link, though the window is open.
		refused("expired link", c.Get(link(ana.ID, 6, t0.Add(6*week))), "has closed")

		// Late answers: the 2-week check-in takes answers until 6 weeks
		// plus 3 days, then no more.
		at(6*week + 3*24*time.Hour - time.Second)
		if res := answer(link(ana.ID, 2, far), good); res.StatusCode != http.StatusOK {
			t.Fatalf("late answer: %d", res.StatusCode)
		}
		at(6*week + 3*24*time.Hour)
		refused("past the window", answer(link(ana.ID, 2, far), good), "has closed")
		answers, err = s.CheckinAnswersOf(ctx, pr.ID)
		must(err)
		if len(answers) != 2 || answers[0].Rating != 4 || answers[1].PersonID != ben.ID {
			t.Fatalf("answers at the end: %+v", answers)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
