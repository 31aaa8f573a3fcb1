package designer_test

import (
	"bytes"
	"context"
	"errors"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/designer"
	"cohort/app/forms"
	"cohort/app/web"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type world struct {
	t       *testing.T
	store   *db.Store
	srv     *web.Server
	admin   *apptest.Client
	program *db.Program
	base    string
}

// setup seeds the demo world and a new membership program "club" whose
// form the admin designs.
func setup(t *testing.T, store *db.Store) *world {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Seed(ctx, store, demo.Options{Participants: 3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	p := &db.Program{Slug: "club", Name: "Book club", Kind: db.KindMembership, FormKey: "membership"}
	if err := store.CreateProgram(ctx, p); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, store: store, srv: apptest.New(t, store, nil), program: p, base: "/admin/programs/club/form"}
	w.admin = apptest.NewClient(t, w.srv)
	w.admin.SignInAs(demo.AdminEmail)
	return w
}

var revisionRe = regexp.MustCompile(`name="revision" value="(\d+)"`)

// revision is the draft revision the designer page shows now.
func (w *world) revision() string {
	w.t.Helper()
	res := w.admin.Get(w.base)
	if res.StatusCode != http.StatusOK {
		w.t.Fatalf("designer page: %d: %s", res.StatusCode, res.Body)
	}
	m := revisionRe.FindStringSubmatch(res.Body)
	if m == nil {
		w.t.Fatal("no revision on the page")
	}
	return m[1]
}

// post sends one designer form with the current revision.
func (w *world) post(path string, form url.Values) *apptest.Response {
	w.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("revision") == "" {
		form.Set("revision", w.revision())
	}
	return w.admin.PostForm(w.base+path, form)
}

func (w *world) mustPost(path string, form url.Values) *apptest.Response {
	w.t.Helper()
	res := w.post(path, form)
	if res.StatusCode != http.StatusSeeOther {
		w.t.Fatalf("POST %s: %d, want 303: %s", path, res.StatusCode, errorsOf(res.Body))
	}
	return res
}

var summaryRe = regexp.MustCompile(`(?s)<div class="error-summary".*?</div>`)

// errorsOf is the error summary of a page, or the body when it has none.
func errorsOf(body string) string {
	if m := summaryRe.FindString(body); m != "" {
		return m
	}
	if len(body) > 2000 {
		return body[:2000]
	}
	return body
}

// draft decodes the stored draft.
func (w *world) draft() forms.Document {
	w.t.Helper()
	d, err := w.store.FormDraft(context.Background(), w.program.ID)
	if err != nil {
		w.t.Fatalf("draft: %v", err)
	}
	doc, probs := forms.ImportDocument("draft", []byte(d.Definition))
	if len(probs) > 0 {
		w.t.Fatal(probs)
	}
	return doc
}

func field(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// buildSmall makes a two-step form from nothing: about (name, org select,
// org_other shown for "other"), more (a yes/no).
func (w *world) buildSmall() {
	w.t.Helper()
	w.mustPost("/start", field("source", "empty"))
	w.mustPost("/steps", field("step_key", "about", "step_title", "About you"))
	w.mustPost("/steps/0/fields", field("key", "name", "label", "Your name", "type", "text"))
	w.mustPost("/steps/0/fields", field("key", "org", "label", "Organization", "type", "select", "choices", "eng | Engineering\nother | Other"))
	w.mustPost("/steps/0/fields", field("key", "org_other", "label", "Which one?", "type", "text"))
	vals := fieldForm(w.draft(), 0, 2)
	vals.Set("show_if_field", "org")
	vals.Set("show_if_value", "other")
	w.mustPost("/steps/0/fields/2", vals)
	w.mustPost("/steps", field("step_key", "more", "step_title", "More"))
	w.mustPost("/steps/1/fields", field("key", "ok", "label", "All good?", "type", "boolean"))
}

// fieldForm is the field form of field j of step i as the page fills it.
func fieldForm(doc forms.Document, i, j int) url.Values {
	return url.Values(designer.FieldValues(doc.Steps[i].Fields[j]))
}

func TestBuildPublishAndEnroll(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := setup(t, store)
		w.buildSmall()
		doc := w.draft()
		if got := len(doc.Steps); got != 2 {
			t.Fatalf("steps: %d", got)
		}
		if s := doc.Steps[0].Fields[2].ShowIf; s == nil || s.Field != "org" || s.Equals != "other" {
			t.Fatalf("show_if: %+v", s)
		}
		page := w.admin.Get(w.base + "?step=0")
		for _, want := range []string{"Your name", "Which one?", `data-show-if="org"`, "Try these answers", "no problems", "Hidden until an answer shows them: Which one? (when org is other)"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("designer page lacks %q", want)
			}
		}
		// Try it: a missing required answer? none are required; an unknown option is refused.
		res := w.admin.PostForm(w.base+"/try?step=0", field("name", "Ann", "org", "nope"))
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "error-summary") {
			t.Errorf("try: %d, want the error summary", res.StatusCode)
		}
		w.mustPost("/publish", nil)
		p, err := store.ProgramBySlug(context.Background(), "club")
		if err != nil {
			t.Fatal(err)
		}
		if p.FormVersion != 1 {
			t.Fatalf("form_version %d, want 1", p.FormVersion)
		}
		// Every draft save and the publish are audited, with the request id.
		for action, least := range map[string]int{db.ActionFormDraft: 8, db.ActionFormPublish: 1} {
			evs, err := store.ListAudit(context.Background(), db.AuditQuery{Action: action, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) < least {
				t.Errorf("%s: %d events, want %d or more", action, len(evs), least)
			} else if evs[0].RequestID == "" || evs[0].ActorID == nil {
				t.Errorf("%s: the newest event lacks its actor or request id: %+v", action, evs[0])
			}
		}
		vs := w.admin.Get(w.base + "/versions")
		if vs.StatusCode != http.StatusOK || !strings.Contains(vs.Body, "Version 1") {
			t.Errorf("versions: %d", vs.StatusCode)
		}
		exp := w.admin.Get(w.base + "/export?version=1")
		if _, probs := forms.Import("v1", []byte(exp.Body)); len(probs) > 0 {
			t.Errorf("export does not import: %v", probs)
		}
	})
}

