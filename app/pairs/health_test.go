package pairs_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"cohort/app/pairs"
	"cohort/db"
	"cohort/db/dbtest"
)

// Pair health on the pairs page, with the store's clock moved: the reasons
// in words, the filter, and marking a concern handled (note required,
// audited, staff of another program refused).
func TestPairHealth(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		at := func(d time.Duration) { store.Now = func() time.Time { return t0.Add(d) } }
		at(0)
		const week = 7 * 24 * time.Hour
		f := setup(t, store)
		activate := func(mentor, mentee string) *db.Pair {
			p := &db.Pair{ProgramID: f.prog.ID, MentorEnrollmentID: f.enrolls[mentor].ID, MenteeEnrollmentID: f.enrolls[mentee].ID}
			if err := store.CreatePair(ctx, p); err != nil {
				t.Fatal(err)
			}
			p, err := store.ActivatePair(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		troubled, fine := activate("dee", "bo"), activate("sam", "ana")
		at(2*week + 24*time.Hour)
		for _, a := range []*db.CheckinAnswer{
			{PairID: troubled.ID, PersonID: f.enrolls["bo"].PersonID, Weeks: 2, Met: db.MetOnce, Rating: 2},
			{PairID: fine.ID, PersonID: f.enrolls["ana"].PersonID, Weeks: 2, Met: db.MetOnce, Rating: 5},
		} {
			if err := store.SaveCheckinAnswer(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		at(3 * week)
		c := f.client(t, "coordinator@example.org")
		row := func(body string, p *db.Pair) string {
			_, rest, ok := strings.Cut(body, fmt.Sprintf(`<tr id="pair-%d">`, p.ID))
			if !ok {
				return ""
			}
			r, _, _ := strings.Cut(rest, "</tr>")
			return r
		}
		list := text(getOK(t, c, f.pairsURL()))
		if r := row(list, troubled); !strings.Contains(r, "Needs attention") || !strings.Contains(r, "Bo rated 2/5 at week 2") {
			t.Fatalf("troubled pair's row:\n%s", r)
		}
		if r := row(list, fine); !strings.Contains(r, "On track") || strings.Contains(r, "Mark handled") {
			t.Fatalf("fine pair's row:\n%s", r)
		}
		only := text(getOK(t, c, f.pairsURL()+"?health=needs_attention"))
		if row(only, troubled) == "" || row(only, fine) != "" {
			t.Fatal("the health filter does not keep only the pairs that need attention")
		}
		if all := text(getOK(t, c, f.pairsURL()+"?health=bogus")); row(all, troubled) == "" || row(all, fine) == "" {
			t.Fatal("an unknown health filter hides pairs")
		}

		handle := fmt.Sprintf("/staff/pairs/%d/handled", troubled.ID)
		if res := c.PostForm(handle, url.Values{"note": {"  "}}); res.StatusCode != 422 || !strings.Contains(res.Body, "Say what was done") {
			t.Fatalf("handled without a note = %d", res.StatusCode)
		}
		outsider := f.client(t, "outsider@example.org")
		if res := outsider.PostForm(handle, url.Values{"note": {"called"}}); res.StatusCode != 404 {
			t.Fatalf("staff of another program = %d, want 404", res.StatusCode)
		}
		if evs := f.events(t, pairs.ActionConcernHandled); len(evs) != 0 {
			t.Fatalf("refused markings audited: %+v", evs)
		}
		res := c.PostForm(handle, url.Values{"note": {"Called Bo; they had a slow start."}})
		if res.StatusCode != 303 || res.Header.Get("Location") != f.pairsURL()+"?done=handled" {
			t.Fatalf("handled = %d %s", res.StatusCode, res.Body)
		}
		evs := f.events(t, pairs.ActionConcernHandled)
		if len(evs) != 1 || *evs[0].ActorID != f.people["coordinator"].ID || evs[0].Details["note"] != "Called Bo; they had a slow start." {
			t.Fatalf("audit = %+v", evs)
		}
		if r := row(text(getOK(t, c, f.pairsURL())), troubled); !strings.Contains(r, "On track") {
			t.Fatalf("after handling:\n%s", r)
		}
		// A new low answer after the handling raises it again.
		at(3*week + time.Hour)
		if err := store.SaveCheckinAnswer(ctx, &db.CheckinAnswer{PairID: troubled.ID, PersonID: f.enrolls["dee"].PersonID,
			Weeks: 2, Met: db.MetNotYet, Rating: 3, ContactMe: true}); err != nil {
			t.Fatal(err)
		}
		if r := row(text(getOK(t, c, f.pairsURL())), troubled); !strings.Contains(r, "Dee asked to be contacted (week 2)") {
			t.Fatalf("after a new answer:\n%s", r)
		}
	})
}
