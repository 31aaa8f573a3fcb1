package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"cohort/app/apptest"
	"cohort/app/jobs"
	"cohort/app/mail"
	"cohort/app/notify"
	"cohort/db"
	"cohort/db/dbtest"
)

const day = 24 * time.Hour

// notifyWorld is a program on a store whose clock the test moves.
type notifyWorld struct {
	t    *testing.T
	s    *db.Store
	ctx  context.Context
	t0   time.Time
	prog *db.Program
	r    *jobs.Runner
}

func newNotifyWorld(t *testing.T, s *db.Store, settings db.ProgramSettings) *notifyWorld {
	t.Helper()
	w := &notifyWorld{t: t, s: s, ctx: context.Background(), t0: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	w.at(0)
	w.prog = &db.Program{Slug: "mentoring", Name: "Mentoring <2026>", Kind: db.KindMentoring, FormKey: "mentoring", Settings: settings}
	w.must(s.CreateProgram(w.ctx, w.prog))
	w.r = newRunner(t, s, "test", jobs.Builtin()...)
	return w
}

func (w *notifyWorld) at(d time.Duration) { w.s.Now = func() time.Time { return w.t0.Add(d) } }

func (w *notifyWorld) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

// enroll makes a person with an enrollment in status, created now.
func (w *notifyWorld) enroll(email, name, status, tz string, mask int64) (*db.Person, *db.Enrollment) {
	w.t.Helper()
	p := &db.Person{Email: email, Name: name}
	w.must(w.s.CreatePerson(w.ctx, p))
	e := &db.Enrollment{ProgramID: w.prog.ID, PersonID: p.ID, Status: status, FullName: name, TimeZone: tz, AvailMask: mask}
	w.must(w.s.CreateEnrollments(w.ctx, []*db.Enrollment{e}))
	return p, e
}

func (w *notifyWorld) setStatus(e *db.Enrollment, status string) {
	w.t.Helper()
	_, err := w.s.UpdateEnrollment(w.ctx, e.ID, func(e *db.Enrollment) error { e.Status = status; return nil })
	w.must(err)
}

// run runs job now (a fresh slot) and returns how many mails of kind it
// counted.
func (w *notifyWorld) run(job, count string) int {
	w.t.Helper()
	run, err := w.r.RunNow(w.ctx, job, jobs.TriggerCLI)
	w.must(err)
	if run.Outcome != db.JobOK || run.Counts["errors"] != 0 {
		w.t.Fatalf("%s = %s %v (%s)", job, run.Outcome, run.Counts, run.Error)
	}
	return run.Counts[count]
}

// mailsBy returns the outbox by recipient, oldest first: every message, or
// those of the given kinds.
func mailsBy(t *testing.T, s *db.Store, kinds ...string) map[string][]*db.OutboxMessage {
	t.Helper()
	msgs, err := s.ListMail(context.Background(), db.MailQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].ID < msgs[j].ID })
	out := map[string][]*db.OutboxMessage{}
	for _, m := range msgs {
		if len(kinds) == 0 || slices.Contains(kinds, m.Kind) {
			out[m.To] = append(out[m.To], m)
		}
	}
	return out
}

// wantMailCounts fails unless mails holds exactly want messages per
// recipient.
func wantMailCounts(t *testing.T, when string, mails map[string][]*db.OutboxMessage, want map[string]int) {
	t.Helper()
	got := map[string]int{}
	for to, ms := range mails {
		got[to] = len(ms)
	}
	if !maps.Equal(got, want) {
		t.Fatalf("%s: mails = %v, want %v", when, got, want)
	}
}

func (w *notifyWorld) mails() map[string][]*db.OutboxMessage { w.t.Helper(); return mailsBy(w.t, w.s) }

func (w *notifyWorld) wantCounts(when string, want map[string]int) {
	w.t.Helper()
	wantMailCounts(w.t, when, w.mails(), want)
}

