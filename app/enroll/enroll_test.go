package enroll_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/features"
	"cohort/app/web"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// mentoringSteps are valid answers for every step of the built-in
// mentoring form, as a browser would post them.
var mentoringSteps = []struct {
	key  string
	form url.Values
}{
	{"about", url.Values{"full_name": {"Mel Member"}, "manager_name": {"Max Boss"}, "manager_email": {"Max.Boss@Example.com"}}},
	{"role", url.Values{"roles": {"mentor", "learner"}, "org": {"engineering"}, "level": {"IC3"}, "time_at_level": {"1-2"},
		"distance_pref": {"prefer-far"}, "track_change": {"maybe"}}},
	{"availability", url.Values{"time_zone": {"Europe/Berlin"}, "hours_mode": {"range"}, "hours_from": {"9"}, "hours_to": {"17"}}},
	{"interests", url.Values{"mentor_interests": {"Leadership"}, "mentee_interests": {"Communication"}, "mentee_interests_other": {" public   speaking , Leadership"}}},
	{"finish", url.Values{"comments": {"Looking forward to it."}, "consent": {"true"}}},
}

type world struct {
	store *db.Store
	srv   *web.Server
	now   time.Time
}

func newWorld(t *testing.T, s *db.Store) *world {
	t.Helper()
	if _, err := demo.Seed(context.Background(), s, demo.Options{Participants: 3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	w := &world{store: s, now: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	s.Now = func() time.Time { return w.now }
	w.srv = apptest.New(t, s, map[string]string{"UPLOAD_DIR": t.TempDir()})
	return w
}

func (w *world) program(t *testing.T, slug, form string, term int, flags ...string) *db.Program {
	t.Helper()
	p := &db.Program{Slug: slug, Name: "Program " + slug, Kind: form, FormKey: form, TermDays: term,
		Settings: db.ProgramSettings{Flags: map[string]bool{}}}
	for _, f := range flags {
		p.Settings.Flags[f] = true
	}
	if err := w.store.CreateProgram(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// start signs in as email and starts enrolling in slug, returning the
// enrollment's URL.
func start(t *testing.T, c *apptest.Client, slug string) string {
	t.Helper()
	c.Get("/programs/" + slug)
	res := c.PostForm("/programs/"+slug+"/enroll", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("start = %d: %s", res.StatusCode, res.Body)
	}
	return res.Header.Get("Location")
}

func post(t *testing.T, c *apptest.Client, path string, form url.Values) *apptest.Response {
	t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("nav", "next")
	return c.PostForm(path, f)
}

func TestMentoringJourney(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		c := apptest.NewClient(t, w.srv)
		c.SignInAs(demo.MemberEmail)
		enr := start(t, c, demo.ProgramSlug)
		first := c.Get(enr)
		if first.StatusCode != http.StatusSeeOther || first.Header.Get("Location") != enr+"/steps/about" {
			t.Fatalf("a new enrollment opens at %d %s", first.StatusCode, first.Header.Get("Location"))
		}
		if page := c.Get(enr + "/steps/about"); !strings.Contains(page.Body, `value="Mel Member"`) {
			t.Fatal("full name not prefilled from sign-in")
		}
		for i, st := range mentoringSteps {
			res := post(t, c, enr+"/steps/"+st.key, st.form)
			want := enr + "/review"
			if i+1 < len(mentoringSteps) {
				want = enr + "/steps/" + mentoringSteps[i+1].key
			}
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
				t.Fatalf("step %s = %d %s: %s", st.key, res.StatusCode, res.Header.Get("Location"), errorsIn(res.Body))
			}
		}
		review := c.Get(enr + "/review")
		for _, want := range []string{"Mel Member", "Max.Boss@Example.com", "Mentor", "Engineering", "public speaking", "Leadership"} {
			if !strings.Contains(review.Body, want) {
				t.Errorf("review page lacks %q", want)
			}
		}
		res := c.PostForm(enr+"/submit", nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("submit = %d: %s", res.StatusCode, errorsIn(res.Body))
		}
		status := c.Get(res.Header.Get("Location"))
		if !strings.Contains(status.Body, "Submitted: waiting for review") || !strings.Contains(status.Body, "your enrollment is submitted") {
			t.Fatal("status page does not say submitted")
		}
		e := enrollmentOf(t, s, enr)
		if e.Status != db.StatusSubmitted || !e.IsMentor || !e.IsMentee || e.Org != "engineering" || e.TimeZone != "Europe/Berlin" ||
			e.ManagerEmail != "max.boss@example.com" || e.AvailMask == 0 || e.TZOffsetMin != 60 || e.SubmittedAt == nil {
			t.Fatalf("typed columns not filled: %+v", e)
		}
		// Berlin 09:00–17:00 in November is 08:00–16:00 UTC.
		if want := int64(0); e.AvailMask != ((1<<16)-1)&^((1<<8)-1)|want {
			t.Fatalf("availability mask = %024b", e.AvailMask)
		}
		var interests []string
		for _, in := range e.Interests {
			interests = append(interests, in.Side+":"+in.Interest)
		}
		if got := strings.Join(interests, ","); got != "mentee:communication,mentee:leadership,mentee:public speaking,mentor:leadership" {
			t.Fatalf("interests = %s", got)
		}
	})
}

func TestValidationKeepsEverything(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		c := apptest.NewClient(t, w.srv)
		c.SignInAs(demo.MemberEmail)
		enr := start(t, c, demo.ProgramSlug)
		res := post(t, c, enr+"/steps/about", url.Values{"full_name": {""}, "manager_name": {"Max Boss"}, "manager_email": {"not-an-email"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("invalid step = %d", res.StatusCode)
		}
		for _, want := range []string{`class="error-summary"`, `href="#full_name"`, `id="full_name-error"`, `aria-invalid="true"`,
			`aria-describedby="manager_email-error"`, `value="Max Boss"`, `value="not-an-email"`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("re-rendered step lacks %s", want)
			}
		}
		// What was typed is saved, even though the step is not complete.
		if page := c.Get(enr + "/steps/about"); !strings.Contains(page.Body, `value="Max Boss"`) {
			t.Fatal("answers typed into an invalid step were lost")
		}
		if e := enrollmentOf(t, s, enr); e.CompletedSteps != "" {
			t.Fatalf("invalid step marked complete: %q", e.CompletedSteps)
		}
	})
}

func TestResumeAndOutOfOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		c := apptest.NewClient(t, w.srv)
		c.SignInAs(demo.MemberEmail)
		enr := start(t, c, demo.ProgramSlug)
		post(t, c, enr+"/steps/about", mentoringSteps[0].form)
		// Jumping ahead by URL lands on the first incomplete step.
		res := c.Get(enr + "/steps/interests")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != enr+"/steps/role?notice=finish" {
			t.Fatalf("out of order = %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if page := c.Get(res.Header.Get("Location")); !strings.Contains(page.Body, "Please finish this step first") {
			t.Fatal("no message after the redirect")
		}
		// Sign out, come back in another browser: resume at step 2.
		c.PostForm("/logout", nil)
		other := apptest.NewClient(t, w.srv)
		other.SignInAs(demo.MemberEmail)
		if res := other.Get(enr); res.Header.Get("Location") != enr+"/steps/role" {
			t.Fatalf("resume = %s, want the role step", res.Header.Get("Location"))
		}
		// Back keeps answers: post step 2 partially and go back.
		back := url.Values{"org": {"design"}, "nav": {"back"}}
		if res := other.PostForm(enr+"/steps/role", back); res.Header.Get("Location") != enr+"/steps/about" {
			t.Fatalf("back = %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if page := other.Get(enr + "/steps/role"); !strings.Contains(page.Body, `value="design" selected`) {
			t.Fatal("Back lost the answer")
		}
	})
}

