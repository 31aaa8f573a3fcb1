package jobs_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"cohort/app/apptest"
	"cohort/app/features"
	"cohort/app/jobs"
	"cohort/app/notify"
	"cohort/db"
	"cohort/db/dbtest"
)

const week = 7 * day

// member makes a person and a running enrollment with the given term end
// (nil: none) and sides.
func (w *notifyWorld) member(email, name, status string, expires *time.Time, mentor, mentee bool) (*db.Person, *db.Enrollment) {
	w.t.Helper()
	p := &db.Person{Email: email, Name: name}
	w.must(w.s.CreatePerson(w.ctx, p))
	now := w.s.Now().UTC()
	e := &db.Enrollment{ProgramID: w.prog.ID, PersonID: p.ID, Status: status, FullName: name, TimeZone: "UTC",
		AvailMask: 1<<24 - 1, IsMentor: mentor, IsMentee: mentee, SubmittedAt: &now, ExpiresAt: expires}
	w.must(w.s.CreateEnrollments(w.ctx, []*db.Enrollment{e}))
	return p, e
}

// activePair pairs mentor and mentee from now.
func (w *notifyWorld) activePair(mentor, mentee *db.Enrollment) *db.Pair {
	w.t.Helper()
	p := &db.Pair{ProgramID: w.prog.ID, MentorEnrollmentID: mentor.ID, MenteeEnrollmentID: mentee.ID}
	w.must(w.s.CreatePair(w.ctx, p))
	p, err := w.s.ActivatePair(w.ctx, p.ID)
	w.must(err)
	return p
}

func (w *notifyWorld) timeAt(d time.Duration) *time.Time { t := w.t0.Add(d); return &t }

// runCounts runs job now and returns all its counts.
func (w *notifyWorld) runCounts(job string) map[string]int {
	w.t.Helper()
	run, err := w.r.RunNow(w.ctx, job, jobs.TriggerCLI)
	w.must(err)
	if run.Outcome != db.JobOK || run.Counts["errors"] != 0 {
		w.t.Fatalf("%s = %s %v (%s)", job, run.Outcome, run.Counts, run.Error)
	}
	return run.Counts
}

// kinds lists the kinds of mail to each recipient, in order.
func (w *notifyWorld) kinds() map[string]string {
	out := map[string]string{}
	for to, ms := range w.mails() {
		var ks []string
		for _, m := range ms {
			ks = append(ks, m.Kind)
		}
		out[to] = strings.Join(ks, ",")
	}
	return out
}

func (w *notifyWorld) wantKinds(when string, want map[string]string) {
	w.t.Helper()
	got := w.kinds()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		w.t.Fatalf("%s: mail kinds\n got %v\nwant %v", when, got, want)
	}
}

func (w *notifyWorld) status(e *db.Enrollment) string {
	w.t.Helper()
	cur, err := w.s.EnrollmentByID(w.ctx, e.ID)
	w.must(err)
	return cur.Status
}

