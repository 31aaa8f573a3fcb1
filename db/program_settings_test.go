package db_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"cohort/db"
)

func TestProgramSettingsDefaults(t *testing.T) {
	d := 24 * time.Hour
	for _, tt := range []struct {
		name      string
		s         db.ProgramSettings
		checkins  []int
		notices   []int
		pairTerm  time.Duration
		retention time.Duration
		keep      bool
		waiting   time.Duration
	}{
		{"zero: defaults", db.ProgramSettings{}, []int{2, 6}, []int{2, 15, 30}, 90 * d, 365 * d, true, 7 * d},
		{"empty lists: none", db.ProgramSettings{CheckinWeeks: []int{}, EndNoticeDays: []int{}}, []int{}, []int{}, 90 * d, 365 * d, true, 7 * d},
		{"set, unsorted, repeated, junk dropped", db.ProgramSettings{CheckinWeeks: []int{8, 1, 8, 0, -3}, EndNoticeDays: []int{7, 60},
			PairTermDays: 30, RetentionDays: 10, DigestWaitingDays: 3}, []int{1, 8}, []int{7, 60}, 30 * d, 10 * d, true, 3 * d},
		{"keep for ever", db.ProgramSettings{RetentionDays: -1}, []int{2, 6}, []int{2, 15, 30}, 90 * d, 0, false, 7 * d},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Checkins(); fmt.Sprint(got) != fmt.Sprint(tt.checkins) {
				t.Errorf("Checkins = %v, want %v", got, tt.checkins)
			}
			if got := tt.s.EndNotices(); fmt.Sprint(got) != fmt.Sprint(tt.notices) {
				t.Errorf("EndNotices = %v, want %v", got, tt.notices)
			}
			if got := tt.s.PairTerm(90); got != tt.pairTerm {
				t.Errorf("PairTerm(90) = %v, want %v", got, tt.pairTerm)
			}
			if got, keep := tt.s.Retention(); got != tt.retention || keep != tt.keep {
				t.Errorf("Retention = %v, %v; want %v, %v", got, keep, tt.retention, tt.keep)
			}
			if got := tt.s.DigestWaiting(); got != tt.waiting {
				t.Errorf("DigestWaiting = %v, want %v", got, tt.waiting)
			}
		})
	}
	if got := (db.ProgramSettings{}).PairTerm(0); got != 0 {
		t.Errorf("no term anywhere: PairTerm = %v, want 0", got)
	}
	// A program's stored defaults survive a JSON round trip: nil stays the
	// default, an empty list stays none.
	for _, s := range []db.ProgramSettings{{}, {CheckinWeeks: []int{}}} {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back db.ProgramSettings
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if (back.CheckinWeeks == nil) != (s.CheckinWeeks == nil) {
			t.Errorf("%s: CheckinWeeks nil-ness lost (%v)", b, back.CheckinWeeks)
		}
	}
}