func TestOtherPeoplesEnrollments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		owner := apptest.NewClient(t, w.srv)
		owner.SignInAs(demo.MemberEmail)
		enr := start(t, owner, demo.ProgramSlug)
		other := apptest.NewClient(t, w.srv)
		other.SignInAs(demo.StaffEmail)
		for _, path := range []string{enr, enr + "/steps/about", enr + "/review"} {
			if res := other.Get(path); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s by someone else = %d, want 404", path, res.StatusCode)
			}
			if res := apptest.NewClient(t, w.srv).Get(path); res.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET %s anonymous = %d, want 401", path, res.StatusCode)
			}
		}
		if res := post(t, other, enr+"/steps/about", mentoringSteps[0].form); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST to someone else's step = %d", res.StatusCode)
		}
		if res := other.PostForm(enr+"/withdraw", nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("withdrawing someone else = %d", res.StatusCode)
		}
		if res := other.Get("/enrollments/999999"); res.StatusCode != http.StatusNotFound {
			t.Errorf("missing enrollment = %d", res.StatusCode)
		}
	})
}

// Twenty simultaneous saves of one step (double clicks, two tabs) end in
// one consistent state and no error page.
func TestConcurrentStepSaves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		c := apptest.NewClient(t, w.srv)
		c.SignInAs(demo.MemberEmail)
		enr := start(t, c, demo.ProgramSlug)
		var wg sync.WaitGroup
		codes := make(chan int, 20)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				form := url.Values{"full_name": {fmt.Sprintf("Mel %d", i)}, "manager_name": {"Max"}, "manager_email": {"max@example.com"}, "nav": {"next"}, web.CSRFField: {c.CSRF}}
				req := httptest.NewRequest(http.MethodPost, enr+"/steps/about", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for _, ck := range c.Cookies {
					req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
				}
				res, err := w.srv.App().Test(req, 10000)
				if err != nil {
					t.Error(err)
					return
				}
				codes <- res.StatusCode
			}()
		}
		wg.Wait()
		close(codes)
		for code := range codes {
			if code != http.StatusSeeOther {
				t.Fatalf("a concurrent save answered %d", code)
			}
		}
		e := enrollmentOf(t, s, enr)
		if e.Version != 22 || e.CompletedSteps != "about" || !regexp.MustCompile(`^Mel \d+$`).MatchString(e.FullName) ||
			e.Answers["full_name"] != e.FullName {
			t.Fatalf("after 20 saves: version %d, steps %q, name %q / %v", e.Version, e.CompletedSteps, e.FullName, e.Answers["full_name"])
		}
		var n int
		_ = s.DB().NewRaw("SELECT COUNT(*) FROM enrollments WHERE person_id = ?", e.PersonID).Scan(t.Context(), &n)
		if n != 1 {
			t.Fatalf("%d enrollments for one person", n)
		}
	})
}

