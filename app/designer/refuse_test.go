package designer_test

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"cohort/app/designer"
	"cohort/app/forms"
	"cohort/db"
	"cohort/db/dbtest"
)

// richDoc is a valid membership form with a field of most types, published
// as version 1 before the refused edits are tried.
func richDoc() forms.Document {
	opt := func(v string) forms.Option { return forms.Option{Value: v, Label: strings.ToUpper(v)} }
	return forms.Document{Key: "club", Version: 1, Title: "Join the club", Kind: forms.KindMembership, Steps: []*forms.Step{
		{Key: "about", Title: "About you", Fields: []*forms.Field{
			{Key: "name", Type: forms.TypeText, Label: "Name", Column: forms.ColFullName},
			{Key: "org", Type: forms.TypeSelect, Label: "Org", Options: []forms.Option{opt("eng"), opt("other")}},
			{Key: "org_other", Type: forms.TypeText, Label: "Which?", ShowIf: &forms.ShowIf{Field: "org", Equals: "other"}},
		}},
		{Key: "more", Title: "More", Fields: []*forms.Field{
			{Key: "ok", Type: forms.TypeBoolean, Label: "OK?"},
			{Key: "tz", Type: forms.TypeTimezone, Label: "Zone"},
			{Key: "when", Type: forms.TypeAvailability, Label: "When", TimezoneField: "tz"},
			{Key: "count", Type: forms.TypeNumber, Label: "How many"},
			{Key: "start", Type: forms.TypeDate, Label: "Start"},
			{Key: "likes", Type: forms.TypeCheckboxes, Label: "Likes", Options: []forms.Option{opt("x"), opt("y")}},
			{Key: "topics", Type: forms.TypeInterests, Label: "Topics", Presets: []string{"Go", "SQL"}},
			{Key: "cv", Type: forms.TypeFile, Label: "CV", Accept: []string{"application/pdf"}, MaxSize: 1000},
		}},
	}}
}

// publishRich stores richDoc as the draft and publishes it through the page.
func (w *world) publishRich() {
	w.t.Helper()
	data, err := forms.ExportDocument(richDoc())
	if err != nil {
		w.t.Fatal(err)
	}
	admin, err := w.store.PersonByEmail(context.Background(), "admin@example.com")
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.store.SaveFormDraft(context.Background(), w.program.ID, string(data), 0, admin.ID); err != nil {
		w.t.Fatal(err)
	}
	w.mustPost("/publish", nil)
}

