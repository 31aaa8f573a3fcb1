package staff_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"cohort/db"
	"cohort/db/dbtest"
)

// TestDecisionMail: each decision staff make (one by one or in bulk) puts
// one essential mail to the member in the outbox; deciding the same again
// sends nothing more.
func TestDecisionMail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		f := newFixture(t, s)
		c := f.as(coordinator)
		outbox := func(to string) []*db.OutboxMessage {
			msgs, err := s.ListMail(t.Context(), db.MailQuery{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			var out []*db.OutboxMessage
			for i := len(msgs) - 1; i >= 0; i-- {
				if msgs[i].To == to && strings.HasPrefix(msgs[i].Kind, "member_") {
					out = append(out, msgs[i])
				}
			}
			return out
		}
		for _, a := range []string{"approve", "approve", "waitlist", "waitlist"} {
			if res := c.PostForm(detailURL(f.hours)+"/status", url.Values{"action": {a}}); res.StatusCode != 303 {
				t.Fatalf("%s = %d", a, res.StatusCode)
			}
		}
		got := outbox("hours@example.com")
		if len(got) != 2 || got[0].Kind != "member_approved" || got[1].Kind != "member_waitlisted" {
			t.Fatalf("outbox = %+v", got)
		}
		if m := got[0]; !strings.Contains(m.Subject, "accepted") || !strings.Contains(m.TextBody, "Hana Hours") ||
			strings.Contains(m.TextBody, "/unsubscribe") || m.DedupeKey == nil || m.Status != db.MailPending && m.Status != db.MailDev {
			t.Fatalf("approval mail = %+v", m)
		}
		// Bulk decline (confirmed): one mail each to the two it changes, none to the
		// draft it skips.
		if res := c.PostForm(listURL+"/bulk", url.Values{"action": {"decline"}, "confirm": {"yes"}, "id": {strconv.FormatInt(f.formula, 10), strconv.FormatInt(f.hours, 10), strconv.FormatInt(f.draft, 10)}}); res.StatusCode != 303 {
			t.Fatalf("bulk = %d", res.StatusCode)
		}
		if got := outbox("hours@example.com"); len(got) != 3 || got[2].Kind != "member_declined" {
			t.Fatalf("after bulk, hours outbox = %d", len(got))
		}
		if got := outbox("formula@example.com"); len(got) != 1 || got[0].Kind != "member_declined" {
			t.Fatalf("formula outbox = %+v", got)
		}
		if got := outbox("draft@example.com"); len(got) != 0 {
			t.Fatalf("a skipped draft was mailed: %+v", got)
		}
	})
}