// Draft reminders: who gets one and when, as the clock moves across days.
func TestDraftReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newNotifyWorld(t, s, db.ProgramSettings{})
		ada, adaE := w.enroll("ada@example.com", `<b>Ada</b> & "Co"`, db.StatusDraft, "", 0)
		_, bobE := w.enroll("bob@example.com", "Bob", db.StatusDraft, "", 0)
		cy, _ := w.enroll("cy@example.com", "Cy", db.StatusDraft, "", 0)
		w.enroll("dee@example.com", "Dee", db.StatusSubmitted, "", 0)
		_, fayE := w.enroll("fay@example.com", "Fay", db.StatusDraft, "", 0)
		w.must(s.Unsubscribe(w.ctx, cy.ID))
		w.at(2 * day)
		w.enroll("eve@example.com", "Eve", db.StatusDraft, "", 0)

		w.at(3*day - time.Minute)
		if n := w.run("draft-reminders", "reminders"); n != 0 {
			t.Fatalf("before 3 days: %d reminders", n)
		}
		w.at(3 * day)
		if n := w.run("draft-reminders", "reminders"); n != 3 {
			t.Fatalf("day 3: %d reminders, want 3 (ada, bob, fay)", n)
		}
		if n := w.run("draft-reminders", "reminders"); n != 0 {
			t.Fatalf("day 3 again: %d reminders", n)
		}
		w.wantCounts("day 3", map[string]int{"ada@example.com": 1, "bob@example.com": 1, "fay@example.com": 1})

		// Bob submits, Fay withdraws: no more reminders for them.
		w.at(4 * day)
		w.setStatus(bobE, db.StatusSubmitted)
		w.setStatus(fayE, db.StatusWithdrawn)
		w.run("draft-reminders", "reminders")
		w.at(5 * day)
		if n := w.run("draft-reminders", "reminders"); n != 1 {
			t.Fatalf("day 5: %d reminders, want 1 (eve)", n)
		}
		w.at(6*day - time.Minute)
		if n := w.run("draft-reminders", "reminders"); n != 0 {
			t.Fatalf("day 6 minus a minute: %d reminders", n)
		}
		w.at(6 * day)
		if n := w.run("draft-reminders", "reminders"); n != 1 {
			t.Fatalf("day 6: %d reminders, want 1 (ada's second)", n)
		}
		for d := 7; d <= 20; d++ {
			w.at(time.Duration(d) * day)
			w.run("draft-reminders", "reminders")
		}
		w.wantCounts("day 20", map[string]int{"ada@example.com": 2, "bob@example.com": 1, "fay@example.com": 1, "eve@example.com": 2})

		// The mails: keys per reminder, a link back, an unsubscribe link,
		// names escaped in HTML.
		adas := w.mails()["ada@example.com"]
		for i, m := range adas {
			key := fmt.Sprintf("draft_reminder:%d:%d:%d", ada.ID, adaE.ID, i+1)
			if m.DedupeKey == nil || *m.DedupeKey != key || m.Kind != db.NotifyDraftReminder {
				t.Fatalf("mail %d: key %v kind %q, want %q", i, m.DedupeKey, m.Kind, key)
			}
		}
		m := adas[0]
		link := fmt.Sprintf("http://localhost/enrollments/%d", adaE.ID)
		unsub := notify.URL("http://localhost", apptest.Config(t, nil).SecretKey, ada.ID)
		for _, body := range []string{m.TextBody, m.HTMLBody} {
			if !strings.Contains(body, link) || !strings.Contains(body, strings.ReplaceAll(unsub, "&", "&amp;")) {
				t.Fatalf("body lacks the enrollment or unsubscribe link:\n%s", body)
			}
		}
		if !strings.Contains(m.TextBody, `Hello <b>Ada</b> & "Co"`) {
			t.Fatalf("text body:\n%s", m.TextBody)
		}
		if strings.Contains(m.HTMLBody, "<b>Ada") || !strings.Contains(m.HTMLBody, "&lt;b&gt;Ada&lt;/b&gt; &amp; &#34;Co&#34;") ||
			!strings.Contains(m.HTMLBody, "Mentoring &lt;2026&gt;") {
			t.Fatalf("HTML body not escaped:\n%s", m.HTMLBody)
		}
		if m.Subject != "Finish your enrollment in Mentoring <2026>" {
			t.Fatalf("subject %q", m.Subject)
		}
	})
}