// Check-ins: both people at 2 and 6 weeks, once; not an unsubscribed
// person, not an ended pair, not a stale point, not where switched off.
func TestPairCheckins(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newNotifyWorld(t, s, db.ProgramSettings{})
		_, mentor := w.member("mentor@example.com", "Mentor", db.StatusActive, nil, true, false)
		_, mentee := w.member("mentee@example.com", "Mentee", db.StatusActive, nil, false, true)
		quiet, mentor2 := w.member("quiet@example.com", "Quiet", db.StatusActive, nil, true, false)
		_, mentee2 := w.member("loud@example.com", "Loud", db.StatusActive, nil, false, true)
		_, mentor3 := w.member("gone@example.com", "Gone", db.StatusActive, nil, true, false)
		_, mentee3 := w.member("left@example.com", "Left", db.StatusActive, nil, false, true)
		w.must(s.Unsubscribe(w.ctx, quiet.ID))
		p1 := w.activePair(mentor, mentee)
		w.activePair(mentor2, mentee2)
		p3 := w.activePair(mentor3, mentee3)
		_, err := s.EndPair(w.ctx, p3.ID, "moved on")
		w.must(err)

		w.at(2*week - time.Minute)
		if n := w.run("pair-check-ins", "check_ins"); n != 0 {
			t.Fatalf("before two weeks: %d", n)
		}
		w.at(2 * week)
		if n := w.run("pair-check-ins", "check_ins"); n != 3 {
			t.Fatalf("two weeks: %d check-ins, want 3 (not the unsubscribed mentor)", n)
		}
		if n := w.run("pair-check-ins", "check_ins"); n != 0 {
			t.Fatalf("two weeks again: %d", n)
		}
		w.at(2*week + 3*day)
		w.run("pair-check-ins", "check_ins")
		w.at(6 * week)
		if n := w.run("pair-check-ins", "check_ins"); n != 3 {
			t.Fatalf("six weeks: %d", n)
		}
		w.at(20 * week)
		w.run("pair-check-ins", "check_ins")
		w.wantKinds("week 20", map[string]string{
			"mentor@example.com": "pair_checkin,pair_checkin",
			"mentee@example.com": "pair_checkin,pair_checkin",
			"loud@example.com":   "pair_checkin,pair_checkin",
		})
		m := w.mails()["mentee@example.com"][1]
		if !strings.Contains(m.Subject, "6 weeks in") || !strings.Contains(m.TextBody, "mentor@example.com") ||
			!strings.Contains(m.TextBody, fmt.Sprintf("/enrollments/%d", mentee.ID)) || !strings.Contains(m.TextBody, "/unsubscribe") {
			t.Fatalf("check-in mail: %q\n%s", m.Subject, m.TextBody)
		}
		if key := fmt.Sprintf("pair_checkin:%d:%d:6", p1.ID, mentee.PersonID); *m.DedupeKey != key {
			t.Fatalf("key %q, want %q", *m.DedupeKey, key)
		}
		// Each mail links to that person's survey for that point, expiring
		// when the point stops taking answers: the last point plus the
		// default 14 late days. The 2-week mail's link closes at 6 weeks
		// plus 14 days.
		secret := apptest.Config(t, nil).SecretKey
		for i, want := range []notify.CheckinLink{
			{PairID: p1.ID, PersonID: mentee.PersonID, Weeks: 2, Expires: w.t0.Add(6*week + 14*day)},
			{PairID: p1.ID, PersonID: mentee.PersonID, Weeks: 6, Expires: w.t0.Add(6*week + 14*day)},
		} {
			body := w.mails()["mentee@example.com"][i].TextBody
			_, rest, ok := strings.Cut(body, "/checkin?t=")
			if !ok {
				t.Fatalf("check-in mail %d has no survey link:\n%s", i, body)
			}
			tok, _, _ := strings.Cut(rest, "\n")
			tok, err := url.QueryUnescape(tok)
			w.must(err)
			got, err := notify.VerifyCheckin(secret, tok, w.t0)
			if err != nil || got != want {
				t.Fatalf("mail %d survey link = %+v, %v; want %+v", i, got, err, want)
			}
		}
		if body := w.mails()["mentee@example.com"][0].TextBody; !strings.Contains(body, "until 28 December 2026") {
			t.Fatalf("2-week mail does not say when the survey closes:\n%s", body)
		}

		// A pair that started long before its program's check-ins were due
		// gets none late: the 6-week point passed more than a week ago.
		_, old1 := w.member("old1@example.com", "Old", db.StatusActive, nil, true, false)
		_, old2 := w.member("old2@example.com", "Older", db.StatusActive, nil, false, true)
		w.at(20*week - 10*week)
		w.activePair(old1, old2)
		w.at(20 * week)
		if n := w.run("pair-check-ins", "check_ins"); n != 0 {
			t.Fatalf("stale check-ins sent: %d", n)
		}

		// Switched off for a program: an empty list.
		off := &db.Program{Slug: "off", Name: "Off", Kind: db.KindMentoring, FormKey: "mentoring",
			Settings: db.ProgramSettings{CheckinWeeks: []int{}}}
		w.must(s.CreateProgram(w.ctx, off))
		w.prog = off
		_, a := w.member("a@example.com", "A", db.StatusActive, nil, true, false)
		_, b := w.member("b@example.com", "B", db.StatusActive, nil, false, true)
		w.activePair(a, b)
		w.at(22 * week)
		if n := w.run("pair-check-ins", "check_ins"); n != 0 {
			t.Fatalf("check-ins where switched off: %d", n)
		}
	})
}

