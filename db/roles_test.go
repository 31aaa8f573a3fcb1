package db_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"cohort/db"
	"cohort/db/dbtest"
)

// rolesFixture makes two programs and three people.
func rolesFixture(t *testing.T, s *db.Store) (progs [2]int64, people [3]*db.Person) {
	t.Helper()
	ctx := context.Background()
	for i, slug := range []string{"p1", "p2"} {
		p := &db.Program{Slug: slug, Name: slug, Kind: db.KindMentoring}
		if err := s.CreateProgram(ctx, p); err != nil {
			t.Fatal(err)
		}
		progs[i] = p.ID
	}
	for i, e := range []string{"ada@example.com", "bob@example.com", "cy@example.com"} {
		p := &db.Person{Email: e, Name: e}
		if err := s.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		people[i] = p
	}
	return progs, people
}

func TestProgramRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		progs, people := rolesFixture(t, s)
		ada, bob := people[0].ID, people[1].ID
		if err := s.SetProgramRole(ctx, ada, progs[0], "reviewer", bob); err != nil {
			t.Fatal(err)
		}
		if err := s.SetProgramRole(ctx, ada, progs[1], "owner", 0); err != nil {
			t.Fatal(err)
		}
		// Upsert: a second role in the same program replaces the first.
		if err := s.SetProgramRole(ctx, ada, progs[0], "coordinator", bob); err != nil {
			t.Fatal(err)
		}
		got, err := s.ProgramRoles(ctx, ada)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[progs[0]] != "coordinator" || got[progs[1]] != "owner" {
			t.Fatalf("ProgramRoles = %v", got)
		}
		if other, _ := s.ProgramRoles(ctx, bob); len(other) != 0 {
			t.Fatalf("bob has roles %v", other)
		}
		tests := []struct {
			name            string
			person, program int64
			want            error
		}{
			{"missing person", 999999, progs[0], db.ErrNotFound},
			{"missing program", ada, 999999, db.ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := s.SetProgramRole(ctx, tt.person, tt.program, "owner", 0); !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
			})
		}
		if err := s.RemoveProgramRole(ctx, ada, progs[1]); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveProgramRole(ctx, ada, progs[1]); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("second remove err = %v", err)
		}
		if got, _ := s.ProgramRoles(ctx, ada); len(got) != 1 {
			t.Fatalf("after remove = %v", got)
		}
	})
}

func TestPermissionOverrides(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		progs, people := rolesFixture(t, s)
		ada, bob := people[0].ID, people[1].ID
		steps := []struct {
			person, program int64
			perm            string
			grant           bool
		}{
			{ada, progs[0], "participants.export", true},
			{ada, 0, "pairs.manage", false},
			{ada, progs[0], "participants.export", false}, // replaces the grant
			{bob, progs[1], "participants.view", true},
		}
		for _, st := range steps {
			if err := s.SetPermissionOverride(ctx, st.person, st.program, st.perm, st.grant, bob); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.PermissionOverrides(ctx, ada)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("overrides = %+v", got)
		}
		if got[0].ProgramID != 0 || got[0].Permission != "pairs.manage" || got[0].Grant() {
			t.Errorf("first = %+v", got[0])
		}
		if got[1].ProgramID != progs[0] || got[1].Effect != db.EffectRevoke || got[1].GrantedBy == nil || *got[1].GrantedBy != bob {
			t.Errorf("second = %+v", got[1])
		}
		if err := s.SetPermissionOverride(ctx, ada, 999999, "pairs.manage", true, 0); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("missing program err = %v", err)
		}
		if err := s.SetPermissionOverride(ctx, 999999, 0, "pairs.manage", true, 0); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("missing person err = %v", err)
		}
		names, err := s.DistinctOverridePermissions(ctx)
		if err != nil || !slices.Equal(names, []string{"pairs.manage", "participants.export", "participants.view"}) {
			t.Fatalf("DistinctOverridePermissions = %v, %v", names, err)
		}
		bobs, _ := s.PermissionOverrides(ctx, bob)
		tests := []struct {
			name   string
			person int64
			id     int64
			want   error
		}{
			{"someone else's override", ada, bobs[0].ID, db.ErrNotFound},
			{"no such override", ada, 999999, db.ErrNotFound},
			{"own override", ada, got[0].ID, nil},
			{"already deleted", ada, got[0].ID, db.ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := s.DeletePermissionOverride(ctx, tt.person, tt.id); !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
			})
		}
		if left, _ := s.PermissionOverrides(ctx, bob); len(left) != 1 {
			t.Fatal("bob's override was deleted through ada")
		}
		if o, err := s.PermissionOverrideByID(ctx, bob, bobs[0].ID); err != nil || o.Permission != "participants.view" {
			t.Fatalf("PermissionOverrideByID = %+v, %v", o, err)
		}
		if _, err := s.PermissionOverrideByID(ctx, ada, bobs[0].ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("PermissionOverrideByID(other person) = %v", err)
		}
	})
}