// Settings change the delay and the number of reminders; a reminder that
// left the outbox (housekeeping) is still never sent again.
func TestDraftReminderSettings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newNotifyWorld(t, s, db.ProgramSettings{ReminderAfterDays: 1, ReminderMax: 3})
		w.enroll("ada@example.com", "Ada", db.StatusDraft, "", 0)
		for d := 1; d <= 10; d++ {
			w.at(time.Duration(d) * day)
			w.run("draft-reminders", "reminders")
		}
		w.wantCounts("3 reminders a day apart", map[string]int{"ada@example.com": 3})
		_, err := s.DB().NewDelete().Table("mail_outbox").Where("1 = 1").Exec(w.ctx)
		w.must(err)
		w.at(11 * day)
		if n := w.run("draft-reminders", "reminders"); n != 0 {
			t.Fatalf("after the outbox was purged: %d reminders", n)
		}

		off := &db.Program{Slug: "off", Name: "Off", Kind: db.KindMentoring, FormKey: "mentoring", Settings: db.ProgramSettings{ReminderMax: -1}}
		w.must(s.CreateProgram(w.ctx, off))
		p := &db.Person{Email: "bob@example.com", Name: "Bob"}
		w.must(s.CreatePerson(w.ctx, p))
		w.must(s.CreateEnrollments(w.ctx, []*db.Enrollment{{ProgramID: off.ID, PersonID: p.ID}}))
		w.at(30 * day)
		if n := w.run("draft-reminders", "reminders"); n != 0 {
			t.Fatalf("reminders switched off: %d sent", n)
		}
	})
}

// Two runners working on the same slot at once (and the job called twice
// concurrently, bypassing the slot claim) send each reminder once.
func TestDraftRemindersConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newNotifyWorld(t, s, db.ProgramSettings{})
		for i := range 5 {
			w.enroll(fmt.Sprintf("p%d@example.com", i), fmt.Sprintf("P%d", i), db.StatusDraft, "", 0)
		}
		w.at(3 * day)
		r2 := newRunner(t, s, "other", jobs.Builtin()...)
		slot := w.r.SlotAt("draft-reminders", w.t0.Add(3*day))
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, r := range []*jobs.Runner{w.r, r2} {
			wg.Go(func() { _, errs[i] = r.RunSlot(w.ctx, "draft-reminders", slot, jobs.TriggerSchedule) })
		}
		wg.Wait()
		taken := 0
		for _, err := range errs {
			if errors.Is(err, jobs.ErrSlotTaken) {
				taken++
			} else {
				w.must(err)
			}
		}
		if taken != 1 {
			t.Fatalf("slot taken %d times, want 1: %v", taken, errs)
		}

		w.at(6 * day)
		cfg := apptest.Config(t, nil)
		env := jobs.Env{Store: s, Outbox: mail.NewOutbox(cfg, s), Config: cfg, Log: apptest.Logger(), Job: "draft-reminders"}
		job := jobs.DraftReminders()
		var total sync.Map
		for i := range 4 {
			wg.Go(func() {
				c, err := job.Run(w.ctx, env)
				if err != nil {
					t.Error(err)
				}
				total.Store(i, c["reminders"]+c["errors"]*100)
			})
		}
		wg.Wait()
		sum := 0
		total.Range(func(_, v any) bool { sum += v.(int); return true })
		if sum != 5 {
			t.Fatalf("concurrent runs sent %d second reminders, want 5", sum)
		}
		want := map[string]int{}
		for i := range 5 {
			want[fmt.Sprintf("p%d@example.com", i)] = 2
		}
		w.wantCounts("after concurrent runs", want)
	})
}

