package jobs_test

import (
	"io"
	"strings"
	"testing"

	"cohort/app/features"
	"cohort/db"
	"cohort/db/dbtest"
)

// The staff digest lists the active pairs whose check-ins need attention,
// with the reasons, and links to the pairs page filtered to them; a day
// with nothing else and no such pair sends no digest.
func TestStaffDigestPairsNeedingAttention(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newDigestWorld(t, s)
		prog := w.program("pairs", "Pairs", db.ProgramSettings{Flags: map[string]bool{features.Pairing: true}})
		w.person(digestStaff, "Sam Staff", db.RoleStaff, "")
		old := digestT0.Add(-40 * day)
		mentor, mentee := w.enroll(prog, db.StatusActive, &old, false), w.enroll(prog, db.StatusActive, &old, true)
		mentor2, mentee2 := w.enroll(prog, db.StatusActive, &old, false), w.enroll(prog, db.StatusActive, &old, true)
		troubled := w.pair(prog, mentor, mentee, db.PairActive) // started 30 days ago
		fine := w.pair(prog, mentor2, mentee2, db.PairActive)
		w.must(s.SaveCheckinAnswer(w.ctx, &db.CheckinAnswer{PairID: fine.ID, PersonID: mentee2.PersonID, Weeks: 2, Met: db.MetOnce, Rating: 4}))
		r := digestRunner(t, s, "test", "", io.Discard)
		if c := runDigest(t, r); c["digests"] != 0 {
			t.Fatalf("a digest with nothing to say: %v", c)
		}

		w.at(day)
		w.must(s.SaveCheckinAnswer(w.ctx, &db.CheckinAnswer{PairID: troubled.ID, PersonID: mentee.PersonID, Weeks: 2, Met: db.MetNotYet, Rating: 1}))
		if c := runDigest(t, r); c["digests"] != 1 {
			t.Fatalf("digests = %v, want 1", c)
		}
		m := w.digests()[digestStaff][0]
		for _, want := range []string{
			"Pairs that need attention: 1",
			"/staff/programs/pairs/pairs?health=needs_attention",
			mentor.FullName + " and " + mentee.FullName + ": " + mentee.FullName + " rated 1/5 at week 2; " + mentee.FullName + " says they have not met by week 2",
		} {
			if !strings.Contains(m.TextBody, want) || !strings.Contains(m.HTMLBody, want) {
				t.Fatalf("digest lacks %q:\n%s\n%s", want, m.TextBody, m.HTMLBody)
			}
		}
		if strings.Contains(m.TextBody, mentee2.FullName) {
			t.Fatalf("the pair on track is listed:\n%s", m.TextBody)
		}
	})
}