// An owner of one program (program.manage there) designs its form but
// gets 404 for every designer page of another program; a coordinator (no
// program.manage) and a member are refused outright.
func TestOtherProgramsFormIsNotFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := setup(t, store)
		ctx := context.Background()
		admin, err := store.PersonByEmail(ctx, demo.AdminEmail)
		if err != nil {
			t.Fatal(err)
		}
		roles := map[string]string{"owner@example.com": "owner", "coord@example.com": "coordinator"}
		for email, role := range roles {
			p := &db.Person{Email: email, Name: role}
			if err := store.CreatePerson(ctx, p); err != nil {
				t.Fatal(err)
			}
			if err := store.SetProgramRole(ctx, p.ID, w.program.ID, role, admin.ID); err != nil {
				t.Fatal(err)
			}
		}
		owner := apptest.NewClient(t, w.srv)
		owner.SignInAs("owner@example.com")
		if res := owner.Get(w.base); res.StatusCode != http.StatusOK {
			t.Fatalf("owner on own program: %d", res.StatusCode)
		}
		other := "/admin/programs/" + demo.ProgramSlug + "/form"
		for _, path := range []string{"", "/versions", "/export", "/preview?step=0"} {
			if res := owner.Get(other + path); res.StatusCode != http.StatusNotFound {
				t.Errorf("owner GET another program's %q: %d, want 404", path, res.StatusCode)
			}
		}
		for _, path := range []string{"/steps", "/publish", "/steps/0/fields/0/delete", "/try?step=0"} {
			if res := owner.PostForm(other+path, field("revision", "0", "step_key", "x", "step_title", "X")); res.StatusCode != http.StatusNotFound {
				t.Errorf("owner POST another program's %q: %d, want 404", path, res.StatusCode)
			}
		}
		for email, want := range map[string]int{"coord@example.com": http.StatusForbidden, demo.MemberEmail: http.StatusForbidden} {
			c := apptest.NewClient(t, w.srv)
			c.SignInAs(email)
			if res := c.Get(w.base); res.StatusCode != want {
				t.Errorf("%s: %d, want %d", email, res.StatusCode, want)
			}
			if res := c.PostForm(w.base+"/steps", field("revision", "0", "step_key", "x", "step_title", "X")); res.StatusCode != want {
				t.Errorf("%s POST: %d, want %d", email, res.StatusCode, want)
			}
		}
		if _, err := store.FormDraft(ctx, w.program.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a refused person left a draft: %v", err)
		}
	})
}

