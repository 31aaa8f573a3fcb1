package enroll_test

import (
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/forms"
	"cohort/db"
	"cohort/db/dbtest"
)

// clubV1 is a form made from nothing, as the designer would save it.
func clubV1() forms.Document {
	return forms.Document{Key: "club", Version: 1, Title: "Join the club", Kind: forms.KindMembership,
		Steps: []*forms.Step{
			{Key: "about", Title: "About you", Fields: []*forms.Field{
				{Key: "full_name", Type: forms.TypeText, Label: "Full name", Required: true, RequiredMessage: "Enter your name.",
					Column: forms.ColFullName},
				{Key: "team", Type: forms.TypeSelect, Label: "Team", Required: true, RequiredMessage: "Choose a team.",
					Options: []forms.Option{{Value: "red", Label: "Red team"}, {Value: "blue", Label: "Blue team"}, {Value: "green", Label: "Green team"}}},
			}},
			{Key: "more", Title: "A bit more", Fields: []*forms.Field{
				{Key: "nickname", Type: forms.TypeText, Label: "Nickname"},
			}},
		}}
}

// clubV2 changes v1: the nickname question goes, a required shirt size
// comes, green is no longer a team, and a step is added.
func clubV2() forms.Document {
	doc := clubV1()
	doc.Version = 2
	team := doc.Steps[0].Fields[1]
	team.Options = team.Options[:2]
	doc.Steps[1].Fields = []*forms.Field{{Key: "shirt", Type: forms.TypeRadio, Label: "Shirt size", Required: true,
		RequiredMessage: "Choose a shirt size.", Options: []forms.Option{{Value: "s", Label: "Small"}, {Value: "m", Label: "Medium"}}}}
	doc.Steps = append(doc.Steps, &forms.Step{Key: "extra", Title: "Extra", Fields: []*forms.Field{
		{Key: "diet", Type: forms.TypeTextarea, Label: "Dietary needs"}}})
	return doc
}