// End of term for enrollments: notices at 30, 15 and 2 days (the latest
// point only, once each), then ended with a farewell, its pairs ended and
// audited; unsubscribing stops notices but not the farewell.
func TestEndOfTermEnrollments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newNotifyWorld(t, s, db.ProgramSettings{})
		_, far := w.member("far@example.com", "Far", db.StatusApproved, w.timeAt(40*day), false, true)
		_, near := w.member("near@example.com", "Near", db.StatusActive, w.timeAt(20*day), true, false)
		_, partner := w.member("partner@example.com", "Partner", db.StatusActive, w.timeAt(300*day), false, true)
		quiet, quietE := w.member("quiet@example.com", "Quiet", db.StatusActive, w.timeAt(20*day), false, true)
		_, gone := w.member("gone@example.com", "Gone", db.StatusWithdrawn, w.timeAt(20*day), false, true)
		_, never := w.member("never@example.com", "Never", db.StatusActive, nil, false, true)
		left, leftE := w.member("left@example.com", "Left", db.StatusActive, w.timeAt(20*day), false, true)
		w.must(s.SetPersonStatus(w.ctx, left.ID, db.PersonDisabled))
		w.must(s.Unsubscribe(w.ctx, quiet.ID))
		pair := w.activePair(near, partner)

		w.at(0)
		if c := w.runCounts("end-of-term"); c["notices"] != 1 {
			t.Fatalf("day 0: %v, want 1 notice (near: 20 days left)", c)
		}
		w.runCounts("end-of-term")
		w.at(10 * day) // far: 30 left; near: 10 left
		if c := w.runCounts("end-of-term"); c["notices"] != 2 {
			t.Fatalf("day 10: %v", c)
		}
		w.at(18*day + time.Hour) // near: under 2 days
		if c := w.runCounts("end-of-term"); c["notices"] != 1 || c["ended"] != 0 {
			t.Fatalf("day 18: %v", c)
		}
		w.at(20*day - time.Minute)
		if c := w.runCounts("end-of-term"); c["notices"] != 0 || c["ended"] != 0 {
			t.Fatalf("a minute before the end: %v", c)
		}
		w.at(20*day + 8*time.Hour)
		c := w.runCounts("end-of-term")
		if c["ended"] != 3 || c["farewells"] != 2 || c["pairs_ended"] != 1 {
			t.Fatalf("the day after: %v, want near, quiet and a disabled account ended, farewells to the first two, one pair ended", c)
		}
		if c := w.runCounts("end-of-term"); c["ended"] != 0 || c["farewells"] != 0 || c["notices"] != 0 {
			t.Fatalf("again: %v", c)
		}
		for e, want := range map[*db.Enrollment]string{near: db.StatusEnded, quietE: db.StatusEnded, leftE: db.StatusEnded, far: db.StatusApproved,
			partner: db.StatusActive, gone: db.StatusWithdrawn, never: db.StatusActive} {
			if got := w.status(e); got != want {
				t.Fatalf("enrollment %d (%s): %s, want %s", e.ID, e.FullName, got, want)
			}
		}
		pr, err := s.PairByID(w.ctx, pair.ID)
		w.must(err)
		if pr.Status != db.PairEnded || pr.EndReason != jobs.ReasonEnrollmentTerm {
			t.Fatalf("pair %s %q", pr.Status, pr.EndReason)
		}
		evs, err := s.ListAudit(w.ctx, db.AuditQuery{Action: jobs.ActionEnrollmentEnd, Limit: 10})
		w.must(err)
		if len(evs) != 3 || evs[0].ActorID != nil {
			t.Fatalf("audit: %d events", len(evs))
		}
		w.wantKinds("after the end", map[string]string{
			"far@example.com":   "end_notice",
			"near@example.com":  "end_notice,end_notice,end_notice,farewell",
			"quiet@example.com": "farewell",
		})
		near3 := w.mails()["near@example.com"]
		if !strings.Contains(near3[1].TextBody, "10 days") && !strings.Contains(near3[1].TextBody, "ends on") {
			t.Fatalf("notice:\n%s", near3[1].TextBody)
		}
		if !strings.Contains(near3[3].TextBody, "alumni") || strings.Contains(near3[3].TextBody, "unsubscribe") {
			t.Fatalf("farewell:\n%s", near3[3].TextBody)
		}
	})
}