func TestEditWithdrawAndAudit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		c := apptest.NewClient(t, w.srv)
		c.SignInAs(demo.MemberEmail)
		enr := complete(t, c, demo.ProgramSlug)
		res := post(t, c, enr+"/steps/availability", url.Values{"time_zone": {"Europe/Berlin"}, "hours_mode": {"range"}, "hours_from": {"10"}, "hours_to": {"18"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit after submit = %d: %s", res.StatusCode, errorsIn(res.Body))
		}
		evs, err := s.ListAudit(t.Context(), db.AuditQuery{Action: "enrollment.edit"})
		if err != nil || len(evs) != 1 || !strings.Contains(fmt.Sprint(evs[0].Details), "10:00") {
			t.Fatalf("edit audit = %+v, %v", evs, err)
		}
		if res := c.PostForm(enr+"/withdraw", url.Values{"reason": {"Moving teams"}, "confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("withdraw = %d", res.StatusCode)
		}
		e := enrollmentOf(t, s, enr)
		if e.Status != db.StatusWithdrawn || e.WithdrawReason != "Moving teams" || e.WithdrawnAt == nil {
			t.Fatalf("withdrawn = %+v", e)
		}
		if res := post(t, c, enr+"/steps/about", mentoringSteps[0].form); res.StatusCode != http.StatusConflict {
			t.Fatalf("editing a withdrawn enrollment = %d, want 409", res.StatusCode)
		}
		if evs, _ := s.ListAudit(t.Context(), db.AuditQuery{Action: "enrollment.withdraw"}); len(evs) != 1 {
			t.Fatal("withdrawal not audited")
		}
	})
}

