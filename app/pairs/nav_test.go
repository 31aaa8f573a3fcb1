package pairs_test

import (
	"strings"
	"testing"

	"cohort/app/demo"
	"cohort/db"
	"cohort/db/dbtest"
)

// Every staff page of a program carries the same navigation, with the page
// shown marked current, and lists only the pages the person may open.
func TestProgramNav(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		base := "/staff/programs/" + f.prog.Slug + "/"
		link := func(path string, current bool) string {
			s := `<a href="` + base + path + `"`
			if current {
				s += ` aria-current="page"`
			}
			return s + ">"
		}
		for _, tt := range []struct {
			who, page string
			in, out   []string
		}{
			{demo.StaffEmail, "participants", []string{link("participants", true), link("pairs", false), link("proposal", false)}, nil},
			{demo.StaffEmail, "pairs", []string{link("participants", false), link("pairs", true), link("proposal", false)}, nil},
			{demo.StaffEmail, "proposal", []string{link("participants", false), link("pairs", false), link("proposal", true)}, nil},
			{demo.StaffEmail, "participants/" + f.id("bo"), []string{link("participants", true), link("pairs", false)}, nil},
			{demo.StaffEmail, "participants/" + f.id("bo") + "/suggestions", []string{link("participants", true), link("proposal", false)}, nil},
			// A reviewer may not manage pairs: no links to pages that would
			// refuse them.
			{"reviewer@example.org", "participants", []string{link("participants", true)}, []string{base + "pairs", base + "proposal"}},
		} {
			t.Run(tt.who+" "+tt.page, func(t *testing.T) {
				res := f.client(t, tt.who).Get(base + tt.page)
				if res.StatusCode != 200 {
					t.Fatalf("%s = %d", tt.page, res.StatusCode)
				}
				nav := res.Body
				if i := strings.Index(nav, `<nav class="program-nav"`); i < 0 {
					t.Fatalf("no program navigation on %s", tt.page)
				} else {
					nav = nav[i:]
					nav = nav[:strings.Index(nav, "</nav>")]
				}
				for _, s := range tt.in {
					if !strings.Contains(nav, s) {
						t.Errorf("navigation lacks %s:\n%s", s, nav)
					}
				}
				for _, s := range tt.out {
					if strings.Contains(nav, s) {
						t.Errorf("navigation offers %s:\n%s", s, nav)
					}
				}
			})
		}
	})
}
