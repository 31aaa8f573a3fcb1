package db_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestPeople(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		p := &db.Person{Email: "  Ada@Example.COM ", Name: "Ada"}
		if err := s.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		if p.ID == 0 || p.Email != "ada@example.com" || p.Role != db.RoleMember || p.Status != db.PersonActive {
			t.Fatalf("created person = %+v", p)
		}
		tests := []struct {
			name    string
			email   string
			wantErr error
		}{
			{"same email other case is a conflict", "ADA@example.com", db.ErrConflict},
			{"new email is fine", "bob@example.com", nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := s.CreatePerson(ctx, &db.Person{Email: tt.email})
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			})
		}
		got, err := s.PersonByEmail(ctx, "ADA@EXAMPLE.COM")
		if err != nil || got.ID != p.ID {
			t.Fatalf("PersonByEmail = %+v, %v", got, err)
		}
		if _, err := s.PersonByID(ctx, 999999); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("missing person err = %v, want ErrNotFound", err)
		}
		if err := s.RecordLogin(ctx, 999999); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("RecordLogin(missing) = %v, want ErrNotFound", err)
		}
		if err := s.RecordLogin(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = s.PersonByID(ctx, p.ID)
		if got.LastLoginAt == nil {
			t.Fatal("last login not stamped")
		}
		list, err := s.PeopleByEmails(ctx, []string{"bob@example.com", "nobody@example.com", "ada@example.com"})
		if err != nil || len(list) != 2 || list[0].Email != "bob@example.com" || list[1].Email != "ada@example.com" {
			t.Fatalf("PeopleByEmails = %v, %v (want bob then ada)", list, err)
		}
	})
}

func TestProgramsAndEnrollments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		opens := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		prog := &db.Program{Slug: "m1", Name: "Mentoring", Kind: db.KindMentoring, OpensAt: &opens,
			Settings: db.ProgramSettings{DefaultMentorCapacity: 3, Flags: map[string]bool{"pairing": true}}}
		if err := s.CreateProgram(ctx, prog); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateProgram(ctx, &db.Program{Slug: "m1", Name: "Dup", Kind: db.KindMentoring}); !errors.Is(err, db.ErrConflict) {
			t.Fatalf("duplicate slug err = %v", err)
		}
		got, err := s.ProgramBySlug(ctx, "m1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Settings.DefaultMentorCapacity != 3 || !got.Settings.Flags["pairing"] || !got.OpensAt.Equal(opens) {
			t.Fatalf("program round trip = %+v", got)
		}
		if got.IsOpen(opens.Add(-time.Hour)) || !got.IsOpen(opens) {
			t.Fatal("IsOpen wrong around OpensAt")
		}
		if _, err := s.ProgramBySlug(ctx, "nope"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("missing program err = %v", err)
		}

		var people []*db.Person
		for i := range 3 {
			people = append(people, &db.Person{Email: fmt.Sprintf("p%d@example.com", i)})
		}
		if err := s.CreatePeople(ctx, people); err != nil {
			t.Fatal(err)
		}
		var ens []*db.Enrollment
		for i, p := range people {
			ens = append(ens, &db.Enrollment{
				ProgramID: prog.ID, PersonID: p.ID, IsMentor: i == 0, IsMentee: i > 0,
				AvailMask: 0b111 << i, Answers: map[string]any{"org": "Eng"},
				Interests: []db.EnrollmentInterest{{Side: db.SideMentee, Interest: "leadership"}},
			})
		}
		ens[2].Status = db.StatusSubmitted
		if err := s.CreateEnrollments(ctx, ens); err != nil {
			t.Fatal(err)
		}
		for _, e := range ens {
			if e.ID == 0 {
				t.Fatal("enrollment ID not set")
			}
		}
		// One enrollment per person and program.
		dup := []*db.Enrollment{{ProgramID: prog.ID, PersonID: people[0].ID}}
		if err := s.CreateEnrollments(ctx, dup); !errors.Is(err, db.ErrConflict) {
			t.Fatalf("duplicate enrollment err = %v", err)
		}
		counts, err := s.EnrollmentCounts(ctx, prog.ID)
		if err != nil || counts[db.StatusDraft] != 2 || counts[db.StatusSubmitted] != 1 {
			t.Fatalf("counts = %v, %v", counts, err)
		}
		mine, err := s.EnrollmentsByPerson(ctx, people[1].ID)
		if err != nil || len(mine) != 1 || mine[0].AvailMask != 0b1110 || mine[0].Answers["org"] != "Eng" || !mine[0].IsMentee || mine[0].IsMentor {
			t.Fatalf("EnrollmentsByPerson = %+v, %v", mine, err)
		}
	})
}

func TestTransactionRollsBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := s.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
			if err := tx.CreatePerson(ctx, &db.Person{Email: "tx@example.com"}); err != nil {
				return err
			}
			if _, err := tx.PersonByEmail(ctx, "tx@example.com"); err != nil {
				return fmt.Errorf("read inside tx: %w", err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx err = %v", err)
		}
		if _, err := s.PersonByEmail(ctx, "tx@example.com"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("rolled-back row visible: %v", err)
		}
	})
}

func TestSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		if err := s.SessionSet(ctx, "k1", []byte("v1"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := s.SessionSet(ctx, "k1", []byte("v2"), time.Hour); err != nil {
			t.Fatal("upsert:", err)
		}
		if err := s.SessionSet(ctx, "k2", []byte("x"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, err := s.SessionGet(ctx, "k1"); err != nil || string(got) != "v2" {
			t.Fatalf("get = %q, %v", got, err)
		}
		// The raw key never reaches the table.
		var n int
		if err := s.DB().NewRaw("SELECT COUNT(*) FROM sessions WHERE id = 'k1'").Scan(ctx, &n); err != nil || n != 0 {
			t.Fatalf("raw session key stored (n=%d, %v)", n, err)
		}
		now = now.Add(2 * time.Minute)
		if got, _ := s.SessionGet(ctx, "k2"); got != nil {
			t.Fatal("expired session returned")
		}
		if n, err := s.DeleteExpiredSessions(ctx); err != nil || n != 1 {
			t.Fatalf("DeleteExpiredSessions = %d, %v", n, err)
		}
		if err := s.SessionDelete(ctx, "k1"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.SessionGet(ctx, "k1"); got != nil {
			t.Fatal("deleted session returned")
		}
	})
}

func TestAudit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		actor := &db.Person{Email: "staff@example.com", Role: db.RoleStaff}
		if err := s.CreatePerson(ctx, actor); err != nil {
			t.Fatal(err)
		}
		base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		for i, action := range []string{"person.role", "enrollment.approve", "enrollment.approve"} {
			ev := &db.AuditEvent{At: base.Add(time.Duration(i) * time.Hour), ActorID: &actor.ID, Action: action,
				SubjectType: "enrollment", SubjectID: fmt.Sprint(i), Details: map[string]any{"i": i}}
			if err := s.RecordAudit(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name string
			q    db.AuditQuery
			want int
		}{
			{"all", db.AuditQuery{}, 3},
			{"by action", db.AuditQuery{Action: "enrollment.approve"}, 2},
			{"by actor", db.AuditQuery{ActorID: actor.ID}, 3},
			{"other actor", db.AuditQuery{ActorID: actor.ID + 1}, 0},
			{"from", db.AuditQuery{From: base.Add(90 * time.Minute)}, 1},
			{"to", db.AuditQuery{To: base.Add(90 * time.Minute)}, 2},
			{"limit", db.AuditQuery{Limit: 1}, 1},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				evs, err := s.ListAudit(ctx, tt.q)
				if err != nil || len(evs) != tt.want {
					t.Fatalf("ListAudit(%+v) = %d events, %v; want %d", tt.q, len(evs), err, tt.want)
				}
			})
		}
		evs, _ := s.ListAudit(ctx, db.AuditQuery{})
		if evs[0].SubjectID != "2" || evs[2].SubjectID != "0" {
			t.Fatal("audit not newest first")
		}
	})
}

func TestMigrationsRepeatableAndReversible(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		if applied, err := s.Migrate(ctx); err != nil || len(applied) != 0 {
			t.Fatalf("second Migrate applied %v, %v; want nothing", applied, err)
		}
		reverted, err := s.Rollback(ctx)
		if err != nil || len(reverted) == 0 {
			t.Fatalf("Rollback = %v, %v", reverted, err)
		}
		st, err := s.MigrationStatuses(ctx)
		if err != nil || len(st) == 0 || st[0].Applied {
			t.Fatalf("after rollback statuses = %+v, %v", st, err)
		}
		if applied, err := s.Migrate(ctx); err != nil || len(applied) != len(reverted) {
			t.Fatalf("re-Migrate = %v, %v", applied, err)
		}
		if err := s.CreatePerson(ctx, &db.Person{Email: "after@example.com"}); err != nil {
			t.Fatal("schema unusable after down+up:", err)
		}
	})
}

// Several instances starting at once must not run a migration twice: the
// lock makes them wait for each other, and exactly one applies each file.
func TestConcurrentMigrate(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			target := freshUnmigrated(t, d)
			const n = 4
			var wg sync.WaitGroup
			results := make([][]string, n)
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := db.Open(ctx, target, db.Options{})
					if err != nil {
						errs[i] = err
						return
					}
					defer s.Close()
					results[i], errs[i] = s.Migrate(ctx)
				}()
			}
			wg.Wait()
			total := 0
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("instance %d: %v", i, errs[i])
				}
				total += len(results[i])
			}
			s, err := db.Open(ctx, target, db.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			st, err := s.MigrationStatuses(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if total != len(st) {
				t.Fatalf("%d migrations applied across instances, want each of %d exactly once", total, len(st))
			}
		})
	}
}