// addIdentity stores an SSO identity with the role its groups gave, as the
// sign-in code does.
func addIdentity(t *testing.T, s *db.Store, personID int64, subject, groupsRole string) {
	t.Helper()
	err := s.SaveIdentity(context.Background(), &db.Identity{PersonID: personID, Provider: "oidc", Subject: subject, GroupsRole: groupsRole})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRoleRecompute(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		_, people := rolesFixture(t, s)
		tests := []struct {
			name       string
			grant      string // "" = no grant
			groups     []string
			want       string
			wantGroups string
		}{
			{"nothing: member", "", nil, db.RoleMember, ""},
			{"grant only", db.RoleStaff, nil, db.RoleStaff, ""},
			{"groups only", "", []string{db.RoleAdmin}, db.RoleAdmin, db.RoleAdmin},
			{"grant beats lower groups", db.RoleAdmin, []string{db.RoleStaff}, db.RoleAdmin, db.RoleStaff},
			{"groups beat lower grant", db.RoleMember, []string{db.RoleStaff}, db.RoleStaff, db.RoleStaff},
			{"highest of several identities", db.RoleMember, []string{db.RoleMember, db.RoleAdmin, db.RoleStaff}, db.RoleAdmin, db.RoleAdmin},
			{"unknown groups role is ignored", "", []string{"superuser"}, db.RoleMember, "superuser"},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := &db.Person{Email: tt.name + "@example.com"}
				if err := s.CreatePerson(ctx, p); err != nil {
					t.Fatal(err)
				}
				for j, g := range tt.groups {
					addIdentity(t, s, p.ID, tt.name+string(rune('a'+i))+string(rune('a'+j)), g)
				}
				got, err := s.RecomputeRole(ctx, p.ID)
				if tt.grant != "" {
					got, err = s.SetGrantedRole(ctx, p.ID, tt.grant, people[0].ID)
				}
				if err != nil || got != tt.want {
					t.Fatalf("role = %q, %v; want %q", got, err, tt.want)
				}
				stored, _ := s.PersonByID(ctx, p.ID)
				if stored.Role != tt.want {
					t.Fatalf("people.role = %q, want %q", stored.Role, tt.want)
				}
				src, err := s.PersonRoleSources(ctx, p.ID)
				if err != nil || src.Granted != tt.grant || src.Groups != tt.wantGroups || src.Effective != tt.want {
					t.Fatalf("sources = %+v, %v", src, err)
				}
			})
		}
		t.Run("groups change at the next sign-in", func(t *testing.T) {
			p := people[1]
			if _, err := s.SetGrantedRole(ctx, p.ID, db.RoleStaff, 0); err != nil {
				t.Fatal(err)
			}
			addIdentity(t, s, p.ID, "bob-sso", db.RoleAdmin)
			if got, _ := s.RecomputeRole(ctx, p.ID); got != db.RoleAdmin {
				t.Fatalf("with admin groups = %q", got)
			}
			addIdentity(t, s, p.ID, "bob-sso", db.RoleMember) // groups removed at the IdP
			if got, _ := s.RecomputeRole(ctx, p.ID); got != db.RoleStaff {
				t.Fatalf("after groups dropped = %q, want the grant (staff)", got)
			}
		})
		if _, err := s.SetGrantedRole(ctx, people[0].ID, "root", 0); err == nil {
			t.Error("unknown role granted")
		}
		if _, err := s.SetGrantedRole(ctx, 999999, db.RoleAdmin, 0); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("grant to missing person err = %v", err)
		}
		if _, err := s.RecomputeRole(ctx, 999999); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("recompute missing person err = %v", err)
		}
	})
}

func TestSetPersonStatus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		_, people := rolesFixture(t, s)
		id := people[0].ID
		tests := []struct {
			name    string
			id      int64
			status  string
			wantErr bool
			want    string
		}{
			{"disable", id, db.PersonDisabled, false, db.PersonDisabled},
			{"enable", id, db.PersonActive, false, db.PersonActive},
			{"unknown status", id, "banned", true, db.PersonActive},
			{"missing person", 999999, db.PersonDisabled, true, db.PersonActive},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := s.SetPersonStatus(ctx, tt.id, tt.status)
				if (err != nil) != tt.wantErr {
					t.Fatalf("err = %v", err)
				}
				if p, _ := s.PersonByID(ctx, id); p.Status != tt.want {
					t.Fatalf("status = %q, want %q", p.Status, tt.want)
				}
			})
		}
	})
}