// complete fills and submits the mentoring form, returning its URL.
func complete(t *testing.T, c *apptest.Client, slug string) string {
	t.Helper()
	enr := start(t, c, slug)
	for _, st := range mentoringSteps {
		if res := post(t, c, enr+"/steps/"+st.key, st.form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("step %s = %d: %s", st.key, res.StatusCode, errorsIn(res.Body))
		}
	}
	if res := c.PostForm(enr+"/submit", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit = %d", res.StatusCode)
	}
	return enr
}

func TestRenewal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		w.program(t, "renewing", "mentoring", 365, features.Renewal)
		c := apptest.NewClient(t, w.srv)
		c.SignInAs(demo.MemberEmail)
		enr := complete(t, c, "renewing")
		if strings.Contains(c.Get(enr).Body, "Renew my enrollment") {
			t.Fatal("renewal offered a year before the term ends")
		}
		if res := c.PostForm(enr+"/renew", nil); res.StatusCode != http.StatusConflict {
			t.Fatalf("early renewal = %d, want 409", res.StatusCode)
		}
		w.now = w.now.Add(350 * 24 * time.Hour) // 15 days before the end
		c.SignInAs(demo.MemberEmail)            // the old session has long expired
		if !strings.Contains(c.Get(enr).Body, "Renew my enrollment") {
			t.Fatal("renewal not offered near the end of the term")
		}
		res := c.PostForm(enr+"/renew", nil)
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/steps/about?notice=renewing") {
			t.Fatalf("renew = %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if page := c.Get(enr + "/steps/role"); !strings.Contains(page.Body, `value="engineering" selected`) {
			t.Fatal("renewal form not prefilled")
		}
		post(t, c, enr+"/steps/role", url.Values{"roles": {"mentor", "learner"}, "org": {"product"}, "level": {"IC4"}, "time_at_level": {"<1"}, "distance_pref": {"prefer-far"}, "track_change": {"maybe"}})
		old := enrollmentOf(t, s, enr).ExpiresAt
		if res := c.PostForm(enr+"/submit", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("renewal submit = %d: %s", res.StatusCode, errorsIn(res.Body))
		}
		e := enrollmentOf(t, s, enr)
		if e.RenewedAt == nil || e.ExpiresAt == nil || !e.ExpiresAt.Equal(old.Add(365*24*time.Hour)) || e.Org != "product" {
			t.Fatalf("renewed = %+v (old end %v)", e, old)
		}
		status := c.Get(enr)
		if !strings.Contains(status.Body, "What changed since your last term") || !strings.Contains(status.Body, "Engineering") || !strings.Contains(status.Body, "Product") {
			t.Fatal("renewed status page does not say what changed")
		}
	})
}

