package admin_test

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"cohort/db"
	"cohort/db/dbtest"
)

var peopleEmailRe = regexp.MustCompile(`<td>(page\.person\.\d+@example\.org)</td>`)

// TestPeoplePaging: the people list pages by 50 with a total, through
// plain links (no JavaScript), without repeating or skipping anyone.
func TestPeoplePaging(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		f := setup(t, store)
		var ps []*db.Person
		for i := range 120 {
			ps = append(ps, &db.Person{Email: fmt.Sprintf("page.person.%03d@example.org", i), Name: "Paged"})
		}
		if err := store.CreatePeople(t.Context(), ps); err != nil {
			t.Fatal(err)
		}
		c := f.client(t, f.admin.Email)
		seen := map[string]bool{}
		next := "/admin/people?q=page.person"
		summaries := []string{"1–50 of 120 people", "51–100 of 120 people", "101–120 of 120 people"}
		for i, want := range summaries {
			res := c.Get(next)
			if res.StatusCode != 200 || !strings.Contains(res.Body, want) {
				t.Fatalf("page %d = %d, lacks %q", i+1, res.StatusCode, want)
			}
			for _, m := range peopleEmailRe.FindAllStringSubmatch(res.Body, -1) {
				if seen[m[1]] {
					t.Fatalf("%s listed twice", m[1])
				}
				seen[m[1]] = true
			}
			link := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(res.Body)
			if i == len(summaries)-1 {
				if link != nil {
					t.Fatal("the last page links to a next one")
				}
				if !strings.Contains(res.Body, `rel="prev"`) {
					t.Fatal("the last page has no Previous link")
				}
				break
			}
			if link == nil {
				t.Fatalf("page %d has no Next link", i+1)
			}
			next = html.UnescapeString(link[1])
		}
		if len(seen) != 120 {
			t.Fatalf("pages listed %d people, want 120", len(seen))
		}
		for _, bad := range []string{"0", "-1", "x", "99999999999"} {
			if res := c.Get("/admin/people?page=" + bad); res.StatusCode < 400 || res.StatusCode >= 500 {
				t.Errorf("page=%s = %d, want a 4xx", bad, res.StatusCode)
			}
		}
	})
}
