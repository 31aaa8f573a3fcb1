package db_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"cohort/db"
	"cohort/db/dbtest"
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

// Admins saving different settings of one program at the same moment each
// keep their change: the program is locked while it is read and written.
func TestConcurrentProgramSavesKeepEveryChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		prog := &db.Program{Slug: "p", Name: "P", Kind: db.KindMentoring, FormKey: "mentoring"}
		if err := s.CreateProgram(ctx, prog); err != nil {
			t.Fatal(err)
		}
		const n = 16
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				errs <- s.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
					p, err := tx.LockProgram(ctx, prog.ID)
					if err != nil {
						return err
					}
					if p.Settings.Flags == nil {
						p.Settings.Flags = map[string]bool{}
					}
					p.Settings.Flags[fmt.Sprint("flag", i)] = true
					time.Sleep(2 * time.Millisecond) // widen the window a lost update needs
					return tx.UpdateProgram(ctx, p)
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.ProgramByID(ctx, prog.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Settings.Flags) != n {
			t.Fatalf("%d of %d concurrent changes kept: %v", len(got.Settings.Flags), n, got.Settings.Flags)
		}
	})
}