func TestApplicationEligibilityAndUploads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		p := w.program(t, "assist", "application", 0, features.Uploads)
		c := apptest.NewClient(t, w.srv)
		c.SignInAs(demo.MemberEmail)
		enr := start(t, c, "assist")
		steps := []struct {
			key  string
			form url.Values
		}{
			{"household", url.Values{"household_size": {"3"}, "income": {"45000"}, "in_service_area": {"yes"}, "age": {"40"}}},
			{"benefits", url.Values{"benefits_received": {"none"}}},
		}
		for _, st := range steps {
			if res := post(t, c, enr+"/steps/"+st.key, st.form); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("step %s = %d: %s", st.key, res.StatusCode, errorsIn(res.Body))
			}
		}
		contact := map[string]string{"full_name": "Mel Member", "phone": "+1 555 010 2000", "consent": "true", "nav": "next"}
		// A text file named .pdf is refused by its content, beside the field.
		res := upload(t, c, enr+"/steps/contact", contact, "proof.pdf", []byte("just some text, not a PDF at all"))
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(errorsIn(res.Body), "not accepted") {
			t.Fatalf("fake PDF = %d: %s", res.StatusCode, errorsIn(res.Body))
		}
		pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
		res = upload(t, c, enr+"/steps/contact", contact, "../../etc/proof.pdf", pdf)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("real PDF = %d: %s", res.StatusCode, errorsIn(res.Body))
		}
		us, err := s.UploadsForEnrollment(t.Context(), enrollmentOf(t, s, enr).ID)
		if err != nil || len(us) != 1 || us[0].ContentType != "application/pdf" || us[0].Filename != "proof.pdf" || strings.Contains(us[0].StorageName, "proof") {
			t.Fatalf("uploads = %+v, %v", us, err)
		}
		file := fmt.Sprintf("/uploads/%d", us[0].ID)
		got := c.Get(file)
		if got.StatusCode != 200 || got.Body != string(pdf) || got.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(got.Header.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("owner download = %d %q %v", got.StatusCode, got.Header.Get("Content-Disposition"), got.Header)
		}
		stranger := apptest.NewClient(t, w.srv)
		stranger.SignInAs(demo.AdminEmail) // admins may view participants everywhere
		if r := stranger.Get(file); r.StatusCode != 200 {
			t.Fatalf("admin download = %d", r.StatusCode)
		}
		// A coordinator of the demo program only may not see this program's files.
		coord := &db.Person{Email: "coord@example.com", Name: "Coord"}
		if err := s.CreatePerson(t.Context(), coord); err != nil {
			t.Fatal(err)
		}
		demoProg, _ := s.ProgramBySlug(t.Context(), demo.ProgramSlug)
		if err := s.SetProgramRole(t.Context(), coord.ID, demoProg.ID, "coordinator", 0); err != nil {
			t.Fatal(err)
		}
		nosy := apptest.NewClient(t, w.srv)
		nosy.SignInAs(coord.Email)
		if r := nosy.Get(file); r.StatusCode != http.StatusNotFound {
			t.Fatalf("staff of another program downloading = %d, want 404", r.StatusCode)
		}
		if err := s.SetProgramRole(t.Context(), coord.ID, p.ID, "reviewer", 0); err != nil {
			t.Fatal(err)
		}
		if r := nosy.Get(file); r.StatusCode != 200 {
			t.Fatalf("reviewer of this program downloading = %d, want 200", r.StatusCode)
		}
		if r := apptest.NewClient(t, w.srv).Get(file); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("anonymous download = %d", r.StatusCode)
		}
		// Going back to the step keeps the file without re-uploading it.
		if r := post(t, c, enr+"/steps/contact", url.Values{"full_name": {"Mel Member"}, "phone": {"+1 555 010 2000"}, "consent": {"true"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("re-saving without the file = %d: %s", r.StatusCode, errorsIn(r.Body))
		}
		if a := enrollmentOf(t, s, enr).Answers["proof_of_income"]; a != fmt.Sprint(us[0].ID) {
			t.Fatalf("file answer after re-save = %v", a)
		}
		// The review names the file (not its id), links to it, and says
		// "(optional)" once.
		review := c.Get(enr + "/review").Body
		if !strings.Contains(review, `<a href="`+file+`">proof.pdf</a>`) || strings.Contains(review, "(optional) (optional)") {
			t.Errorf("review does not show the upload by name with a link: %s", review)
		}
		if step := c.Get(enr + "/steps/contact").Body; strings.Count(step, "(optional)") > strings.Count(step, "</label>") ||
			strings.Contains(step, "(optional) <span class=\"muted\">(optional)") {
			t.Errorf("the file label says (optional) twice")
		}
		sub := c.PostForm(enr+"/submit", nil)
		status := c.Get(sub.Header.Get("Location"))
		for _, want := range []string{"What you qualify for", "Reduced transit fare</strong>: you qualify", "Affordable Connectivity</strong>: you qualify",
			"Senior recreation pass</strong>: you do not qualify"} {
			if !strings.Contains(status.Body, want) {
				t.Errorf("status page lacks %q", want)
			}
		}
		// Declined, the page says one thing: not "you qualify" beside it.
		if _, err := s.UpdateEnrollment(t.Context(), enrollmentOf(t, s, enr).ID, func(e *db.Enrollment) error {
			e.Status = db.StatusDeclined
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		declined := c.Get(enr).Body
		if strings.Contains(declined, "you qualify") || strings.Contains(declined, "What you qualify for") ||
			!strings.Contains(declined, "could not accept you this time") {
			t.Errorf("declined status page is not one message: %s", declined)
		}
	})
}

// With htmx, "Save and continue" answers with the next step's fragment and
// pushes its URL; typing autosaves without judging.
func TestHTMXStepsAndAutosave(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		c := apptest.NewClient(t, w.srv)
		c.SignInAs(demo.MemberEmail)
		enr := start(t, c, demo.ProgramSlug)
		c.Get(enr + "/steps/about")
		c.Header.Set("HX-Request", "true")
		res := post(t, c, enr+"/steps/about", mentoringSteps[0].form)
		if res.StatusCode != 200 || res.Header.Get("HX-Push-Url") != enr+"/steps/role" || strings.Contains(res.Body, "<html") ||
			!strings.Contains(res.Body, `id="enroll-step"`) || !strings.Contains(res.Body, "Your role") {
			t.Fatalf("htmx next = %d push %q", res.StatusCode, res.Header.Get("HX-Push-Url"))
		}
		bad := post(t, c, enr+"/steps/role", url.Values{"org": {"design"}})
		if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `class="error-summary"`) || strings.Contains(bad.Body, "<html") {
			t.Fatalf("htmx invalid = %d", bad.StatusCode)
		}
		auto := c.PostForm(enr+"/steps/role/autosave", url.Values{"org": {"security"}, "level": {"not-a-level"}})
		if auto.StatusCode != 200 || !strings.Contains(auto.Body, "Saved at") {
			t.Fatalf("autosave = %d %q", auto.StatusCode, auto.Body)
		}
		e := enrollmentOf(t, s, enr)
		if e.Answers["org"] != "security" || e.Answers["level"] != "not-a-level" || strings.Contains(e.CompletedSteps, "role") {
			t.Fatalf("autosave stored %v / %v, steps %q", e.Answers["org"], e.Answers["level"], e.CompletedSteps)
		}
		if e.Level != "" {
			t.Fatalf("an invalid answer reached the typed column: %q", e.Level)
		}
		c.Header.Del("HX-Request")
		for _, st := range mentoringSteps[1:] {
			post(t, c, enr+"/steps/"+st.key, st.form)
		}
		c.Header.Set("HX-Request", "true")
		last := post(t, c, enr+"/steps/finish", mentoringSteps[4].form)
		if last.StatusCode != http.StatusNoContent || last.Header.Get("HX-Redirect") != enr+"/review" {
			t.Fatalf("htmx last step = %d %q", last.StatusCode, last.Header.Get("HX-Redirect"))
		}
	})
}