// storedRevision is the draft's revision in the store (0: no draft).
func (w *world) storedRevision() (int, string) {
	d, err := w.store.FormDraft(context.Background(), w.program.ID)
	if errors.Is(err, db.ErrNotFound) {
		return 0, ""
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return d.Revision, d.Definition
}

// edit is the field form of a richDoc field with some inputs replaced.
func edit(step, idx int, kv ...string) url.Values {
	v := url.Values(designer.FieldValues(richDoc().Steps[step].Fields[idx]))
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// Every invalid edit is refused with a message naming the field or input,
// the draft stays as it was and the published version never changes.
func TestInvalidEditsRefused(t *testing.T) {
	const (
		name = iota
		org
		orgOther
	)
	const (
		ok = iota
		tz
		when
		count
		start
		likes
		topics
		cv
	)
	f := func(i, j int) string { return "/steps/" + strconv.Itoa(i) + "/fields/" + strconv.Itoa(j) }
	tests := []struct {
		name, path string
		form       url.Values
		want       string
	}{
		{"duplicate key", "/steps/1/fields", field("key", "name", "label", "Again", "type", "text"), `Field "name": duplicate field key`},
		{"key with capitals", "/steps/1/fields", field("key", "Bad", "label", "Bad", "type", "text"), `Field "Bad": field key must be lower-case`},
		{"key with a space", "/steps/1/fields", field("key", "two words", "label", "Q", "type", "text"), `Field "two words"`},
		{"no key", "/steps/1/fields", field("label", "Q", "type", "text"), "Enter a key"},
		{"no label", "/steps/1/fields", field("key", "q", "type", "text"), "Enter the question"},
		{"unknown type", "/steps/1/fields", field("key", "q", "label", "Q", "type", "txt"), `Field "q": unknown type "txt"`},
		{"select without options", "/steps/1/fields", field("key", "q", "label", "Q", "type", "select"), `Field "q": select field needs options`},
		{"radio without options", "/steps/1/fields", field("key", "q", "label", "Q", "type", "radio"), `Field "q": radio field needs options`},
		{"checkboxes without options", "/steps/1/fields", field("key", "q", "label", "Q", "type", "checkboxes"), `Field "q": checkboxes field needs options`},
		{"interests without presets", "/steps/1/fields", field("key", "q", "label", "Q", "type", "interests"), `Field "q": interests field needs presets`},
		{"availability with no zone before it", "/steps/0/fields", field("key", "q", "label", "Q", "type", "availability"), `Field "q": availability field needs timezone_field`},
		{"key clashing with an availability input", "/steps/1/fields", field("key", "when_mode", "label", "Q", "type", "text"), `Field "when_mode": key clashes with input`},
		{"show_if to a missing field", f(0, orgOther), edit(0, orgOther, "show_if_field", "nope"), `Field "org_other": show_if field "nope" is not a field`},
		{"show_if to a later field in the step", f(0, name), edit(0, name, "show_if_field", "org", "show_if_value", "eng"), `Field "name": show_if field "org" comes after this field`},
		{"show_if to a later step", f(0, name), edit(0, name, "show_if_field", "ok", "show_if_value", "yes"), `Field "name": show_if field "ok" is in a later step`},
		{"show_if to itself", f(0, orgOther), edit(0, orgOther, "show_if_field", "org_other", "show_if_value", "x"), `Field "org_other": show_if refers to the field itself`},
		{"show_if value that is no option", f(0, orgOther), edit(0, orgOther, "show_if_value", "zzz"), `Field "org_other": show_if value "zzz" is not an option`},
		{"show_if contains on a select", f(0, orgOther), edit(0, orgOther, "show_if_op", "contains"), `Field "org_other": show_if contains is only for checkboxes`},
		{"show_if on a number with a word", f(1, start), edit(1, start, "show_if_field", "count", "show_if_value", "many"), "a number question compares with a number"},
		{"show_if on a yes/no with a word", f(1, count), edit(1, count, "show_if_field", "ok", "show_if_value", "maybe"), "a yes/no question compares with yes or no"},
		{"show_if on an availability", f(1, count), edit(1, count, "show_if_field", "when", "show_if_value", "9"), `Field "count": show_if cannot depend on availability field "when"`},
		{"show_if without a value", f(0, orgOther), edit(0, orgOther, "show_if_value", ""), "enter the answer that shows this question"},
		{"removing an option a show_if uses", f(0, org), edit(0, org, "op", "opt-remove-1"), `Field "org_other": show_if value "other" is not an option of field "org"`},
		{"renaming an option a show_if uses", f(0, org), func() url.Values {
			v := edit(0, org)
			v["opt_value"] = []string{"eng", "else"}
			return v
		}(), `Field "org_other": show_if value "other"`},
		{"clearing every option", f(0, org), func() url.Values {
			v := edit(0, org)
			v["opt_value"], v["opt_label"] = []string{"", ""}, []string{"", ""}
			return v
		}(), `Field "org": select field needs options`},
		{"duplicate option value", f(1, likes), edit(1, likes, "new_opt_value", "x"), `Field "likes": duplicate option value "x"`},
		{"exclusive on a select option", f(0, org), edit(0, org, "opt_exclusive", "0"), `Field "org": option "eng": exclusive is only for checkboxes`},
		{"deleting a field a show_if uses", f(0, org) + "/delete", field(), `Field "org_other": show_if field "org" is not a field`},
		{"deleting the zone an availability uses", f(1, tz) + "/delete", field(), `Field "when": timezone_field "tz" is not a field`},
		{"moving a field above the one it depends on", f(0, orgOther) + "/move", field("dir", "up"), `Field "org_other": show_if field "org" comes after`},
		{"moving the zone below the availability", f(1, tz) + "/move", field("dir", "down"), `Field "when": timezone_field "tz" comes after`},
		{"column mapped twice", f(0, orgOther), edit(0, orgOther, "column", "full_name"), `Field "org_other": column "full_name" is already filled by field "name"`},
		{"column of an incompatible type", f(1, count), edit(1, count, "column", "org"), `Field "count": column "org" cannot be filled by a number field`},
		{"unknown column", f(0, name), edit(0, name, "column", "salary"), `Field "name": unknown column "salary"`},
		{"roles column with other options", f(0, org), edit(0, org, "column", "roles"), `Field "org": roles column: option value "eng" is not mentor, learner or mentee`},
		{"bad pattern", f(0, name), edit(0, name, "pattern", "("), `Field "name": invalid pattern`},
		{"pattern on a number", f(1, count), edit(1, count, "pattern", "[0-9]+"), `Field "count": min_length, max_length and pattern are only for text`},
		{"min greater than max", f(1, count), edit(1, count, "min", "5", "max", "1"), `Field "count": min 5 is greater than max 1`},
		{"min that is no number or date", f(1, count), edit(1, count, "min", "soon"), "enter a number, a date like 2026-03-01, or today"},
		{"date min after max", f(1, start), edit(1, start, "min", "2027-01-01", "max", "2026-01-01"), `Field "start": min 2027-01-01 is after max 2026-01-01`},
		{"date bound on a number", f(1, count), edit(1, count, "min", "2026-01-01"), `Field "count": min and max must be numbers`},
		{"availability bound over 24 hours", f(1, when), edit(1, when, "min", "30"), `Field "when": min and max of an availability field are whole hours`},
		{"min_length over max_length", f(0, name), edit(0, name, "min_length", "9", "max_length", "2"), `Field "name": min_length 9 is greater than max_length 2`},
		{"negative max_length", f(0, name), edit(0, name, "max_length", "-2"), `Field "name": min_length and max_length cannot be negative`},
		{"length that is not a number", f(0, name), edit(0, name, "max_length", "long"), "Enter a whole number"},
		{"step on a text field", f(0, name), edit(0, name, "step", "2"), `Field "name": integer and step are only for number fields`},
		{"negative step", f(1, count), edit(1, count, "step", "-1"), `Field "count": step must be positive`},
		{"max_items on a text", f(0, name), edit(0, name, "max_items", "3"), `Field "name": max_items is only for checkboxes`},
		{"negative max_items", f(1, likes), edit(1, likes, "max_items", "-1"), `Field "likes": max_items cannot be negative`},
		{"duplicate preset", f(1, topics), edit(1, topics, "presets", "Go\ngo"), `Field "topics": duplicate preset "go"`},
		{"availability without a zone", f(1, when), edit(1, when, "timezone_field", ""), `Field "when": availability field needs timezone_field`},
		{"after_field naming a text field", f(1, start), edit(1, start, "after_field", "name"), `Field "start": after_field "name" is a text field, not date`},
		{"file without a size", f(1, cv), edit(1, cv, "max_size", ""), `Field "cv": file field needs max_size`},
		{"file size in words", f(1, cv), edit(1, cv, "max_size", "big"), "whole number of bytes"},
		{"file type that is no MIME type", f(1, cv), edit(1, cv, "accept", "pdf"), `Field "cv": accept: "pdf" is not a MIME type`},
		{"file limits on a text", f(0, name), edit(0, name, "accept", "application/pdf"), `Field "name": accept and max_size are only for file fields`},
		{"duplicate step key", "/steps", field("step_key", "about", "step_title", "Again"), `Step "about": duplicate step key`},
		{"step key with capitals", "/steps", field("step_key", "Bad", "step_title", "Bad"), `step key "Bad" must be lower-case`},
		{"step without title", "/steps", field("step_key", "third"), "Enter a title for the step"},
		{"renaming a step to a used key", "/steps/1", field("step_key", "about", "step_title", "More"), "duplicate step key"},
		{"form without title", "/details", field("title", ""), "Enter a title for the form"},
		{"moving the first step up", "/steps/0/move", field("dir", "up"), "That step cannot move further"},
		{"a step that does not exist", "/steps/9/delete", field(), "That step no longer exists"},
		{"a field that does not exist", "/steps/0/fields/99/delete", field(), "That field no longer exists"},
		{"eligibility that is not JSON", "/eligibility", field("eligibility", `{"benefits": [`), "invalid JSON"},
		{"eligibility on a missing field", "/eligibility", field("eligibility", `{"benefits":[{"key":"b","name":"B","all":[{"field":"nope","op":"eq","value":"x"}]}]}`), "nope"},
	}
	if len(tests) < 40 {
		t.Fatalf("only %d cases", len(tests))
	}
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := setup(t, store)
		w.publishRich()
		v1, err := store.FormVersion(context.Background(), w.program.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rev, def := w.storedRevision()
				form := url.Values{}
				for k, v := range tt.form {
					form[k] = append([]string(nil), v...)
				}
				form.Set("revision", strconv.Itoa(rev))
				res := w.admin.PostForm(w.base+tt.path, form)
				if res.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422: %s", res.StatusCode, errorsOf(res.Body))
				}
				if body := html.UnescapeString(errorsOf(res.Body)); !strings.Contains(body, tt.want) {
					t.Errorf("the error summary does not say %q:\n%s", tt.want, body)
				}
				if r2, d2 := w.storedRevision(); r2 != rev || d2 != def {
					t.Errorf("the draft changed: revision %d → %d", rev, r2)
				}
				p, err := store.ProgramBySlug(context.Background(), "club")
				if err != nil {
					t.Fatal(err)
				}
				now, err := store.FormVersion(context.Background(), w.program.ID, 1)
				if err != nil || p.FormVersion != 1 || now.Definition != v1.Definition {
					t.Errorf("the published version changed: version %d, %v", p.FormVersion, err)
				}
			})
		}
	})
}