// Two admins save the same draft revision at once: exactly one wins, the
// other is told someone else changed the form, and the draft holds the
// winner's change whole.
func TestConcurrentSavesConflict(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := setup(t, store)
		w.mustPost("/start", field("source", "empty"))
		rev := w.revision()
		second := apptest.NewClient(t, w.srv)
		second.SignInAs(demo.AdminEmail)
		type result struct {
			status int
			body   string
		}
		results := make(chan result, 2)
		for i, c := range []*apptest.Client{w.admin, second} {
			go func() {
				res := c.PostForm(w.base+"/steps", field("revision", rev, "step_key", "s"+strconv.Itoa(i), "step_title", "Step "+strconv.Itoa(i)))
				results <- result{res.StatusCode, res.Body}
			}()
		}
		var won, lost int
		for range 2 {
			r := <-results
			switch r.status {
			case http.StatusSeeOther:
				won++
			case http.StatusConflict:
				lost++
				if !strings.Contains(r.body, "Someone else changed this form; reload to see their changes.") {
					t.Errorf("the conflict does not say so")
				}
			default:
				t.Errorf("status %d", r.status)
			}
		}
		if won != 1 || lost != 1 {
			t.Fatalf("won %d, lost %d; want one each", won, lost)
		}
		if doc := w.draft(); len(doc.Steps) != 1 {
			t.Errorf("draft has %d steps, want the winner's one", len(doc.Steps))
		}
		// A page loaded before a save is stale too, and keeps what was typed.
		res := w.admin.PostForm(w.base+"/steps", field("revision", rev, "step_key", "late", "step_title", "Typed by me"))
		if res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, "Typed by me") {
			t.Errorf("stale page: %d; the typed title is kept: %v", res.StatusCode, strings.Contains(res.Body, "Typed by me"))
		}
	})
}