func TestSearchPeople(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		for _, p := range []*db.Person{
			{Email: "ada.lovelace@example.com", Name: "Ada Lovelace"},
			{Email: "grace@example.org", Name: "Grace HOPPER"},
			{Email: "pct_100@example.com", Name: "Percent 100%"},
			{Email: "élodie@example.com", Name: "Élodie Dupré"},
			{Email: "bang@example.com", Name: "Wow! Really"},
		} {
			if err := s.CreatePerson(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name  string
			q     string
			limit int
			want  []string
		}{
			{"empty lists all by email", "", 0, []string{"ada.lovelace@example.com", "bang@example.com", "grace@example.org", "pct_100@example.com", "élodie@example.com"}},
			{"limit", "", 2, []string{"ada.lovelace@example.com", "bang@example.com"}},
			{"email substring", "LOVELACE", 0, []string{"ada.lovelace@example.com"}},
			{"name substring, any case", "hopper", 0, []string{"grace@example.org"}},
			{"domain", "example.org", 0, []string{"grace@example.org"}},
			{"percent is literal", "100%", 0, []string{"pct_100@example.com"}},
			{"lone percent matches only a percent", "%", 0, []string{"pct_100@example.com"}},
			{"underscore is literal", "t_1", 0, []string{"pct_100@example.com"}},
			{"lone underscore", "_", 0, []string{"pct_100@example.com"}},
			{"escape character is literal", "wow!", 0, []string{"bang@example.com"}},
			{"non-ASCII exact case", "Élodie", 0, []string{"élodie@example.com"}},
			{"non-ASCII lower matches the email", "élodie", 0, []string{"élodie@example.com"}},
			{"non-ASCII case is not folded", "DUPRÉ", 0, nil},
			{"surrounding space ignored", "  grace ", 0, []string{"grace@example.org"}},
			{"no match", "zzz", 0, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ps, err := s.SearchPeople(ctx, tt.q, tt.limit)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, p := range ps {
					got = append(got, p.Email)
				}
				if !slices.Equal(got, tt.want) {
					t.Fatalf("SearchPeople(%q) = %v, want %v", tt.q, got, tt.want)
				}
			})
		}
	})
}

func TestPeopleByIDsAndAuditAboutPerson(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		_, people := rolesFixture(t, s)
		m, err := s.PeopleByIDs(ctx, []int64{people[0].ID, people[2].ID, 999999})
		if err != nil || len(m) != 2 || m[people[2].ID].Email != "cy@example.com" {
			t.Fatalf("PeopleByIDs = %v, %v", m, err)
		}
		if m, err := s.PeopleByIDs(ctx, nil); err != nil || len(m) != 0 {
			t.Fatalf("PeopleByIDs(nil) = %v, %v", m, err)
		}
		for i, subject := range []string{"1", "2", "1"} {
			ev := &db.AuditEvent{ActorID: &people[0].ID, Action: "person.status", SubjectType: "person",
				SubjectID: subject, Details: map[string]any{"n": i}}
			if err := s.RecordAudit(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RecordAudit(ctx, &db.AuditEvent{Action: "program.edit", SubjectType: "program", SubjectID: "1"}); err != nil {
			t.Fatal(err)
		}
		evs, err := s.AuditAboutPerson(ctx, 1, 10)
		if err != nil || len(evs) != 2 {
			t.Fatalf("AuditAboutPerson = %d events, %v", len(evs), err)
		}
		if evs[0].ID < evs[1].ID {
			t.Error("not newest first")
		}
	})
}

// Grants (one prepared read) says what ProgramRoles and PermissionOverrides
// say, and so does its plain path inside a transaction.
func TestGrantsMatchesRolesAndOverrides(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		progs, people := rolesFixture(t, s)
		ada, bob, cy := people[0].ID, people[1].ID, people[2].ID
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.SetProgramRole(ctx, ada, progs[0], "reviewer", bob))
		must(s.SetProgramRole(ctx, ada, progs[1], "owner", bob))
		must(s.SetPermissionOverride(ctx, ada, progs[1], "pairs.manage", false, bob))
		must(s.SetPermissionOverride(ctx, ada, 0, "participants.export", true, bob))
		must(s.SetPermissionOverride(ctx, bob, progs[0], "participants.view", true, ada))
		for _, person := range []int64{ada, bob, cy} {
			roles, err := s.ProgramRoles(ctx, person)
			must(err)
			overrides, err := s.PermissionOverrides(ctx, person)
			must(err)
			check := func(how string, gotRoles map[int64]string, gotOverrides []db.PermissionOverride) {
				t.Helper()
				if len(gotRoles) != len(roles) || len(gotOverrides) != len(overrides) {
					t.Fatalf("%s person %d: %v %v, want %v %v", how, person, gotRoles, gotOverrides, roles, overrides)
				}
				for k, v := range roles {
					if gotRoles[k] != v {
						t.Fatalf("%s person %d: roles %v, want %v", how, person, gotRoles, roles)
					}
				}
				for i, o := range overrides {
					g := gotOverrides[i]
					if g.ID != o.ID || g.ProgramID != o.ProgramID || g.Permission != o.Permission || g.Effect != o.Effect || g.PersonID != person {
						t.Fatalf("%s person %d: override %d = %+v, want %+v", how, person, i, g, o)
					}
				}
			}
			r, o, err := s.Grants(ctx, person)
			must(err)
			check("prepared", r, o)
			must(s.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
				r, o, err := tx.Grants(ctx, person)
				check("in a transaction", r, o)
				return err
			}))
		}
	})
}