// upload posts a multipart step form with one file in proof_of_income.
func upload(t *testing.T, c *apptest.Client, path string, fields map[string]string, name string, content []byte) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	_ = mw.WriteField(web.CSRFField, c.CSRF)
	fw, err := mw.CreateFormFile("proof_of_income", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

func enrollmentOf(t *testing.T, s *db.Store, path string) *db.Enrollment {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(path, "/enrollments/%d", &id); err != nil {
		t.Fatalf("no id in %q", path)
	}
	e, err := s.EnrollmentByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.LoadInterests(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

var errorRe = regexp.MustCompile(`class="field-error" id="[^"]+">([^<]+)<`)

func errorsIn(body string) string {
	var out []string
	for _, m := range errorRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return strings.Join(out, "; ")
}

// Once staff pair a member, the member's status page says so and names the
// other person.
func TestStatusShowsPartner(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		c := apptest.NewClient(t, w.srv)
		c.SignInAs(demo.MemberEmail)
		enr := complete(t, c, demo.ProgramSlug)
		mentee := enrollmentOf(t, s, enr)
		prog, err := s.ProgramBySlug(t.Context(), demo.ProgramSlug)
		if err != nil {
			t.Fatal(err)
		}
		var other *db.EnrollmentRef
		for _, st := range []string{db.StatusSubmitted, db.StatusApproved, db.StatusDraft, db.StatusWaitlisted} {
			refs, err := s.EnrollmentsWithStatus(t.Context(), prog.ID, st, 10)
			if err != nil {
				t.Fatal(err)
			}
			for i := range refs {
				if refs[i].ID != mentee.ID && other == nil {
					other = &refs[i]
				}
			}
		}
		if other == nil {
			t.Fatal("no other participant to pair with")
		}
		if strings.Contains(c.Get(enr).Body, "Who you are paired with") {
			t.Fatal("partner section shown before pairing")
		}
		started := w.now
		pair := &db.Pair{ProgramID: prog.ID, MentorEnrollmentID: other.ID, MenteeEnrollmentID: mentee.ID, Status: db.PairActive, StartedAt: &started}
		if err := s.CreatePair(t.Context(), pair); err != nil {
			t.Fatal(err)
		}
		page := c.Get(enr).Body
		for _, want := range []string{"Who you are paired with", "Your mentor:", other.Email, ">Paired<"} {
			if !strings.Contains(page, want) {
				t.Errorf("status page lacks %q", want)
			}
		}
	})
}

// Without JavaScript, a question revealed by an answer on the same step is
// shown after saving with a note, not as an error; the step stays open
// until it is answered, and a real mistake on the same save is still an
// error.
func TestRevealedQuestionIsNotAnError(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		w.program(t, "reveal", "mentoring", 0)
		c := apptest.NewClient(t, w.srv)
		c.SignInAs(demo.MemberEmail)
		enr := start(t, c, "reveal")
		post(t, c, enr+"/steps/about", mentoringSteps[0].form)
		role := url.Values{"roles": {"learner"}, "org": {"engineering"}, "level": {"IC3"}, "time_at_level": {"1-2"}, "distance_pref": {"neutral"}}

		res := post(t, c, enr+"/steps/role", role)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Your answers added a question to this page") ||
			strings.Contains(res.Body, "error-summary") || strings.Contains(res.Body, `aria-invalid="true"`) ||
			!strings.Contains(res.Body, `id="track_change-0"`) {
			t.Fatalf("revealed question: %d %s", res.StatusCode, errorsIn(res.Body))
		}
		if e := enrollmentOf(t, s, enr); strings.Contains(e.CompletedSteps, "role") || e.Org != "engineering" {
			t.Fatalf("step marked complete or answers lost: %q %q", e.CompletedSteps, e.Org)
		}

		// Saved again without answering: now it is a mistake.
		if res := post(t, c, enr+"/steps/role", role); res.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(res.Body, "error-summary") {
			t.Fatalf("unanswered after being shown: %d", res.StatusCode)
		}

		// A real error beside a revealed question: 422 with the error and
		// the note.
		bad := url.Values{"roles": {"mentor"}, "org": {"engineering"}, "level": {"IC3"}, "time_at_level": {"1-2"}, "distance_pref": {"neutral"}}
		post(t, c, enr+"/steps/role", bad)
		bad.Set("roles", "learner")
		bad.Set("level", "nope")
		if res := post(t, c, enr+"/steps/role", bad); res.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(res.Body, "Your answers added a question") || !strings.Contains(res.Body, "error-summary") {
			t.Fatalf("error and revealed question: %d", res.StatusCode)
		}

		role.Set("track_change", "maybe")
		if res := post(t, c, enr+"/steps/role", role); res.StatusCode != http.StatusSeeOther ||
			res.Header.Get("Location") != enr+"/steps/availability" {
			t.Fatalf("answered: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

// realPDF is a PDF of size bytes: a header the type check recognizes, then
// padding.
func realPDF(size int) []byte {
	b := bytes.Repeat([]byte("0"), size)
	copy(b, "%PDF-1.4\n")
	return b
}

// Real-size files: BODY_LIMIT (1 MiB) applies to forms, not to a step's
// files, which are held to their field's limit (5 MB here) with the field's
// own message and every other answer on the step kept.
func TestRealSizeUploads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		w.program(t, "assist", "application", 0, features.Uploads)
		c := apptest.NewClient(t, w.srv)
		c.SignInAs(demo.MemberEmail)
		enr := start(t, c, "assist")
		c.Get(enr + "/steps/contact")
		contact := map[string]string{"full_name": "Mel Uploader", "phone": "+1 555 010 2999", "consent": "true", "nav": "next"}

		// Megabytes through the in-memory server are slow under the race
		// detector on a busy machine.
		c.Timeout = time.Minute
		res := upload(t, c, enr+"/steps/contact", contact, "payslip.pdf", realPDF(12<<20))
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(errorsIn(res.Body), "The file is too large: the limit is 5 MB.") {
			t.Fatalf("12 MB file = %d: %q", res.StatusCode, errorsIn(res.Body))
		}
		if !strings.Contains(res.Body, `value="Mel Uploader"`) || !strings.Contains(res.Body, `555 010 2999"`) {
			t.Errorf("the step's other answers are not shown again: %s", res.Body)
		}
		if e := enrollmentOf(t, s, enr); e.Answers["phone"] != "+1 555 010 2999" {
			t.Errorf("the step's other answers were not kept: %v", e.Answers)
		}

		res = upload(t, c, enr+"/steps/contact", contact, "payslip.pdf", realPDF(4<<20))
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("4 MB file = %d: %q %.300s", res.StatusCode, errorsIn(res.Body), res.Body)
		}
		us, err := s.UploadsForEnrollment(t.Context(), enrollmentOf(t, s, enr).ID)
		if err != nil || len(us) != 1 || us[0].Size != 4<<20 {
			t.Fatalf("uploads = %+v, %v", us, err)
		}

		// A form without files stays under BODY_LIMIT.
		big := url.Values{"full_name": {strings.Repeat("x", 2<<20)}}
		if r := post(t, c, enr+"/steps/contact", big); r.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("2 MB url-encoded form = %d, want 413", r.StatusCode)
		}
	})
}