// Start from an uploaded file: JSON mistakes are refused with the
// decoder's message; a file that decodes but has problems becomes the
// draft, its problems listed, and publishing it is refused. Export of
// the draft gives the file back.
func TestStartFromUpload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := setup(t, store)
		upload := func(name, content string) *apptest.Response {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			_ = mw.WriteField("_csrf", w.admin.CSRF)
			_ = mw.WriteField("revision", w.revision())
			_ = mw.WriteField("source", "upload")
			fw, _ := mw.CreateFormFile("file", name)
			_, _ = fw.Write([]byte(content))
			_ = mw.Close()
			req := httptest.NewRequest(http.MethodPost, w.base+"/start", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			return w.admin.Do(req)
		}
		res := upload("bad.json", "{\n\"key\": \"x\",,\n}")
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(res.Body), "bad.json: invalid JSON on line 2") {
			t.Errorf("bad JSON: %d %s", res.StatusCode, errorsOf(res.Body))
		}
		res = upload("odd.json", `{"key": "x", "version": 1, "title": "X", "kind": "membership", "colour": "red"}`)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(res.Body), `unknown field "colour"`) {
			t.Errorf("unknown key: %d %s", res.StatusCode, errorsOf(res.Body))
		}
		withProblem := `{"key": "x", "version": 1, "title": "X", "kind": "membership", "steps": [{"key": "a", "title": "A", "fields": [
			{"key": "q", "type": "select", "label": "Q"}]}]}`
		if res = upload("draft.json", withProblem); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("a file with problems: %d %s", res.StatusCode, errorsOf(res.Body))
		}
		page := html.UnescapeString(w.admin.Get(w.base).Body)
		if !strings.Contains(page, `Field "q": select field needs options`) {
			t.Errorf("the draft's problem is not listed")
		}
		res = w.post("/publish", nil)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "cannot be published while it has problems") {
			t.Errorf("publish with problems: %d", res.StatusCode)
		}
		if p, _ := store.ProgramBySlug(context.Background(), "club"); p.FormVersion != 0 {
			t.Errorf("published anyway: version %d", p.FormVersion)
		}
		exp := w.admin.Get(w.base + "/export")
		if doc, probs := forms.ImportDocument("export", []byte(exp.Body)); len(probs) > 0 || len(doc.Steps) != 1 || doc.Steps[0].Fields[0].Key != "q" {
			t.Errorf("export of the draft: %v %s", probs, exp.Body)
		}
		if !strings.Contains(exp.Header.Get("Content-Disposition"), `filename="club-form-draft.json"`) {
			t.Errorf("disposition %q", exp.Header.Get("Content-Disposition"))
		}
		// Discard: the draft goes, the form shown is the built-in one again.
		w.mustPost("/discard", nil)
		if _, err := store.FormDraft(context.Background(), w.program.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("draft after discard: %v", err)
		}
	})
}

// htmx posts get the designer region with focus on the changed item and
// the confirmation swapped into the announced flash region; a refused
// edit gets the error summary, focused.
func TestHTMXEdits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := setup(t, store)
		w.mustPost("/start", field("source", "builtin:membership"))
		rev := w.revision()
		w.admin.Header.Set("HX-Request", "true")
		res := w.admin.PostForm(w.base+"/steps/0/move", field("revision", rev, "dir", "down"))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("htmx move: %d %s", res.StatusCode, errorsOf(res.Body))
		}
		for _, want := range []string{`id="designer"`, `id="d-step-1" tabindex="-1" aria-labelledby="d-step-1-title" data-autofocus`, `hx-swap-oob="true"`, "Step moved."} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("htmx response lacks %q", want)
			}
		}
		if strings.Contains(res.Body, "<html") {
			t.Errorf("htmx got the whole page")
		}
		// The live preview draws the question as typed, and saves nothing.
		before, _ := store.FormDraft(context.Background(), w.program.ID)
		typed := fieldForm(w.draft(), 1, 0)
		typed.Set("label", "Typed, not saved")
		res = w.admin.PostForm(w.base+"/steps/1/fields/0/preview", typed)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Typed, not saved") || strings.Contains(res.Body, `id="designer"`) {
			t.Errorf("live preview: %d", res.StatusCode)
		}
		if after, _ := store.FormDraft(context.Background(), w.program.ID); after.Revision != before.Revision || after.Definition != before.Definition {
			t.Errorf("the live preview saved the draft")
		}
		res = w.admin.PostForm(w.base+"/steps", field("revision", strconv.Itoa(mustAtoi(t, rev)+1), "step_key", "Bad", "step_title", "B"))
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `class="error-summary" role="alert"`) {
			t.Errorf("htmx refusal: %d", res.StatusCode)
		}
	})
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Every field type can be added through the add form alone (with choices
// where the type needs them) and the result publishes.
func TestEveryFieldTypeThroughTheDesigner(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := setup(t, store)
		w.mustPost("/start", field("source", "empty"))
		w.mustPost("/steps", field("step_key", "all", "step_title", "Everything"))
		w.mustPost("/steps/0/fields", field("key", "zone", "label", "Zone", "type", "timezone"))
		choices := map[forms.FieldType]string{forms.TypeSelect: "a | A\nb | B", forms.TypeRadio: "a\nb",
			forms.TypeCheckboxes: "a | A\nnone | None", forms.TypeInterests: "Go\nSQL"}
		for _, ty := range designer.FieldTypes {
			if ty == forms.TypeTimezone {
				continue
			}
			w.mustPost("/steps/0/fields", field("key", "q_"+string(ty), "label", "Q "+string(ty), "type", string(ty), "choices", choices[ty]))
		}
		doc := w.draft()
		if got := len(doc.Steps[0].Fields); got != len(designer.FieldTypes) {
			t.Fatalf("%d fields, want %d", got, len(designer.FieldTypes))
		}
		if f := doc.Steps[0].Fields[len(doc.Steps[0].Fields)-1]; f.Type != forms.TypeConsent {
			t.Errorf("last field %s", f.Type)
		}
		w.mustPost("/publish", nil)
		if v, err := store.FormVersion(context.Background(), w.program.ID, 1); err != nil || !strings.Contains(v.Definition, `"q_availability"`) {
			t.Fatalf("published: %v", err)
		}
	})
}