// Where the program renews, the notices are renewal reminders; renewing
// moves the end, and the new term gets its own reminders.
func TestRenewalReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newNotifyWorld(t, s, db.ProgramSettings{Flags: map[string]bool{features.Renewal: true}, EndNoticeDays: []int{14}})
		_, e := w.member("member@example.com", "Member", db.StatusActive, w.timeAt(10*day), false, true)
		if c := w.runCounts("end-of-term"); c["renewal_reminders"] != 1 || c["notices"] != 0 {
			t.Fatalf("renewal program: %v", c)
		}
		m := w.mails()["member@example.com"][0]
		if m.Kind != db.NotifyRenewalReminder || !strings.Contains(m.Subject, "Renew") || !strings.Contains(m.TextBody, "renew") {
			t.Fatalf("reminder %s %q:\n%s", m.Kind, m.Subject, m.TextBody)
		}
		// The member renews: a year more.
		w.at(5 * day)
		_, err := s.UpdateEnrollment(w.ctx, e.ID, func(e *db.Enrollment) error { e.ExpiresAt = w.timeAt(375 * day); return nil })
		w.must(err)
		w.at(11 * day)
		if c := w.runCounts("end-of-term"); c["ended"] != 0 || c["renewal_reminders"] != 0 {
			t.Fatalf("after renewal: %v", c)
		}
		w.at(362 * day)
		if c := w.runCounts("end-of-term"); c["renewal_reminders"] != 1 {
			t.Fatalf("before the new end: %v", c)
		}
		w.wantKinds("two terms", map[string]string{"member@example.com": "renewal_reminder,renewal_reminder"})
	})
}

// Pairs have a term of their own: notices to both, then ended with a
// farewell to both, while the enrollments go on.
func TestEndOfTermPairs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newNotifyWorld(t, s, db.ProgramSettings{PairTermDays: 60, EndNoticeDays: []int{30}})
		_, mentor := w.member("mentor@example.com", "Mentor", db.StatusActive, nil, true, false)
		_, mentee := w.member("mentee@example.com", "Mentee", db.StatusActive, nil, false, true)
		pair := w.activePair(mentor, mentee)
		w.at(29 * day)
		if c := w.runCounts("end-of-term"); c["pair_notices"] != 0 {
			t.Fatalf("day 29: %v", c)
		}
		w.at(30 * day)
		if c := w.runCounts("end-of-term"); c["pair_notices"] != 2 {
			t.Fatalf("day 30: %v", c)
		}
		w.runCounts("end-of-term")
		w.at(60 * day)
		if c := w.runCounts("end-of-term"); c["pairs_ended"] != 1 || c["farewells"] != 2 || c["ended"] != 0 {
			t.Fatalf("day 60: %v", c)
		}
		w.runCounts("end-of-term")
		pr, err := s.PairByID(w.ctx, pair.ID)
		w.must(err)
		if pr.Status != db.PairEnded || pr.EndReason != jobs.ReasonPairTerm {
			t.Fatalf("pair %s %q", pr.Status, pr.EndReason)
		}
		if w.status(mentor) != db.StatusActive || w.status(mentee) != db.StatusActive {
			t.Fatal("the pair's end ended an enrollment")
		}
		w.wantKinds("pair ended", map[string]string{
			"mentor@example.com": "pair_end_notice,pair_farewell",
			"mentee@example.com": "pair_end_notice,pair_farewell",
		})
		if b := w.mails()["mentor@example.com"][1].TextBody; !strings.Contains(b, "Mentee") {
			t.Fatalf("farewell does not name the other person:\n%s", b)
		}
	})
}
