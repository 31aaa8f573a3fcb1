package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"cohort/db"
	"cohort/db/dbtest"
)

func formProgram(t *testing.T, s *db.Store) (*db.Program, *db.Person, *db.Person) {
	t.Helper()
	ctx := context.Background()
	prog := &db.Program{Slug: "f", Name: "F", Kind: db.KindMentoring, FormKey: "mentoring"}
	if err := s.CreateProgram(ctx, prog); err != nil {
		t.Fatal(err)
	}
	a := &db.Person{Email: "ann@example.org", Name: "Ann", Role: "admin"}
	b := &db.Person{Email: "bo@example.org", Name: "", Role: "admin"}
	for _, p := range []*db.Person{a, b} {
		if err := s.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	return prog, a, b
}

func TestFormDraftLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := db.WithRequestID(context.Background(), "req-1")
		prog, ann, bo := formProgram(t, s)
		if _, err := s.FormDraft(ctx, prog.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("FormDraft of none: %v", err)
		}
		// Saving over a draft that does not exist is stale, as is a first
		// save when one exists.
		if _, err := s.SaveFormDraft(ctx, prog.ID, `{"v":0}`, 3, ann.ID); !errors.Is(err, db.ErrStale) {
			t.Fatalf("save at revision 3 of nothing: %v", err)
		}
		rev, err := s.SaveFormDraft(ctx, prog.ID, `{"v":1}`, 0, ann.ID)
		if err != nil || rev != 1 {
			t.Fatalf("first save = %d, %v", rev, err)
		}
		if _, err := s.SaveFormDraft(ctx, prog.ID, `{"v":"x"}`, 0, bo.ID); !errors.Is(err, db.ErrStale) {
			t.Fatalf("second first save: %v", err)
		}
		rev, err = s.SaveFormDraft(ctx, prog.ID, `{"v":2}`, 1, bo.ID)
		if err != nil || rev != 2 {
			t.Fatalf("second save = %d, %v", rev, err)
		}
		if _, err := s.SaveFormDraft(ctx, prog.ID, `{"v":"stale"}`, 1, ann.ID); !errors.Is(err, db.ErrStale) {
			t.Fatalf("stale save: %v", err)
		}
		d, err := s.FormDraft(ctx, prog.ID)
		if err != nil || d.Definition != `{"v":2}` || d.Revision != 2 || d.UpdatedBy == nil || *d.UpdatedBy != bo.ID {
			t.Fatalf("draft = %+v, %v", d, err)
		}

		// Publishing a stale revision changes nothing.
		if _, err := s.PublishFormDraft(ctx, prog.ID, 1, ann.ID); !errors.Is(err, db.ErrStale) {
			t.Fatalf("stale publish: %v", err)
		}
		if p, _ := s.ProgramByID(ctx, prog.ID); p.FormVersion != 0 {
			t.Fatalf("form_version %d after a refused publish", p.FormVersion)
		}
		v, err := s.PublishFormDraft(ctx, prog.ID, 2, ann.ID)
		if err != nil || v.Version != 1 || v.Definition != `{"v":2}` || v.PublishedByName != "Ann" {
			t.Fatalf("publish = %+v, %v", v, err)
		}
		if p, _ := s.ProgramByID(ctx, prog.ID); p.FormVersion != 1 {
			t.Fatalf("form_version %d after publishing", p.FormVersion)
		}
		if _, err := s.FormDraft(ctx, prog.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("draft after publishing: %v", err)
		}
		// An editor still holding revision 2 cannot save or publish again,
		// and one holding 1 cannot overwrite a new draft either.
		if _, err := s.SaveFormDraft(ctx, prog.ID, `{"v":"late"}`, 2, bo.ID); !errors.Is(err, db.ErrStale) {
			t.Fatalf("save of a published draft: %v", err)
		}
		if _, err := s.PublishFormDraft(ctx, prog.ID, 2, bo.ID); !errors.Is(err, db.ErrStale) {
			t.Fatalf("publishing twice: %v", err)
		}
		rev, err = s.SaveFormDraft(ctx, prog.ID, `{"v":3}`, 0, bo.ID)
		if err != nil || rev <= 2 {
			t.Fatalf("new draft = %d, %v (revisions must keep growing)", rev, err)
		}
		if _, err := s.SaveFormDraft(ctx, prog.ID, `{"v":"aba"}`, 1, ann.ID); !errors.Is(err, db.ErrStale) {
			t.Fatalf("an old revision saves over a new draft: %v", err)
		}
		// Discard: stale refused, then gone.
		if err := s.DiscardFormDraft(ctx, prog.ID, rev-1, bo.ID); !errors.Is(err, db.ErrStale) {
			t.Fatalf("stale discard: %v", err)
		}
		if err := s.DiscardFormDraft(ctx, prog.ID, rev, bo.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FormDraft(ctx, prog.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("draft after discarding: %v", err)
		}
		rev, err = s.SaveFormDraft(ctx, prog.ID, `{"v":4}`, 0, bo.ID)
		if err != nil {
			t.Fatal(err)
		}
		v2, err := s.PublishFormDraft(ctx, prog.ID, rev, bo.ID)
		if err != nil || v2.Version != 2 || v2.PublishedByName != "bo@example.org" {
			t.Fatalf("second publish = %+v, %v", v2, err)
		}

		vs, err := s.FormVersions(ctx, prog.ID)
		if err != nil || len(vs) != 2 || vs[0].Version != 2 || vs[1].Version != 1 || vs[1].PublishedByName != "Ann" {
			t.Fatalf("versions = %v, %v", vs, err)
		}
		one, err := s.FormVersion(ctx, prog.ID, 1)
		if err != nil || one.Definition != `{"v":2}` {
			t.Fatalf("version 1 = %+v, %v", one, err)
		}
		if _, err := s.FormVersion(ctx, prog.ID, 3); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("version 3: %v", err)
		}

		// Audited: every draft save, the discard and both publishes, with
		// the request id and never the form itself.
		counts := map[string]int{}
		evs, err := s.ListAudit(ctx, db.AuditQuery{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			counts[ev.Action]++
			if ev.RequestID != "req-1" || ev.ProgramID == nil || *ev.ProgramID != prog.ID {
				t.Errorf("event %+v", ev)
			}
			if _, ok := ev.Details["definition"]; ok {
				t.Errorf("the form is in the audit log: %v", ev.Details)
			}
		}
		if counts[db.ActionFormDraft] != 4 || counts[db.ActionFormPublish] != 2 || counts[db.ActionFormDiscard] != 1 {
			t.Errorf("audit counts %v", counts)
		}
	})
}