// Starting from each built-in form (in a program of its kind) and
// exporting the draft gives the built-in definition back, byte for byte in
// the export format.
func TestStartFromBuiltinExportsIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := setup(t, store)
		reg, err := forms.Builtin()
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range reg.Keys() {
			def, _ := reg.Get(key)
			p := &db.Program{Slug: "rt-" + key, Name: "Round trip " + key, Kind: def.Kind, FormKey: "membership"}
			if err := store.CreateProgram(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			w.program, w.base = p, "/admin/programs/"+p.Slug+"/form"
			w.mustPost("/start", field("source", "builtin:"+key))
			exp := w.admin.Get(w.base + "/export")
			want, err := forms.Export(def)
			if err != nil {
				t.Fatal(err)
			}
			if exp.Body != string(want) {
				t.Errorf("%s: the exported draft differs from the built-in form", key)
			}
			if _, probs := forms.Import("export", []byte(exp.Body)); len(probs) > 0 {
				t.Errorf("%s: export does not import: %v", key, probs)
			}
		}
	})
}

// A second version lists who published it and, in words, what changed
// since the first: a question added, one removed, an option added.
func TestVersionHistoryDiff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := setup(t, store)
		w.buildSmall()
		w.mustPost("/publish", nil)
		w.mustPost("/steps/1/fields", field("key", "bio", "label", "About you in a line", "type", "textarea"))
		w.mustPost("/steps/0/fields/2/delete", nil)
		vals := fieldForm(w.draft(), 0, 1)
		vals.Set("new_opt_value", "sales")
		vals.Set("new_opt_label", "Sales")
		w.mustPost("/steps/0/fields/1", vals)
		w.mustPost("/publish", nil)
		page := html.UnescapeString(w.admin.Get(w.base + "/versions").Body)
		for _, want := range []string{"Version 2", "Version 1", "Changes from version 1", "Ada Admin",
			`option "Sales" added`, `Field "bio" (About you in a line) added to step "More"`,
			`Field "org_other" (Which one?) removed from step "About you"`} {
			if !strings.Contains(page, want) {
				t.Errorf("versions page lacks %q", want)
			}
		}
	})
}

// A mentoring program's designer says in words what pairing still needs.
func TestPairingNeedsInWords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := setup(t, store)
		p := &db.Program{Slug: "mentors", Name: "Mentors", Kind: db.KindMentoring, FormKey: "mentoring"}
		if err := store.CreateProgram(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		w.program, w.base = p, "/admin/programs/mentors/form"
		if page := w.admin.Get(w.base).Body; !strings.Contains(page, "Pairing has every field it needs.") {
			t.Errorf("the built-in mentoring form is complete for pairing")
		}
		w.mustPost("/start", field("source", "builtin:membership"))
		page := html.UnescapeString(w.admin.Get(w.base).Body)
		if !strings.Contains(page, "Pairing needs") || !strings.Contains(page, "time zone") {
			t.Errorf("pairing needs are not listed:\n%s", errorsOf(page))
		}
	})
}

