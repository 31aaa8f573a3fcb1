package pairs_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"cohort/app/demo"
	"cohort/app/pairs"
	"cohort/db"
	"cohort/db/dbtest"
)

// Undo within the window removes the pair with no trace in the pair
// history (the two may be paired again) and is audited; after the window
// it is refused and the pair stays.
func TestUndoPair(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		ctx := context.Background()
		f := setup(t, store)
		c := f.client(t, demo.StaffEmail)
		t0 := time.Now().UTC()
		store.Now = func() time.Time { return t0 }
		make := func() *db.Pair {
			t.Helper()
			if res := c.PostForm(f.pairsURL(), f.pairForm("sam", "bo")); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("create = %d: %s", res.StatusCode, res.Body)
			}
			open := f.openPairs(t)
			if len(open) != 1 {
				t.Fatalf("open pairs = %+v", open)
			}
			return open[0]
		}
		hash := pairs.HistoryHash(f.secret, "sam@example.org", "bo@example.org")
		p := make()
		page := text(c.Get(f.pairsURL() + "?done=created"))
		if !strings.Contains(page, fmt.Sprintf(`action="/staff/pairs/%d/undo"`, p.ID)) || !strings.Contains(page, "you can undo it") {
			t.Fatalf("no undo control on the pairs page:\n%s", page)
		}
		store.Now = func() time.Time { return t0.Add(db.PairUndoWindow - time.Second) }
		res := c.PostForm(fmt.Sprintf("/staff/pairs/%d/undo", p.ID), nil)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != f.pairsURL()+"?done=undone" {
			t.Fatalf("undo = %d %q: %s", res.StatusCode, res.Header.Get("Location"), res.Body)
		}
		if _, err := store.PairByID(ctx, p.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("undone pair still stored: %v", err)
		}
		if ok, _ := store.PairSeen(ctx, hash); ok {
			t.Fatal("the undone pair is still in the pair history")
		}
		evs := f.events(t, pairs.ActionUndo)
		if len(evs) != 1 || evs[0].SubjectID != strconv.FormatInt(p.ID, 10) || evs[0].ActorID == nil {
			t.Fatalf("undo audit = %+v", evs)
		}
		if res := c.PostForm(fmt.Sprintf("/staff/pairs/%d/undo", p.ID), nil); res.StatusCode != http.StatusNotFound {
			t.Fatalf("undo twice = %d", res.StatusCode)
		}
		// Not "paired before": the same two can be paired again.
		store.Now = func() time.Time { return t0 }
		p = make()
		// After the window: refused, the pair and its history stay.
		store.Now = func() time.Time { return t0.Add(db.PairUndoWindow) }
		if page := c.Get(f.pairsURL()).Body; strings.Contains(page, "/undo\"") {
			t.Fatal("undo still offered after the window")
		}
		res = c.PostForm(fmt.Sprintf("/staff/pairs/%d/undo", p.ID), nil)
		if res.StatusCode != http.StatusConflict || !strings.Contains(text(res), "can no longer be undone") {
			t.Fatalf("late undo = %d: %s", res.StatusCode, res.Body)
		}
		if ok, _ := store.PairSeen(ctx, hash); !ok || len(f.openPairs(t)) != 1 {
			t.Fatal("a refused undo changed the pair or its history")
		}
		// Another program's coordinator cannot undo it (404, as if absent).
		store.Now = func() time.Time { return t0 }
		if res := f.client(t, "outsider@example.org").PostForm(fmt.Sprintf("/staff/pairs/%d/undo", p.ID), nil); res.StatusCode != http.StatusNotFound {
			t.Fatalf("outsider undo = %d", res.StatusCode)
		}
		if len(f.openPairs(t)) != 1 {
			t.Fatal("the outsider's undo removed the pair")
		}
	})
}

// Ending a pair as made by mistake does not count as having been paired
// before; ending it for any other reason does.
func TestEndAsMistake(t *testing.T) {
	for _, tt := range []struct {
		name       string
		form       url.Values
		wantReason string
		again      bool
	}{
		{"mistake button", url.Values{"mistake": {"1"}}, pairs.ReasonMistake, true},
		{"mistake button with a reason", url.Values{"mistake": {"1"}, "reason": {"wrong Sam"}}, pairs.ReasonMistake + ": wrong Sam", true},
		{"typed reason", url.Values{"reason": {"made by mistake, sorry"}}, "made by mistake, sorry", true},
		{"other reason", url.Values{"reason": {"Bo changed teams"}}, "Bo changed teams", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, store *db.Store) {
				ctx := context.Background()
				f := setup(t, store)
				c := f.client(t, demo.StaffEmail)
				if res := c.PostForm(f.pairsURL(), f.pairForm("sam", "bo")); res.StatusCode != http.StatusSeeOther {
					t.Fatalf("create = %d: %s", res.StatusCode, res.Body)
				}
				p := f.openPairs(t)[0]
				form := url.Values{} // a copy: PostForm adds this client's token
				for k, v := range tt.form {
					form[k] = v
				}
				res := c.PostForm(fmt.Sprintf("/staff/pairs/%d/end", p.ID), form)
				if res.StatusCode != http.StatusSeeOther {
					t.Fatalf("end = %d: %s", res.StatusCode, res.Body)
				}
				got, _ := store.PairByID(ctx, p.ID)
				if got.Status != db.PairEnded || got.EndReason != tt.wantReason {
					t.Fatalf("ended pair = %+v", got)
				}
				seen, _ := store.PairSeen(ctx, pairs.HistoryHash(f.secret, "sam@example.org", "bo@example.org"))
				if seen == tt.again {
					t.Fatalf("in the pair history = %v, want %v", seen, !tt.again)
				}
				res = c.PostForm(f.pairsURL(), f.pairForm("sam", "bo"))
				if made := res.StatusCode == http.StatusSeeOther; made != tt.again {
					t.Fatalf("pairing again = %d, want made %v: %s", res.StatusCode, tt.again, res.Body)
				}
				evs := f.events(t, pairs.ActionEnd)
				if len(evs) != 1 || (evs[0].Details["mistake"] == true) != tt.again {
					t.Fatalf("end audit = %+v", evs)
				}
			})
		})
	}
}