// Two admins saving (or publishing) the same draft at once: exactly one
// wins, the other gets ErrStale, and what is stored is the winner's whole
// save. Repeated so the race is really run.
func TestFormDraftConcurrentSaves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		prog, ann, bo := formProgram(t, s)
		base, err := s.SaveFormDraft(ctx, prog.ID, `{"round":0}`, 0, ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		for round := 1; round <= 25; round++ {
			var wg sync.WaitGroup
			var revs [2]int
			var errs [2]error
			defs := [2]string{fmt.Sprintf(`{"round":%d,"by":"ann"}`, round), fmt.Sprintf(`{"round":%d,"by":"bo"}`, round)}
			for i, who := range []*db.Person{ann, bo} {
				wg.Go(func() { revs[i], errs[i] = s.SaveFormDraft(ctx, prog.ID, defs[i], base, who.ID) })
			}
			wg.Wait()
			won := -1
			for i := range 2 {
				switch {
				case errs[i] == nil:
					if won >= 0 {
						t.Fatalf("round %d: both saves won", round)
					}
					won = i
				case !errors.Is(errs[i], db.ErrStale):
					t.Fatalf("round %d: %v", round, errs[i])
				}
			}
			if won < 0 {
				t.Fatalf("round %d: neither save won: %v", round, errs)
			}
			d, err := s.FormDraft(ctx, prog.ID)
			if err != nil || d.Definition != defs[won] || d.Revision != revs[won] || d.Revision != base+1 {
				t.Fatalf("round %d: draft %+v (winner %d), %v", round, d, won, err)
			}
			base = d.Revision
		}

		// Two first saves of a program without a draft (base 0): one wins.
		for round := range 10 {
			fresh := &db.Program{Slug: fmt.Sprint("fresh-", round), Name: "Fresh", Kind: db.KindMentoring, FormKey: "mentoring"}
			if err := s.CreateProgram(ctx, fresh); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var errs [2]error
			for i, who := range []*db.Person{ann, bo} {
				wg.Go(func() { _, errs[i] = s.SaveFormDraft(ctx, fresh.ID, fmt.Sprint(`{"by":`, i, `}`), 0, who.ID) })
			}
			wg.Wait()
			if (errs[0] == nil) == (errs[1] == nil) || !(errors.Is(errs[0], db.ErrStale) || errors.Is(errs[1], db.ErrStale)) {
				t.Fatalf("first saves, round %d: %v", round, errs)
			}
			if d, err := s.FormDraft(ctx, fresh.ID); err != nil || d.Revision != 1 {
				t.Fatalf("first saves, round %d: draft %+v, %v", round, d, err)
			}
		}

		// Publishing against a concurrent save: one of them wins; the
		// published version never holds a half state.
		for round := 0; round < 10; round++ {
			var wg sync.WaitGroup
			var saveErr, pubErr error
			var v *db.FormVersion
			before, _ := s.ProgramByID(ctx, prog.ID)
			draft, _ := s.FormDraft(ctx, prog.ID)
			late := fmt.Sprintf(`{"late":%d}`, round)
			wg.Go(func() { _, saveErr = s.SaveFormDraft(ctx, prog.ID, late, base, bo.ID) })
			wg.Go(func() { v, pubErr = s.PublishFormDraft(ctx, prog.ID, base, ann.ID) })
			wg.Wait()
			if (saveErr == nil) == (pubErr == nil) {
				t.Fatalf("round %d: save %v, publish %v: exactly one must win", round, saveErr, pubErr)
			}
			after, _ := s.ProgramByID(ctx, prog.ID)
			if pubErr == nil {
				if !errors.Is(saveErr, db.ErrStale) || after.FormVersion != v.Version || v.Definition != draft.Definition {
					t.Fatalf("round %d: publish won but %v, %+v", round, saveErr, v)
				}
				base, _ = s.SaveFormDraft(ctx, prog.ID, `{"again":true}`, 0, ann.ID)
			} else {
				if !errors.Is(pubErr, db.ErrStale) || after.FormVersion != before.FormVersion {
					t.Fatalf("round %d: save won but publish %v, version %d → %d", round, pubErr, before.FormVersion, after.FormVersion)
				}
				d, _ := s.FormDraft(ctx, prog.ID)
				base = d.Revision
			}
		}
	})
}

// A new enrollment records the program's current form version; an older
// one keeps its own.
func TestEnrollmentRecordsFormVersion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		prog, ann, bo := formProgram(t, s)
		e1, _, err := s.StartEnrollment(ctx, prog.ID, ann.ID, "Ann")
		if err != nil || e1.FormVersion != 0 {
			t.Fatalf("first = %+v, %v", e1, err)
		}
		rev, _ := s.SaveFormDraft(ctx, prog.ID, `{}`, 0, ann.ID)
		if _, err := s.PublishFormDraft(ctx, prog.ID, rev, ann.ID); err != nil {
			t.Fatal(err)
		}
		e2, _, err := s.StartEnrollment(ctx, prog.ID, bo.ID, "Bo")
		if err != nil || e2.FormVersion != 1 {
			t.Fatalf("second = %+v, %v", e2, err)
		}
		// Moving a draft to a version is an ordinary save.
		e1, err = s.UpdateEnrollment(ctx, e1.ID, func(e *db.Enrollment) error { e.FormVersion = 1; return nil })
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.EnrollmentByID(ctx, e1.ID)
		if err != nil || got.FormVersion != 1 {
			t.Fatalf("after the move = %+v, %v", got, err)
		}
	})
}