// A program whose form is made and published through the store, enrolled
// in, changed (a field added and one removed, an option removed, a step
// added) and published again: a submitted enrollment keeps its version
// and is not sent back; a draft moves to the new version at its next save
// and must answer the new required question; staff see what was not
// asked, what is no longer asked and the option no longer offered, on
// the page and in the CSV; Diff names every change.
func TestFormVersionsJourney(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		p := w.program(t, "club", "membership", 0)
		admin, err := s.PersonByEmail(ctx, demo.AdminEmail)
		if err != nil {
			t.Fatal(err)
		}
		publish := func(doc forms.Document) *forms.Definition {
			t.Helper()
			def, probs := forms.Build("club", doc)
			if len(probs) > 0 {
				t.Fatal(probs)
			}
			data, err := forms.Export(def)
			if err != nil {
				t.Fatal(err)
			}
			rev, err := s.SaveFormDraft(ctx, p.ID, string(data), 0, admin.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.PublishFormDraft(ctx, p.ID, rev, admin.ID); err != nil {
				t.Fatal(err)
			}
			return def
		}
		v1 := publish(clubV1())

		// Alice submits under version 1; Bob answers both steps and stops.
		alice, bob := member(t, w, "alice@example.com"), member(t, w, "bob@example.com")
		aliceEnr, bobEnr := start(t, alice, p.Slug), start(t, bob, p.Slug)
		if page := alice.Get(aliceEnr + "/steps/about"); !strings.Contains(page.Body, "Green team") {
			t.Fatalf("the published form is not the one asked: %s", errorsIn(page.Body))
		}
		mustStep(t, alice, aliceEnr, "about", url.Values{"full_name": {"Alice A"}, "team": {"green"}}, "/steps/more")
		mustStep(t, alice, aliceEnr, "more", url.Values{"nickname": {"Al"}}, "/review")
		if res := alice.PostForm(aliceEnr+"/submit", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("submit = %d: %s", res.StatusCode, errorsIn(res.Body))
		}
		mustStep(t, bob, bobEnr, "about", url.Values{"full_name": {"Bob B"}, "team": {"red"}}, "/steps/more")
		mustStep(t, bob, bobEnr, "more", url.Values{"nickname": {"Bobby"}}, "/review")
		for _, enr := range []string{aliceEnr, bobEnr} {
			if e := enrollment(t, s, enr); e.FormVersion != 1 {
				t.Fatalf("%s answered under version %d, want 1", enr, e.FormVersion)
			}
		}

		v2 := publish(clubV2())
		var diff []string
		for _, c := range forms.Diff(v1, v2) {
			diff = append(diff, c.Text)
		}
		for _, want := range []string{`Field "nickname" (Nickname) removed from step "A bit more"`,
			`Field "shirt" (Shirt size) added to step "A bit more"`, `Field "team": option "Green team" removed`,
			`Step "Extra" added`, `Field "diet" (Dietary needs) added to step "Extra"`} {
			if !slices.Contains(diff, want) {
				t.Errorf("Diff lacks %q: %q", want, diff)
			}
		}

		// Alice is not sent back: her status page shows, her version stays.
		if res := alice.Get(aliceEnr); res.StatusCode != http.StatusOK {
			t.Fatalf("submitted status page = %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if page := alice.Get(aliceEnr + "/steps/more"); page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "Nickname") ||
			strings.Contains(page.Body, "Shirt size") {
			t.Fatalf("a submitted enrollment edits under its own version: %d", page.StatusCode)
		}
		if e := enrollment(t, s, aliceEnr); e.FormVersion != 1 || e.Status != db.StatusSubmitted {
			t.Fatalf("Alice = version %d, %s", e.FormVersion, e.Status)
		}

		// Bob's draft takes the new form: the new required question stops
		// him, green is gone, and his first save records version 2.
		if res := bob.Get(bobEnr); res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "/steps/more") {
			t.Fatalf("the draft opens at %d %s, want the step with the new question", res.StatusCode, res.Header.Get("Location"))
		}
		if page := bob.Get(bobEnr + "/steps/about"); strings.Contains(page.Body, "Green team") {
			t.Error("a removed option is still offered")
		}
		if res := post(t, bob, bobEnr+"/steps/more", url.Values{}); res.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(res.Body, "Choose a shirt size.") {
			t.Fatalf("the new required field: %d %s", res.StatusCode, errorsIn(res.Body))
		}
		if e := enrollment(t, s, bobEnr); e.FormVersion != 2 || e.Answers["nickname"] != "Bobby" {
			t.Fatalf("Bob after a save = version %d, answers %v", e.FormVersion, e.Answers)
		}
		mustStep(t, bob, bobEnr, "more", url.Values{"shirt": {"m"}}, "/steps/extra")
		mustStep(t, bob, bobEnr, "extra", url.Values{"diet": {"none"}}, "/review")
		if res := bob.PostForm(bobEnr+"/submit", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("Bob's submit = %d: %s", res.StatusCode, errorsIn(res.Body))
		}

		// Staff see both, each against its version.
		staff := apptest.NewClient(t, w.srv)
		staff.SignInAs(demo.StaffEmail)
		base := "/staff/programs/" + p.Slug + "/participants/"
		aliceID, bobID := enrollment(t, s, aliceEnr).ID, enrollment(t, s, bobEnr).ID
		page := staff.Get(base + strconv.FormatInt(aliceID, 10))
		if page.StatusCode != http.StatusOK {
			t.Fatalf("staff detail = %d", page.StatusCode)
		}
		body := html.UnescapeString(page.Body)
		for _, want := range []string{"<dt>Shirt size</dt><dd class=\"muted\">not asked when this person enrolled</dd>",
			"<dt>Dietary needs</dt><dd class=\"muted\">not asked when this person enrolled</dd>",
			"<h3>No longer asked</h3>", "<dt>Nickname</dt><dd>Al</dd>",
			"<dt>Team</dt><dd>Green team (option no longer offered)</dd>"} {
			if !strings.Contains(body, want) {
				t.Errorf("Alice's page lacks %q", want)
			}
		}
		body = html.UnescapeString(staff.Get(base + strconv.FormatInt(bobID, 10)).Body)
		for _, want := range []string{"<dt>Shirt size</dt><dd>Medium</dd>", "<dt>Nickname</dt><dd>Bobby</dd>", "<dt>Team</dt><dd>Red team</dd>"} {
			if !strings.Contains(body, want) {
				t.Errorf("Bob's page lacks %q", want)
			}
		}
		if strings.Contains(body, "not asked when") {
			t.Error("Bob was asked everything")
		}

		res := staff.Get(strings.TrimSuffix(base, "/") + ".csv")
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\ufeff"))).ReadAll()
		if err != nil || len(recs) != 3 {
			t.Fatalf("CSV: %v, %d records", err, len(recs))
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		for _, h := range []string{"Full name", "Team", "Shirt size", "Dietary needs", "Nickname (no longer asked)"} {
			if _, ok := col[h]; !ok {
				t.Fatalf("CSV header lacks %q: %q", h, recs[0])
			}
		}
		rows := map[string][]string{}
		for _, r := range recs[1:] {
			rows[r[0]] = r
		}
		a, b := rows[strconv.FormatInt(aliceID, 10)], rows[strconv.FormatInt(bobID, 10)]
		for _, c := range []struct {
			row       []string
			col, want string
		}{
			{a, "Team", "Green team (option no longer offered)"},
			{a, "Shirt size", forms.NotAskedText},
			{a, "Nickname (no longer asked)", "Al"},
			{b, "Team", "Red team"},
			{b, "Shirt size", "Medium"},
			{b, "Dietary needs", "none"},
			{b, "Nickname (no longer asked)", "Bobby"},
		} {
			if c.row == nil || c.row[col[c.col]] != c.want {
				t.Errorf("CSV %s = %q, want %q", c.col, c.row, c.want)
			}
		}
	})
}

func member(t *testing.T, w *world, email string) *apptest.Client {
	t.Helper()
	if err := w.store.CreatePerson(context.Background(), &db.Person{Email: email, Name: email}); err != nil {
		t.Fatal(err)
	}
	c := apptest.NewClient(t, w.srv)
	c.SignInAs(email)
	return c
}

func mustStep(t *testing.T, c *apptest.Client, enr, step string, form url.Values, next string) {
	t.Helper()
	res := post(t, c, enr+"/steps/"+step, form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != enr+next {
		t.Fatalf("step %s = %d %s: %s", step, res.StatusCode, res.Header.Get("Location"), errorsIn(res.Body))
	}
}

func enrollment(t *testing.T, s *db.Store, enr string) *db.Enrollment {
	t.Helper()
	id, err := strconv.ParseInt(strings.TrimPrefix(enr, "/enrollments/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.EnrollmentByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// A step save reads its form from the cache: once a version has been
// used, saves go on even if its row could no longer be read.
func TestPublishedFormIsCached(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		p := w.program(t, "club", "membership", 0)
		admin, err := s.PersonByEmail(ctx, demo.AdminEmail)
		if err != nil {
			t.Fatal(err)
		}
		def, probs := forms.Build("club", clubV1())
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		data, _ := forms.Export(def)
		rev, err := s.SaveFormDraft(ctx, p.ID, string(data), 0, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.PublishFormDraft(ctx, p.ID, rev, admin.ID); err != nil {
			t.Fatal(err)
		}
		c := member(t, w, "cache@example.com")
		enr := start(t, c, p.Slug)
		mustStep(t, c, enr, "about", url.Values{"full_name": {"C"}, "team": {"red"}}, "/steps/more")
		if _, err := s.DB().NewDelete().Table("form_versions").Where("program_id = ?", p.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			mustStep(t, c, enr, "about", url.Values{"full_name": {"C" + strconv.Itoa(i)}, "team": {"blue"}}, "/steps/more")
		}
	})
}