// When the upload directory fails after start-up (permissions changed, a
// full disk), the step keeps its other answers and the file field says what
// happened, instead of a 500 that loses the step.
func TestUploadStorageFailureKeepsAnswers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		if _, err := demo.Seed(context.Background(), s, demo.Options{Participants: 3, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "uploads")
		srv := apptest.New(t, s, map[string]string{"UPLOAD_DIR": dir})
		w := &world{store: s, srv: srv}
		w.program(t, "assist", "application", 0, features.Uploads)
		c := apptest.NewClient(t, srv)
		c.SignInAs(demo.MemberEmail)
		enr := start(t, c, "assist")
		c.Get(enr + "/steps/contact")
		// Root ignores permissions: a file where the directory was fails
		// for everyone.
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		contact := map[string]string{"full_name": "Mel Keeper", "phone": "+1 555 010 2777", "consent": "true", "nav": "next"}
		res := upload(t, c, enr+"/steps/contact", contact, "payslip.pdf", realPDF(2048))
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(errorsIn(res.Body), "The file could not be stored just now.") {
			t.Fatalf("upload with a broken UPLOAD_DIR = %d: %q", res.StatusCode, errorsIn(res.Body))
		}
		if !strings.Contains(res.Body, `value="Mel Keeper"`) {
			t.Error("the step's other answers are not shown again")
		}
		if e := enrollmentOf(t, s, enr); e.Answers["phone"] != "+1 555 010 2777" || e.Answers["full_name"] != "Mel Keeper" {
			t.Errorf("the step's other answers were not kept: %v", e.Answers)
		}
	})
}
