package enroll_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/db"
	"cohort/db/dbtest"
)

// kinds lists the kinds of the mail in the outbox to "to", oldest first.
func kinds(t *testing.T, s *db.Store, to string) []string {
	t.Helper()
	msgs, err := s.ListMail(t.Context(), db.MailQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(msgs) - 1; i >= 0; i-- {
		if strings.EqualFold(msgs[i].To, to) && strings.HasPrefix(msgs[i].Kind, "member_") {
			out = append(out, msgs[i].Kind)
		}
	}
	return out
}

// TestMemberMailWithdrawRejoin: a submission sends a receipt once; withdraw
// without confirmation only asks; confirmed it withdraws and mails; rejoin
// brings the same answers back, audited; the status page says where the
// member stands.
func TestMemberMailWithdrawRejoin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		c := apptest.NewClient(t, w.srv)
		c.SignInAs(demo.MemberEmail)
		enr := complete(t, c, demo.ProgramSlug)
		// A second submit (double click, back button) sends nothing more.
		c.PostForm(enr+"/submit", nil)
		if got := strings.Join(kinds(t, s, demo.MemberEmail), ","); got != "member_submitted" {
			t.Fatalf("after submit, outbox kinds = %q", got)
		}
		msgs, _ := s.ListMail(t.Context(), db.MailQuery{})
		if !strings.Contains(msgs[0].TextBody, "http://localhost"+enr) || strings.Contains(msgs[0].TextBody, "unsubscribe") {
			t.Fatalf("receipt body: %s", msgs[0].TextBody)
		}
		if page := c.Get(enr); !strings.Contains(page.Body, "We received your enrollment") {
			t.Fatal("status page does not say the enrollment was received")
		}

		// One click without JavaScript: a confirmation page, nothing withdrawn.
		res := c.PostForm(enr+"/withdraw", url.Values{"reason": {"Busy"}})
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Yes, withdraw") || !strings.Contains(res.Body, ">Busy</textarea>") {
			t.Fatalf("unconfirmed withdraw = %d: %s", res.StatusCode, res.Body)
		}
		if e := enrollmentOf(t, s, enr); e.Status != db.StatusSubmitted {
			t.Fatalf("unconfirmed withdraw changed status to %s", e.Status)
		}
		res = c.PostForm(enr+"/withdraw", url.Values{"reason": {"Busy"}, "confirm": {"yes"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("confirmed withdraw = %d", res.StatusCode)
		}
		before := enrollmentOf(t, s, enr)
		if before.Status != db.StatusWithdrawn {
			t.Fatalf("status after withdraw = %s", before.Status)
		}
		page := c.Get(enr)
		if !strings.Contains(page.Body, "/rejoin") {
			t.Fatal("withdrawn status page offers no way back")
		}

		if res := c.PostForm(enr+"/rejoin", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("rejoin = %d: %s", res.StatusCode, res.Body)
		}
		after := enrollmentOf(t, s, enr)
		if after.Status != db.StatusSubmitted || after.WithdrawnAt != nil || after.Answers["full_name"] != before.Answers["full_name"] ||
			after.AvailMask != before.AvailMask {
			t.Fatalf("rejoined = %+v", after)
		}
		if evs, _ := s.ListAudit(t.Context(), db.AuditQuery{Action: "enrollment.rejoin"}); len(evs) != 1 {
			t.Fatal("rejoin not audited")
		}
		// A rejoin of an enrollment that is not withdrawn is refused.
		if res := c.PostForm(enr+"/rejoin", nil); res.StatusCode != http.StatusConflict {
			t.Fatalf("second rejoin = %d, want 409", res.StatusCode)
		}
		// Leaving again is told again; the receipt is not repeated.
		w.now = w.now.Add(1e9)
		c.PostForm(enr+"/withdraw", url.Values{"confirm": {"yes"}})
		if got := strings.Join(kinds(t, s, demo.MemberEmail), ","); got != "member_submitted,member_withdrawn,member_withdrawn" {
			t.Fatalf("outbox kinds = %q", got)
		}
	})
}

// TestRejoinOnlyWhileOpen: a closed program cannot be rejoined.
func TestRejoinOnlyWhileOpen(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		closes := w.now.Add(time.Hour)
		p := &db.Program{Slug: "closing", Name: "Closing", Kind: "mentoring", FormKey: "mentoring", ClosesAt: &closes,
			Settings: db.ProgramSettings{Flags: map[string]bool{}}}
		if err := s.CreateProgram(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		c := apptest.NewClient(t, w.srv)
		c.SignInAs(demo.MemberEmail)
		enr := complete(t, c, p.Slug)
		c.PostForm(enr+"/withdraw", url.Values{"confirm": {"yes"}})
		if page := c.Get(enr); !strings.Contains(page.Body, "/rejoin") {
			t.Fatal("an open program offers no rejoin")
		}
		w.now = closes.Add(time.Minute)
		if page := c.Get(enr); strings.Contains(page.Body, "/rejoin") {
			t.Fatal("a closed program offers rejoin")
		}
		if res := c.PostForm(enr+"/rejoin", nil); res.StatusCode != http.StatusConflict {
			t.Fatalf("rejoin of a closed program = %d, want 409", res.StatusCode)
		}
	})
}
