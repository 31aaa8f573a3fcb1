package designer_test

import (
	"context"
	"net/http"
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
		for _, want := range []string{"Your name", "Which one?", `data-show-if="org"`, "Try these answers", "no problems"} {
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
		vs := w.admin.Get(w.base + "/versions")
		if vs.StatusCode != http.StatusOK || !strings.Contains(vs.Body, "Version 1") {
			t.Errorf("versions: %d", vs.StatusCode)
		}
		exp := w.admin.Get(w.base + "/export?version=1")
		if _, probs := forms.Import("v1", []byte(exp.Body)); len(probs) > 0 {
			t.Errorf("export does not import: %v", probs)
		}
		_ = strconv.Itoa
	})
}