// freshUnmigrated returns an empty database: a new SQLite file, or the
// migrated Postgres test database rolled all the way back.
func freshUnmigrated(t *testing.T, d string) config.Database {
	if d == config.DialectSQLite {
		return config.Database{Dialect: d, DSN: t.TempDir() + "/fresh.db"}
	}
	dsn := dbtest.PostgresDSN(t)
	target := config.Database{Dialect: d, DSN: dsn}
	s, err := db.Open(context.Background(), target, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for {
		reverted, err := s.Rollback(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(reverted) == 0 {
			return target
		}
	}
}

// The prepared reads must prepare on both databases: when one fails, every
// request quietly takes the slower path and nothing else notices.
func TestHotReadsPrepare(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		if !db.HotPrepared(context.Background(), s) {
			t.Fatal("the prepared reads did not prepare")
		}
	})
}

// A request about one enrollment reads it with the session: the same
// enrollment EnrollmentByID returns when it is the session's person's, and
// nothing when it is someone else's or does not exist.
func TestSessionWithEnrollment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		prog, p, e := newEnrollment(t, s)
		if _, err := s.UpdateEnrollment(ctx, e.ID, func(e *db.Enrollment) error {
			e.Answers["full_name"] = "Ana A."
			e.MarkStepCompleted("about")
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		other := &db.Person{Email: "bo@example.org", Name: "Bo"}
		if err := s.CreatePerson(ctx, other); err != nil {
			t.Fatal(err)
		}
		theirs, _, err := s.StartEnrollment(ctx, prog.ID, other.ID, "Bo")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SessionSetFor(ctx, "ana", []byte("v"), time.Hour, p.ID); err != nil {
			t.Fatal(err)
		}
		want, err := s.EnrollmentByID(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		data, who, got, err := s.SessionWithEnrollment(ctx, "ana", e.ID)
		if err != nil || string(data) != "v" || who == nil || who.ID != p.ID {
			t.Fatalf("own: %q %+v %v", data, who, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("own enrollment read with the session:\n got %+v\nwant %+v", got, want)
		}
		if _, alone, err := s.SessionWithPerson(ctx, "ana"); err != nil || !reflect.DeepEqual(who, alone) {
			t.Fatalf("the person read with an enrollment differs from the one read alone:\n%+v\n%+v (%v)", who, alone, err)
		}
		for name, id := range map[string]int64{"someone else's": theirs.ID, "missing": theirs.ID + 100, "none": 0} {
			data, who, got, err := s.SessionWithEnrollment(ctx, "ana", id)
			if err != nil || string(data) != "v" || who == nil || who.ID != p.ID || got != nil {
				t.Fatalf("%s: %q %+v %+v %v", name, data, who, got, err)
			}
		}
	})
}

// A session names its person, and one read returns both: the person as
// stored now (a change to them shows at once), nothing for a session that
// names nobody, and nothing once it has expired.
func TestSessionWithPerson(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		p := &db.Person{Email: "ada@example.com", Name: "Ada"}
		if err := s.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := s.SessionSetFor(ctx, "signed-in", []byte("v"), time.Hour, p.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.SessionSet(ctx, "anonymous", []byte("a"), time.Hour); err != nil {
			t.Fatal(err)
		}
		data, got, err := s.SessionWithPerson(ctx, "signed-in")
		if err != nil || string(data) != "v" || got == nil || got.ID != p.ID || got.Email != p.Email || got.Status != db.PersonActive {
			t.Fatalf("signed in: %q %+v %v", data, got, err)
		}
		if err := s.SetPersonStatus(ctx, p.ID, db.PersonDisabled); err != nil {
			t.Fatal(err)
		}
		if _, got, _ := s.SessionWithPerson(ctx, "signed-in"); got == nil || got.Status != db.PersonDisabled {
			t.Fatalf("after disabling: %+v", got)
		}
		if data, got, err := s.SessionWithPerson(ctx, "anonymous"); err != nil || string(data) != "a" || got != nil {
			t.Fatalf("anonymous: %q %+v %v", data, got, err)
		}
		if data, got, err := s.SessionWithPerson(ctx, "missing"); err != nil || data != nil || got != nil {
			t.Fatalf("missing: %q %+v %v", data, got, err)
		}
		now = now.Add(2 * time.Hour)
		if data, got, _ := s.SessionWithPerson(ctx, "signed-in"); data != nil || got != nil {
			t.Fatalf("expired: %q %+v", data, got)
		}
	})
}