// An application's eligibility rules are listed in words and edited one
// rule at a time; a rule the checker refuses names the question.
func TestEligibilityEditor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := setup(t, store)
		p := &db.Program{Slug: "grants", Name: "Grants", Kind: db.KindApplication, FormKey: "application"}
		if err := store.CreateProgram(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		w.program, w.base = p, "/admin/programs/grants/form"
		page := html.UnescapeString(w.admin.Get(w.base).Body)
		for _, want := range []string{"Eligibility rules", "age is at least 65", "benefits_received includes any of snap, medicaid",
			"income is at most the limit for the household size in household_size"} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		w.mustPost("/benefits/2/rules", field("rule_list", "all", "rule_field", "household_size", "rule_op", "lte", "rule_value", "4"))
		if got := w.draft().Eligibility.Benefits[2].All; len(got) != 3 || got[2].Value != 4.0 {
			t.Fatalf("rule not added: %+v", got)
		}
		w.mustPost("/benefits", field("benefit_key", "food", "benefit_name", "Food bank", "rule_field", "benefits_received", "rule_op", "contains_none", "rule_value", "snap"))
		if bs := w.draft().Eligibility.Benefits; len(bs) != 4 || bs[3].Key != "food" {
			t.Fatalf("benefit not added")
		}
		w.mustPost("/benefits/2/rules/all/0/delete", nil)
		if got := w.draft().Eligibility.Benefits[2].All; len(got) != 2 || got[0].Field != "in_service_area" {
			t.Fatalf("rule not deleted: %+v", got)
		}
		w.mustPost("/benefits/3/delete", nil)
		for _, tt := range []struct {
			path string
			form url.Values
			want string
		}{
			{"/benefits/0/rules", field("rule_list", "all", "rule_field", "benefits_received", "rule_op", "eq", "rule_value", "gold"), `Field "benefits_received": eligibility: benefit "transit": op eq cannot test a checkboxes field`},
			{"/benefits/0/rules", field("rule_list", "all", "rule_field", "in_service_area", "rule_op", "eq", "rule_value", "maybe"), "in_service_area is a yes/no question: enter yes or no"},
			{"/benefits/0/rules", field("rule_list", "all", "rule_field", "full_name", "rule_op", "gt", "rule_value", "3"), `Field "full_name": eligibility: benefit "transit": op gt cannot test a text field`},
			{"/benefits/0/rules", field("rule_list", "all", "rule_field", "age", "rule_op", "gte", "rule_value", "old"), "age is a number question: enter a number"},
			{"/benefits/0/rules", field("rule_list", "some", "rule_field", "age", "rule_op", "gte", "rule_value", "1"), "Choose whether every rule must hold"},
			{"/benefits", field("benefit_key", "transit", "benefit_name", "Again", "rule_field", "age", "rule_op", "gte", "rule_value", "1"), "duplicate benefit key"},
			{"/benefits", field("benefit_name", "No key", "rule_field", "age", "rule_op", "gte", "rule_value", "1"), "Enter a key for the benefit"},
			{"/benefits/9/delete", nil, "That benefit no longer exists"},
			{"/steps/0/fields/2/delete", nil, `Field "in_service_area": eligibility: benefit "transit": rule field "in_service_area" is not a field`},
		} {
			before, def := w.storedRevision()
			form := tt.form
			if form == nil {
				form = url.Values{}
			}
			form.Set("revision", strconv.Itoa(before))
			res := w.admin.PostForm(w.base+tt.path, form)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(errorsOf(res.Body)), tt.want) {
				t.Errorf("%s %v: %d, want 422 saying %q:\n%s", tt.path, tt.form, res.StatusCode, tt.want, errorsOf(res.Body))
			}
			if after, d2 := w.storedRevision(); after != before || d2 != def {
				t.Errorf("%s: the draft changed", tt.path)
			}
		}
	})
}
