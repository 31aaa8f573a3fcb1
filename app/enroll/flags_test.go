package enroll_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/features"
	"cohort/db"
	"cohort/db/dbtest"
)

// TestEveryFlagDoesWhatItSays switches each program flag on and off and
// checks the behaviour its label promises changes with it (always-on flags
// stay on when stored off). A flag added without a probe here fails.
func TestEveryFlagDoesWhatItSays(t *testing.T) {
	// probe returns what the flag decided, given a program with the flag
	// stored as on.
	type probe func(t *testing.T, w *world, s *db.Store, slug string, on bool) bool
	probes := map[string]probe{
		features.Renewal: func(t *testing.T, w *world, s *db.Store, slug string, on bool) bool {
			w.program(t, slug, "mentoring", 10, flagIf(features.Renewal, on)...)
			c := apptest.NewClient(t, w.srv)
			c.SignInAs(demo.MemberEmail)
			enr := complete(t, c, slug)
			offered := strings.Contains(c.Get(enr).Body, enr+"/renew")
			res := c.PostForm(enr+"/renew", nil)
			if offered != (res.StatusCode == http.StatusSeeOther) {
				t.Fatalf("renew offered=%v but POST = %d", offered, res.StatusCode)
			}
			return offered
		},
		features.Uploads: func(t *testing.T, w *world, s *db.Store, slug string, on bool) bool {
			w.program(t, slug, "application", 0, flagIf(features.Uploads, on)...)
			c := apptest.NewClient(t, w.srv)
			c.SignInAs(demo.MemberEmail)
			enr := start(t, c, slug)
			post(t, c, enr+"/steps/household", url.Values{"household_size": {"3"}, "income": {"45000"}, "in_service_area": {"yes"}, "age": {"40"}})
			post(t, c, enr+"/steps/benefits", url.Values{"benefits_received": {"none"}})
			res := upload(t, c, enr+"/steps/contact", map[string]string{"full_name": "Mel Member", "phone": "+1 555 010 2000", "consent": "true", "nav": "next"},
				"proof.pdf", realPDF(2048))
			return res.StatusCode == http.StatusSeeOther
		},
		features.Pairing: func(t *testing.T, w *world, s *db.Store, slug string, on bool) bool {
			w.program(t, slug, "mentoring", 0, flagIf(features.Pairing, on)...)
			c := apptest.NewClient(t, w.srv)
			c.SignInAs(demo.StaffEmail)
			res := c.Get("/staff/programs/" + slug + "/pairs")
			if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNotFound {
				t.Fatalf("pairs page = %d", res.StatusCode)
			}
			return res.StatusCode == http.StatusOK
		},
		features.Autosave: func(t *testing.T, w *world, s *db.Store, slug string, on bool) bool {
			p := w.program(t, slug, "mentoring", 0)
			p.Settings.Flags[features.Autosave] = on
			if err := s.UpdateProgram(t.Context(), p); err != nil {
				t.Fatal(err)
			}
			c := apptest.NewClient(t, w.srv)
			c.SignInAs(demo.MemberEmail)
			enr := start(t, c, slug)
			return strings.Contains(c.Get(enr+"/steps/about").Body, "/autosave")
		},
	}
	// Self-registration gates people, not pages: its probe needs the
	// email-code sign-in, and lives with it (app/auth
	// TestSelfRegistrationFlag).
	elsewhere := map[string]bool{features.SelfRegistration: true}
	for _, f := range features.All() {
		t.Run(f.Name, func(t *testing.T) {
			if elsewhere[f.Name] {
				t.Log("probed in app/auth TestSelfRegistrationFlag")
				return
			}
			pr, ok := probes[f.Name]
			if !ok {
				t.Fatalf("flag %s has no probe: add one that fails when the flag is ignored", f.Name)
			}
			dbtest.Each(t, func(t *testing.T, s *db.Store) {
				w := newWorld(t, s)
				gotOn := pr(t, w, s, "flag-on", true)
				gotOff := pr(t, w, s, "flag-off", false)
				if !gotOn || gotOff != f.AlwaysOn {
					t.Fatalf("%s: on → %v, off → %v (always on: %v)", f.Name, gotOn, gotOff, f.AlwaysOn)
				}
			})
		})
	}
}

func flagIf(name string, on bool) []string {
	if on {
		return []string{name}
	}
	return nil
}
