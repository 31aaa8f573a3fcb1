package db_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"cohort/db"
	"cohort/db/dbtest"
)

func newEnrollment(t *testing.T, s *db.Store) (*db.Program, *db.Person, *db.Enrollment) {
	t.Helper()
	ctx := context.Background()
	prog := &db.Program{Slug: "p", Name: "P", Kind: db.KindMentoring, FormKey: "mentoring"}
	if err := s.CreateProgram(ctx, prog); err != nil {
		t.Fatal(err)
	}
	p := &db.Person{Email: "ana@example.org", Name: "Ana"}
	if err := s.CreatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	e, created, err := s.StartEnrollment(ctx, prog.ID, p.ID, "Ana")
	if err != nil || !created || e.Status != db.StatusDraft {
		t.Fatalf("StartEnrollment = %+v, %v, %v", e, created, err)
	}
	return prog, p, e
}

func TestStartEnrollmentIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		prog, p, e := newEnrollment(t, s)
		again, created, err := s.StartEnrollment(context.Background(), prog.ID, p.ID, "Ana")
		if err != nil || created || again.ID != e.ID {
			t.Fatalf("second start = %d created=%v %v; want the same enrollment", again.ID, created, err)
		}
	})
}

func TestUpdateEnrollmentRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		_, _, e := newEnrollment(t, s)
		got, err := s.UpdateEnrollment(ctx, e.ID, func(e *db.Enrollment) error {
			e.Answers["roles"] = []string{"mentor", "learner"}
			e.Answers["full_name"] = "Ana A."
			e.MarkStepCompleted("about")
			e.MarkStepCompleted("about")
			e.IsMentor, e.AvailMask = true, 0xFF00
			e.Interests = []db.EnrollmentInterest{{Side: db.SideMentor, Interest: "leadership"}}
			e.ReplaceInterests = true
			return nil
		})
		if err != nil || got.Version != 2 {
			t.Fatalf("update = %v (version %d)", err, got.Version)
		}
		back, err := s.EnrollmentByID(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.LoadInterests(ctx, back); err != nil {
			t.Fatal(err)
		}
		roles, ok := back.Answers["roles"].([]string)
		if !ok || len(roles) != 2 || back.CompletedSteps != "about" || !back.IsMentor || back.AvailMask != 0xFF00 ||
			len(back.Interests) != 1 || back.Interests[0].Interest != "leadership" {
			t.Fatalf("round trip = %+v (roles %#v)", back, back.Answers["roles"])
		}
		// An error from fn changes nothing.
		if _, err := s.UpdateEnrollment(ctx, e.ID, func(e *db.Enrollment) error {
			e.Status = db.StatusSubmitted
			return fmt.Errorf("refused")
		}); err == nil {
			t.Fatal("fn error not returned")
		}
		if back, _ := s.EnrollmentByID(ctx, e.ID); back.Status != db.StatusDraft || back.Version != 2 {
			t.Fatalf("aborted update changed the row: %s v%d", back.Status, back.Version)
		}
	})
}

// Twenty concurrent saves of one enrollment (two tabs, a double-clicking
// member, retries) apply one after another: every one lands, none is lost.
func TestConcurrentEnrollmentUpdates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		_, _, e := newEnrollment(t, s)
		const n = 20
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.UpdateEnrollment(ctx, e.ID, func(e *db.Enrollment) error {
					e.Answers[fmt.Sprintf("k%d", i)] = "v"
					e.MarkStepCompleted("about")
					return nil
				})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		back, err := s.EnrollmentByID(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if back.Version != 1+n || len(back.Answers) != n || back.CompletedSteps != "about" {
			t.Fatalf("after %d concurrent updates: version %d, %d answers, steps %q", n, back.Version, len(back.Answers), back.CompletedSteps)
		}
	})
}

// Saves go through a prepared statement, other writes through bun: both must
// store values the same way (SQLite keeps times as text that sorts and
// compares as time), or queries would silently miss rows.
func TestSaveStoresValuesLikeBun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		_, _, e := newEnrollment(t, s)
		at := time.Date(2026, 11, 21, 10, 30, 15, 123456000, time.UTC)
		if _, err := s.UpdateEnrollment(ctx, e.ID, func(e *db.Enrollment) error {
			e.SubmittedAt, e.IsMentor, e.Status = &at, true, db.StatusSubmitted
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		count := func(where string, args ...any) int {
			n, err := s.DB().NewSelect().Model((*db.Enrollment)(nil)).Where(where, args...).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
		tests := []struct {
			where string
			arg   any
			want  int
		}{
			{"submitted_at = ?", at, 1},
			{"submitted_at > ?", at.Add(-time.Microsecond), 1},
			{"submitted_at > ?", at, 0},
			{"submitted_at < ?", at.Add(time.Hour), 1},
			{"is_mentor = ?", true, 1},
			{"is_mentee = ?", false, 1},
		}
		for _, tt := range tests {
			if got := count(tt.where, tt.arg); got != tt.want {
				t.Errorf("%s %v: %d rows, want %d", tt.where, tt.arg, got, tt.want)
			}
		}
		back, err := s.EnrollmentByID(ctx, e.ID)
		if err != nil || back.SubmittedAt == nil || !back.SubmittedAt.Equal(at) || !back.IsMentor || back.Status != db.StatusSubmitted {
			t.Fatalf("read back %+v, %v", back, err)
		}
	})
}
