package app_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"cohort/app/apptest"
	"cohort/app/browsertest"
	"cohort/app/demo"
	"cohort/config"
	"cohort/db/dbtest"
)

// The member's enrollment journey in a real browser: the multi-step form
// with htmx (steps swap in place, the URL follows, focus moves to the new
// heading) and without JavaScript (plain posts and redirects), resuming
// after signing out, validation, and saving as the member types.

// enrollStepWait bounds one browser step. The machine may be slow, so it is
// generous; a page that never shows what a step waits for still fails fast
// enough to keep the whole test well inside browsertest's minute.
const enrollStepWait = 15 * time.Second

// enrollSite serves the app with the demo data on a real socket.
func enrollSite(t *testing.T) string {
	t.Helper()
	s := dbtest.New(t, config.DialectSQLite)
	if _, err := demo.Seed(context.Background(), s, demo.Options{Participants: 3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	return apptest.Serve(t, apptest.New(t, s, map[string]string{"UPLOAD_DIR": t.TempDir()}))
}

// enrollBrowser is one member in one headless browser.
type enrollBrowser struct {
	t    *testing.T
	ctx  context.Context
	base string
	js   bool
}

func newEnrollBrowser(t *testing.T, o browsertest.Options) *enrollBrowser {
	t.Helper()
	base := enrollSite(t)
	return &enrollBrowser{t: t, ctx: browsertest.New(t, o), base: base, js: !o.NoJavaScript}
}

// do runs steps in order, each bounded by enrollStepWait.
func (m *enrollBrowser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(m.ctx, enrollStepWait)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		m.t.Fatalf("%s: %v", what, err)
	}
}

// run runs one action that returns a value.
func enrollRun[T any](m *enrollBrowser, what string, a chromedp.Action[T]) T {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(m.ctx, enrollStepWait)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		m.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// eval evaluates a JavaScript expression in the page (DevTools evaluates
// even when the page's own scripts are off).
func enrollEval[T any](m *enrollBrowser, expr string) T {
	m.t.Helper()
	return enrollRun(m, expr, chromedp.Evaluate[T](expr))
}

// waitFor waits until a JavaScript predicate holds (pages with scripts
// only: polling runs in the page).
func (m *enrollBrowser) waitFor(what, predicate string) {
	m.t.Helper()
	if !m.js {
		m.t.Fatalf("waitFor(%s) needs JavaScript", what)
	}
	m.do(what, chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingTimeout(enrollStepWait-time.Second)))
}

// path is the path of the current URL, as the address bar shows it.
func (m *enrollBrowser) path() string {
	m.t.Helper()
	loc := enrollRun(m, "location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		m.t.Fatalf("location %q: %v", loc, err)
	}
	return u.Path
}

func (m *enrollBrowser) text(css string) string {
	m.t.Helper()
	return strings.TrimSpace(enrollRun(m, "text of "+css, chromedp.Text(chromedp.CSS(css))))
}

func (m *enrollBrowser) value(id string) string {
	m.t.Helper()
	return enrollRun(m, "value of #"+id, chromedp.Value(chromedp.ID(id)))
}

func (m *enrollBrowser) checked(id string) bool {
	m.t.Helper()
	return enrollRun(m, "checked of #"+id, chromedp.JavascriptAttribute[bool](chromedp.ID(id), "checked"))
}

func (m *enrollBrowser) visible(css string) bool {
	m.t.Helper()
	return enrollEval[bool](m, `(() => { const e = document.querySelector(`+strconv.Quote(css)+`); return !!e && e.checkVisibility(); })()`)
}

// tick checks a checkbox or radio button the way a person does, by
// clicking its label, unless it is already checked.
func (m *enrollBrowser) tick(id string) {
	m.t.Helper()
	if m.checked(id) {
		return
	}
	m.do("tick "+id, chromedp.Click(chromedp.CSS(`label[for="`+id+`"]`)))
	if !m.checked(id) {
		m.t.Fatalf("#%s is not checked after clicking its label", id)
	}
}

// typeInto replaces a text field's value by typing, as a person does:
// select what is there, delete it, type.
func (m *enrollBrowser) typeInto(id, text string) {
	m.t.Helper()
	m.do("focus "+id, chromedp.Focus(chromedp.ID(id)))
	if m.value(id) != "" {
		enrollEval[chromedp.Void](m, `document.getElementById(`+strconv.Quote(id)+`).select()`)
		m.do("clear "+id, chromedp.SendKeys(chromedp.ID(id), kb.Backspace))
	}
	if text != "" {
		m.do("type into "+id, chromedp.SendKeys(chromedp.ID(id), text))
	}
	if got := m.value(id); got != text {
		m.t.Fatalf("#%s = %q after typing %q", id, got, text)
	}
}

// choose picks an option of a select. With scripts on it fires the events
// a person's choice fires, so the page's scripts (autosave, show-if) see it.
func (m *enrollBrowser) choose(id, value string) {
	m.t.Helper()
	m.do("choose "+value+" in #"+id, chromedp.SetValue(chromedp.ID(id), value))
	if m.js {
		enrollEval[chromedp.Void](m, `(() => { const s = document.getElementById(`+strconv.Quote(id)+`);
			s.dispatchEvent(new Event("input", {bubbles: true})); s.dispatchEvent(new Event("change", {bubbles: true})); })()`)
	}
	if got := m.value(id); got != value {
		m.t.Fatalf("#%s = %q after choosing %q", id, got, value)
	}
}

func (m *enrollBrowser) signIn(email, name string) {
	m.t.Helper()
	m.do("sign in as "+email,
		chromedp.Navigate(m.base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#dev-login-title`)),
		// The demo people are admin, staff, member: pick by address.
		chromedp.Click(chromedp.CSS(`.dev-login input[value="`+email+`"] + label`)),
		chromedp.Click(chromedp.CSS(`.dev-login button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#me-title`)),
	)
	if got := m.text(`#me-title`); got != "Welcome, "+name {
		m.t.Fatalf("signed in as %q, want %s", got, name)
	}
}

func (m *enrollBrowser) signOut() {
	m.t.Helper()
	m.do("sign out",
		chromedp.Click(chromedp.CSS(`.account button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dev-login-title`)),
	)
}

// startEnrollment opens the demo program, starts enrolling and returns the
// enrollment's path, on the first step.
func (m *enrollBrowser) startEnrollment() string {
	m.t.Helper()
	m.do("start the enrollment",
		chromedp.Navigate(m.base+"/programs/"+demo.ProgramSlug),
		chromedp.WaitVisible(chromedp.CSS(`#program-title`)),
		chromedp.Click(chromedp.CSS(`form[action="/programs/`+demo.ProgramSlug+`/enroll"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID(`full_name`)),
	)
	p := m.path()
	enr, ok := strings.CutSuffix(p, "/steps/about")
	if !ok || !strings.HasPrefix(enr, "/enrollments/") {
		m.t.Fatalf("starting lands on %s, want /enrollments/N/steps/about", p)
	}
	if got := m.text(`#step-title`); got != "About you" {
		m.t.Fatalf("first step heading %q", got)
	}
	return enr
}

// next presses the step's primary button.
func (m *enrollBrowser) next() {
	m.t.Helper()
	m.do("save and continue", chromedp.Click(chromedp.CSS(`#step-form button[name=nav][value=next]`)))
}

// setMarker tags the current document: a full page load loses the tag.
func (m *enrollBrowser) setMarker() {
	m.t.Helper()
	enrollEval[chromedp.Void](m, `window.__marker = 1`)
}

func (m *enrollBrowser) markerKept() bool {
	m.t.Helper()
	return enrollEval[bool](m, `window.__marker === 1`)
}

// arrive waits for step key (probe is an id only that step has). swapped
// says htmx brought the step in place of the previous one: then the page
// was not reloaded, the address bar follows, and focus is on the heading.
func (m *enrollBrowser) arrive(enr, key, title, probe string, swapped bool) {
	m.t.Helper()
	m.do("reach step "+key, chromedp.WaitVisible(chromedp.ID(probe)))
	want := enr + "/steps/" + key
	if swapped {
		if !m.markerKept() {
			m.t.Fatalf("step %s: the page was reloaded; htmx should have swapped the step in", key)
		}
		m.waitFor("URL pushed for step "+key, `location.pathname === `+strconv.Quote(want))
		m.waitFor("focus on the heading of step "+key, `document.activeElement && document.activeElement.id === "step-title"`)
	}
	if p := m.path(); p != want {
		m.t.Fatalf("on step %s the address is %s, want %s", key, p, want)
	}
	if got := m.text(`#step-title`); got != title {
		m.t.Fatalf("step %s heading %q, want %q", key, got, title)
	}
}

// fillAbout completes the first step (the full name is already there, from
// sign-in).
func (m *enrollBrowser) fillAbout() {
	m.t.Helper()
	if got := m.value("full_name"); got != "Mel Member" {
		m.t.Fatalf("full name not prefilled from sign-in: %q", got)
	}
	m.typeInto("manager_name", "Max Boss")
	m.typeInto("manager_email", "Max.Boss@Example.com")
}

// fillRolePartly answers part of the role step: both roles and the
// organization. With scripts on, conditional questions follow the answers
// at once.
func (m *enrollBrowser) fillRolePartly() {
	m.t.Helper()
	// Nothing chosen yet: the questions that depend on answers are hidden.
	for _, css := range []string{`#org_other`, `#track_change-0`} {
		if m.visible(css) {
			m.t.Fatalf("%s is shown before the answer it depends on", css)
		}
	}
	m.tick("roles-0") // Mentor
	m.tick("roles-1") // Learner
	if m.js {
		m.do("learners are asked about changing track", chromedp.WaitVisible(chromedp.ID(`track_change-0`)))
		m.choose("org", "other")
		m.do("'Other' asks which organization", chromedp.WaitVisible(chromedp.ID(`org_other`)))
	}
	m.choose("org", "engineering")
	if m.js {
		m.do("'Engineering' does not ask which organization", chromedp.WaitNotVisible(chromedp.ID(`org_other`)))
	}
}

// finishRole completes the role step from wherever it was left.
func (m *enrollBrowser) finishRole(enr string) {
	m.t.Helper()
	m.tick("roles-0")
	m.tick("roles-1")
	m.choose("org", "engineering")
	m.choose("level", "IC3")
	m.tick("time_at_level-1") // 1–2 years
	m.tick("distance_pref-3") // Far if possible
	if !m.js && !m.visible(`#track_change-0`) {
		// Without scripts a question revealed by an answer on the same
		// step appears when the step is saved, with a note saying so (not
		// as an error: the member had not seen it).
		m.next()
		m.do("the track question appears after saving",
			chromedp.WaitVisible(chromedp.CSS(`.flash-info`)),
			chromedp.WaitVisible(chromedp.ID(`track_change-0`)),
		)
		if note := m.text(`.flash-info`); !strings.Contains(note, "added a question") {
			m.t.Fatalf("note = %q", note)
		}
		if m.visible(`.error-summary`) || m.visible(`#track_change-0[aria-invalid="true"]`) {
			m.t.Fatal("the newly revealed question is flagged as an error")
		}
		if p := m.path(); p != enr+"/steps/role" {
			m.t.Fatalf("the step stays open until the new question is answered, got %s", p)
		}
		if !m.checked("roles-1") || m.value("org") != "engineering" || !m.checked("distance_pref-3") {
			m.t.Fatal("answers lost when the step was shown again with an error")
		}
	}
	m.tick("track_change-1") // Maybe
}

func (m *enrollBrowser) fillAvailability() {
	m.t.Helper()
	m.choose("time_zone", "Europe/Berlin")
	m.tick("hours-range")
	m.choose("hours-range-from", "10")
	m.choose("hours-range-to", "16")
}

func (m *enrollBrowser) fillInterests() {
	m.t.Helper()
	m.tick("mentor_interests-2") // Leadership
	m.tick("mentee_interests-3") // Communication
}

func (m *enrollBrowser) fillFinish() {
	m.t.Helper()
	m.typeInto("comments", "Looking forward to it.")
	m.tick("consent")
}

// reviewAndSubmit checks the review page and submits.
func (m *enrollBrowser) reviewAndSubmit(enr string) {
	m.t.Helper()
	m.do("reach the review", chromedp.WaitVisible(chromedp.ID(`review-title`)))
	if p := m.path(); p != enr+"/review" {
		m.t.Fatalf("review at %s", p)
	}
	review := m.text(`main`)
	for _, want := range []string{"Mel Member", "Max Boss", "Max.Boss@Example.com", "Mentor, Learner", "Engineering", "IC3",
		"1–2 years", "Far if possible", "Maybe", "Europe/Berlin", "10:00", "16:00", "Leadership", "Communication",
		"Looking forward to it.", "Agreed"} {
		if !strings.Contains(review, want) {
			m.t.Errorf("review lacks %q", want)
		}
	}
	if m.t.Failed() {
		m.t.Fatalf("review page:\n%s", review)
	}
	m.do("submit",
		chromedp.Click(chromedp.CSS(`form[action="`+enr+`/submit"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID(`status-title`)),
	)
	// The text as written (innerText would follow the badge's text-transform).
	if got := enrollRun(m, "status", chromedp.TextContent(chromedp.CSS(`.badge.status-submitted`))); got != "Submitted: waiting for review" {
		m.t.Fatalf("status after submitting: %q", got)
	}
	if got := m.text(`.flash-success`); !strings.Contains(got, "your enrollment is submitted") {
		m.t.Fatalf("no confirmation after submitting: %q", got)
	}
}

// resume signs in again and comes back through "Your enrollments".
func (m *enrollBrowser) resume(enr string) {
	m.t.Helper()
	m.signIn(demo.MemberEmail, "Mel Member")
	m.do("open your enrollments",
		chromedp.Click(chromedp.CSS(`header nav a[href="/enrollments"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.cards a[href="`+enr+`"]`)),
		chromedp.Click(chromedp.CSS(`.cards a[href="`+enr+`"]`)),
	)
	// Back at the first step not finished, with the first step done.
	m.arrive(enr, "role", "Your role", "roles-0", false)
	if done := m.text(`ol.steps li.done`); !strings.HasPrefix(done, "About you") {
		m.t.Fatalf("the first step is not shown as done on resuming: %q", done)
	}
}

func testEnrollJourney(t *testing.T, o browsertest.Options) {
	m := newEnrollBrowser(t, o)
	m.signIn(demo.MemberEmail, "Mel Member")
	enr := m.startEnrollment()

	m.fillAbout()
	if m.js {
		m.setMarker()
	}
	m.next()
	m.arrive(enr, "role", "Your role", "roles-0", m.js)

	m.fillRolePartly()
	m.signOut()
	m.resume(enr)
	if m.js {
		m.setMarker()
	}

	m.finishRole(enr)
	m.next()
	m.arrive(enr, "availability", "When you are available", "time_zone", m.js)
	m.fillAvailability()
	m.next()
	m.arrive(enr, "interests", "What you would like to talk about", "mentor_interests-0", m.js)
	m.fillInterests()
	m.next()
	m.arrive(enr, "finish", "Anything else", "consent", m.js)
	m.fillFinish()
	m.next()
	m.reviewAndSubmit(enr)
}

// A member enrolls with htmx: each step replaces the last without a page
// load, the address follows, focus lands on the new heading; they sign out
// half-way, come back, resume where they stopped and submit.
func TestBrowserEnrollWithHTMX(t *testing.T) {
	testEnrollJourney(t, browsertest.Options{})
}

// The same journey as plain HTML: every step is a form post and a redirect.
func TestBrowserEnrollWithoutJavaScript(t *testing.T) {
	testEnrollJourney(t, browsertest.Options{NoJavaScript: true})
}

// A step with a missing answer comes back with an error summary that links
// to the field, the field marked invalid and everything else as typed; with
// scripts on, the summary has focus.
func TestBrowserValidationFocusesSummary(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts browsertest.Options
	}{
		{"javascript", browsertest.Options{}},
		{"no-javascript", browsertest.Options{NoJavaScript: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := newEnrollBrowser(t, tt.opts)
			m.signIn(demo.MemberEmail, "Mel Member")
			enr := m.startEnrollment()
			m.typeInto("full_name", "")
			m.typeInto("manager_name", "Max Boss")
			m.typeInto("manager_email", "max@example.com")
			if m.js {
				m.setMarker()
			}
			m.next()
			m.do("the error summary appears",
				chromedp.WaitVisible(chromedp.CSS(`.error-summary a[href="#full_name"]`)),
				chromedp.WaitVisible(chromedp.CSS(`#full_name[aria-invalid="true"]`)),
			)
			if got := m.text(`.error-summary`); !strings.Contains(got, "There is a problem") || !strings.Contains(got, "Enter your full name.") {
				t.Fatalf("error summary: %q", got)
			}
			if got := m.text(`#full_name-error`); !strings.Contains(got, "Enter your full name.") {
				t.Fatalf("message by the field: %q", got)
			}
			if got := enrollRun(m, "aria-describedby", chromedp.AttributeValue(chromedp.ID("full_name"), "aria-describedby")); got.Value != "full_name-error" {
				t.Fatalf("the field is not described by its message: %+v", got)
			}
			if m.value("manager_name") != "Max Boss" || m.value("manager_email") != "max@example.com" || m.value("full_name") != "" {
				t.Fatalf("typed values not kept: %q %q %q", m.value("full_name"), m.value("manager_name"), m.value("manager_email"))
			}
			if p := m.path(); p != enr+"/steps/about" {
				t.Fatalf("the step with errors is at %s", p)
			}
			if m.js {
				if !m.markerKept() {
					t.Fatal("the errors came with a full page load; htmx should have swapped the step")
				}
				m.waitFor("focus on the error summary", `document.activeElement && document.activeElement.classList.contains("error-summary")`)
				// The summary's link takes the member to the field.
				m.do("follow the summary's link", chromedp.Click(chromedp.CSS(`.error-summary a[href="#full_name"]`)))
				m.waitFor("focus on the field", `document.activeElement && document.activeElement.id === "full_name"`)
			}

			// Fixing the answer moves on.
			m.typeInto("full_name", "Mel Member")
			m.next()
			m.do("the next step", chromedp.WaitVisible(chromedp.ID(`roles-0`)))
		})
	}
}

// Answers save while the member types: after a pause, the status says so,
// and a reload shows what was typed. Autosave does not judge: even a step
// it saved complete and valid is not marked done until the member presses
// "Save and continue".
func TestBrowserEnrollAutosave(t *testing.T) {
	m := newEnrollBrowser(t, browsertest.Options{})
	m.signIn(demo.MemberEmail, "Mel Member")
	enr := m.startEnrollment()
	for _, field := range []struct{ id, text string }{
		{"manager_name", "Max Boss"},
		{"manager_email", "max@example.com"},
	} {
		if got := m.text(`#autosave-status`); got != "" {
			t.Fatalf("autosave status before typing: %q", got)
		}
		m.setMarker()
		m.do("type into "+field.id, chromedp.SendKeys(chromedp.ID(field.id), field.text))
		// No button pressed and focus stays in the field: only the pause
		// after typing saves.
		m.waitFor("the autosave status", `document.getElementById("autosave-status").textContent.startsWith("Saved at ")`)
		if !m.markerKept() || m.path() != enr+"/steps/about" {
			t.Fatal("autosaving left the page")
		}
		if id := enrollEval[string](m, `document.activeElement.id`); id != field.id {
			t.Fatalf("autosave moved focus to %q", id)
		}
		m.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID(field.id)))
		if m.markerKept() {
			t.Fatal("the page did not reload")
		}
		if got := m.value(field.id); got != field.text {
			t.Fatalf("after reloading, #%s = %q", field.id, got)
		}
	}
	if m.value("full_name") != "Mel Member" || m.value("manager_name") != "Max Boss" {
		t.Fatalf("after reloading: full name %q, manager %q", m.value("full_name"), m.value("manager_name"))
	}
	progress := enrollRun(m, "progress", chromedp.TextContent(chromedp.CSS(`ol.steps`)))
	if strings.Contains(progress, "(completed)") || enrollEval[int](m, `document.querySelectorAll('ol.steps a[href$="/steps/role"]').length`) != 0 {
		t.Fatalf("autosave marked the step done; only Save and continue should: %q", progress)
	}
}