// Pair introductions: both people of a newly active pair, once, with the
// shared hours in each recipient's own time zone; unsubscribing does not
// stop this essential mail.
func TestPairIntroductions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newNotifyWorld(t, s, db.ProgramSettings{})
		hours := func(from, to int) (m int64) {
			for h := from; h < to; h++ {
				m |= 1 << h
			}
			return m
		}
		mentor, mentorE := w.enroll("mentor@example.com", "Men <i>tor</i>", db.StatusActive, "America/New_York", hours(13, 18))
		mentee, menteeE := w.enroll("mentee@example.com", "Mentee", db.StatusActive, "Europe/Berlin", hours(14, 19))
		_, otherE := w.enroll("other@example.com", "Other", db.StatusActive, "UTC", hours(0, 24))
		_, lateE := w.enroll("late@example.com", "Late", db.StatusActive, "UTC", hours(0, 24))
		w.must(s.Unsubscribe(w.ctx, mentor.ID))

		pair := &db.Pair{ProgramID: w.prog.ID, MentorEnrollmentID: mentorE.ID, MenteeEnrollmentID: menteeE.ID}
		w.must(s.CreatePair(w.ctx, pair))
		proposed := &db.Pair{ProgramID: w.prog.ID, MentorEnrollmentID: otherE.ID, MenteeEnrollmentID: lateE.ID}
		w.must(s.CreatePair(w.ctx, proposed))
		if n := w.run("pair-introductions", "introductions"); n != 0 {
			t.Fatalf("proposed pairs introduced: %d", n)
		}
		w.at(time.Hour)
		_, err := s.ActivatePair(w.ctx, pair.ID)
		w.must(err)
		// Inside the undo window nobody is told yet: staff may still undo.
		w.at(time.Hour + db.PairUndoWindow - time.Second)
		if n := w.run("pair-introductions", "introductions"); n != 0 {
			t.Fatalf("introduced inside the undo window: %d", n)
		}
		w.at(2 * time.Hour)
		if n := w.run("pair-introductions", "introductions"); n != 2 {
			t.Fatalf("introductions = %d, want 2", n)
		}
		if n := w.run("pair-introductions", "introductions"); n != 0 {
			t.Fatalf("introductions again = %d", n)
		}
		got := w.mails()
		w.wantCounts("after activation", map[string]int{"mentor@example.com": 1, "mentee@example.com": 1})
		toMentor, toMentee := got["mentor@example.com"][0], got["mentee@example.com"][0]
		// Shared 14:00–18:00 UTC: 09:00–13:00 in New York, 15:00–19:00 in Berlin.
		if !strings.Contains(toMentor.TextBody, "09:00–13:00") || !strings.Contains(toMentor.TextBody, "mentee@example.com") ||
			!strings.Contains(toMentor.TextBody, "Mentee") || !strings.Contains(toMentor.TextBody, "America/New_York") {
			t.Fatalf("mail to the mentor:\n%s", toMentor.TextBody)
		}
		if !strings.Contains(toMentee.TextBody, "15:00–19:00") || !strings.Contains(toMentee.TextBody, "mentor@example.com") ||
			!strings.Contains(toMentee.TextBody, "Men <i>tor</i>") {
			t.Fatalf("mail to the mentee:\n%s", toMentee.TextBody)
		}
		if !strings.Contains(toMentee.HTMLBody, "Men &lt;i&gt;tor&lt;/i&gt;") || strings.Contains(toMentee.HTMLBody, "<i>") ||
			!strings.Contains(toMentee.HTMLBody, "15:00–19:00") {
			t.Fatalf("HTML to the mentee not escaped:\n%s", toMentee.HTMLBody)
		}
		if strings.Contains(toMentee.TextBody, "unsubscribe") {
			t.Fatalf("essential mail carries an unsubscribe link:\n%s", toMentee.TextBody)
		}
		for _, m := range []*db.OutboxMessage{toMentor, toMentee} {
			person := mentor.ID
			if m == toMentee {
				person = mentee.ID
			}
			if key := fmt.Sprintf("pair_intro:%d:%d", pair.ID, person); m.DedupeKey == nil || *m.DedupeKey != key {
				t.Fatalf("dedupe key %v, want %s", m.DedupeKey, key)
			}
		}

		// A pair activated more than a week before the job ran is not
		// introduced; one that ended before the job ran neither.
		_, err = s.ActivatePair(w.ctx, proposed.ID)
		w.must(err)
		w.at(2*time.Hour + 8*day)
		if n := w.run("pair-introductions", "introductions"); n != 0 {
			t.Fatalf("old pair introduced: %d", n)
		}
		w.wantCounts("after a week", map[string]int{"mentor@example.com": 1, "mentee@example.com": 1})
	})
}
