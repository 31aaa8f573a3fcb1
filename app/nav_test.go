package app_test

import (
	"context"
	"strings"
	"testing"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/db"
	"cohort/db/dbtest"
)

// The layout links to the staff workspace for staff and admins, and for
// members who hold a role in a program or were granted a permission; not
// for other members.
func TestStaffLinkInNavigation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		if _, err := demo.Seed(ctx, s, demo.Options{Participants: 3, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		prog, err := s.ProgramBySlug(ctx, demo.ProgramSlug)
		if err != nil {
			t.Fatal(err)
		}
		admin, err := s.PersonByEmail(ctx, demo.AdminEmail)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []*db.Person{{Email: "coord@example.com", Name: "Coord"}, {Email: "granted@example.com", Name: "Granted"}} {
			if err := s.CreatePerson(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		coord, _ := s.PersonByEmail(ctx, "coord@example.com")
		granted, _ := s.PersonByEmail(ctx, "granted@example.com")
		if err := s.SetProgramRole(ctx, coord.ID, prog.ID, "coordinator", admin.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPermissionOverride(ctx, granted.ID, prog.ID, "participants.view", true, admin.ID); err != nil {
			t.Fatal(err)
		}
		srv := apptest.New(t, s, nil)
		for _, tt := range []struct {
			email string
			link  bool
		}{
			{demo.AdminEmail, true}, {demo.StaffEmail, true}, {"coord@example.com", true},
			{"granted@example.com", true}, {demo.MemberEmail, false}, {"", false},
		} {
			c := apptest.NewClient(t, srv)
			c.Get("/")
			if tt.email != "" {
				c.SignInAs(tt.email)
			}
			body := c.Get("/programs").Body
			if got := strings.Contains(body, `<a href="/staff"`); got != tt.link {
				t.Errorf("%q: staff link shown = %v, want %v", tt.email, got, tt.link)
			}
		}
	})
}
