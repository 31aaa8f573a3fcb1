package designer

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"cohort/app/forms"
)

func builtinDoc(t *testing.T, key string) forms.Document {
	t.Helper()
	reg, err := forms.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	def, ok := reg.Get(key)
	if !ok {
		t.Fatalf("no built-in form %q", key)
	}
	return def.Document()
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Every field of every built-in form survives the field form: what the
// page fills in is what a save reads back.
func TestFieldValuesRoundTrip(t *testing.T) {
	for _, key := range []string{"mentoring", "application", "membership"} {
		doc := builtinDoc(t, key)
		for _, st := range doc.Steps {
			for _, f := range st.Fields {
				t.Run(key+"/"+f.Key, func(t *testing.T) {
					got, err := ParseField(FieldValues(f), doc, f)
					if err != nil {
						t.Fatalf("ParseField: %v", err)
					}
					if a, b := jsonOf(t, got), jsonOf(t, f); a != b {
						t.Errorf("round trip changed the field:\n got %s\nwant %s", a, b)
					}
				})
			}
		}
	}
}

// A field with every property the field form edits survives it too.
func TestFieldValuesRoundTripEveryProperty(t *testing.T) {
	doc := smallDoc()
	doc.Steps[1].Fields = append(doc.Steps[1].Fields,
		&forms.Field{Key: "since", Type: forms.TypeDate, Label: "Since"},
		&forms.Field{Key: "n", Type: forms.TypeNumber, Label: "N"},
		&forms.Field{Key: "h", Type: forms.TypeConsent, Label: "H"})
	fields := []*forms.Field{
		{Key: "a", Type: forms.TypeText, Label: "A", ShortLabel: "a", Help: "h", Placeholder: "p", Autocomplete: "name",
			Required: true, RequiredMessage: "Enter A.", MinLength: 2, MaxLength: 9, Pattern: "[a-z]+", PatternMessage: "letters",
			ShowIf: &forms.ShowIf{Field: "org", In: []any{"a", "other"}}, Column: forms.ColOrg},
		{Key: "b", Type: forms.TypeCheckboxes, Label: "B", MaxItems: 2, ShowIf: &forms.ShowIf{Field: "likes", Contains: "x"},
			Options: []forms.Option{{Value: "x", Label: "X"}, {Value: "none", Label: "None", Exclusive: true}}},
		{Key: "c", Type: forms.TypeInterests, Label: "C", Presets: []string{"Go", "Data work"}, MaxItems: 3},
		{Key: "d", Type: forms.TypeDate, Label: "D", Min: &forms.Bound{Text: "today"}, Max: &forms.Bound{Text: "2030-01-01"}, AfterField: "since"},
		{Key: "e", Type: forms.TypeNumber, Label: "E", Min: &forms.Bound{Num: 0.5, IsNum: true}, Max: &forms.Bound{Num: 10, IsNum: true},
			Integer: true, StepSize: 0.5, ShowIf: &forms.ShowIf{Field: "n", Equals: 3.0}},
		{Key: "f", Type: forms.TypeFile, Label: "F", Accept: []string{"application/pdf", "image/png"}, MaxSize: 1 << 20},
		{Key: "g", Type: forms.TypeAvailability, Label: "G", TimezoneField: "tz", Min: &forms.Bound{Num: 2, IsNum: true}},
		{Key: "k", Type: forms.TypeConsent, Label: "K", Required: true},
		{Key: "i", Type: forms.TypeBoolean, Label: "I", ShowIf: &forms.ShowIf{Field: "h", Equals: true}},
	}
	for _, f := range fields {
		t.Run(string(f.Type), func(t *testing.T) {
			got, err := ParseField(FieldValues(f), doc, f)
			if err != nil {
				t.Fatalf("ParseField: %v", err)
			}
			if a, b := jsonOf(t, got), jsonOf(t, f); a != b {
				t.Errorf("round trip changed the field:\n got %s\nwant %s", a, b)
			}
		})
	}
}

// a small valid form: about(name, org select, org_other show_if org=other),
// more(tz, avail, likes checkboxes).
func smallDoc() forms.Document {
	return forms.Document{Key: "small", Version: 1, Title: "Small", Kind: forms.KindMentoring, Steps: []*forms.Step{
		{Key: "about", Title: "About", Fields: []*forms.Field{
			{Key: "name", Type: forms.TypeText, Label: "Name", Column: forms.ColFullName},
			{Key: "org", Type: forms.TypeSelect, Label: "Org", Options: []forms.Option{{Value: "a", Label: "A"}, {Value: "other", Label: "Other"}}},
			{Key: "org_other", Type: forms.TypeText, Label: "Which?", ShowIf: &forms.ShowIf{Field: "org", Equals: "other"}},
		}},
		{Key: "more", Title: "More", Fields: []*forms.Field{
			{Key: "tz", Type: forms.TypeTimezone, Label: "Zone"},
			{Key: "when", Type: forms.TypeAvailability, Label: "When", TimezoneField: "tz"},
			{Key: "likes", Type: forms.TypeCheckboxes, Label: "Likes", Options: []forms.Option{{Value: "x", Label: "X"}, {Value: "none", Label: "None", Exclusive: true}}},
		}},
	}}
}

func keys(doc forms.Document) string {
	var parts []string
	for _, st := range doc.Steps {
		var fs []string
		for _, f := range st.Fields {
			fs = append(fs, f.Key)
		}
		parts = append(parts, st.Key+":"+strings.Join(fs, ","))
	}
	return strings.Join(parts, " ")
}

func TestEdits(t *testing.T) {
	text := func(key string) *forms.Field { return &forms.Field{Key: key, Type: forms.TypeText, Label: "Q " + key} }
	tests := []struct {
		name string
		edit Edit
		want string // keys after the edit
	}{
		{"add step", AddStep(StepInput{Key: "last", Title: "Last"}), "about:name,org,org_other more:tz,when,likes last:"},
		{"rename step", UpdateStep(1, StepInput{Key: "extra", Title: "Extra"}), "about:name,org,org_other extra:tz,when,likes"},
		{"move step down", MoveStep(0, 1), "more:tz,when,likes about:name,org,org_other"},
		{"delete step", DeleteStep(1), "about:name,org,org_other"},
		{"add field", AddField(1, text("bio")), "about:name,org,org_other more:tz,when,likes,bio"},
		{"update field", UpdateField(0, 0, text("full")), "about:full,org,org_other more:tz,when,likes"},
		{"move field down", MoveField(1, 1, 1), "about:name,org,org_other more:tz,likes,when"},
		{"move field up into the previous step", MoveField(1, 0, -1), "about:name,org,org_other,tz more:when,likes"},
		{"move field down into the next step", MoveField(0, 2, 1), "about:name,org more:org_other,tz,when,likes"},
		{"delete field", DeleteField(0, 2), "about:name,org more:tz,when,likes"},
		{"delete a whole step that nothing later needs", DeleteStep(0), "more:tz,when,likes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := smallDoc()
			got, err := Apply(before, tt.edit, nil)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if k := keys(got); k != tt.want {
				t.Errorf("got %s, want %s", k, tt.want)
			}
			if k := keys(before); k != keys(smallDoc()) {
				t.Errorf("the original changed: %s", k)
			}
		})
	}
}

// Every edit that would break the form is refused with a message naming
// the field (or input), and the document is left as it was.
func TestRefusedEdits(t *testing.T) {
	field := func(mod func(f *forms.Field)) *forms.Field {
		f := &forms.Field{Key: "q", Type: forms.TypeText, Label: "Q"}
		mod(f)
		return f
	}
	withType := func(ty forms.FieldType, mod func(f *forms.Field)) *forms.Field {
		return field(func(f *forms.Field) { f.Type = ty; mod(f) })
	}
	none := func(*forms.Field) {}
	tests := []struct {
		name, edit string
		e          Edit
		want       string // in the message
	}{
		{"duplicate key", "", AddField(1, field(func(f *forms.Field) { f.Key = "org" })), `Field "org": duplicate field key`},
		{"key with capitals", "", AddField(1, field(func(f *forms.Field) { f.Key = "Bad" })), `Field "Bad"`},
		{"unknown type", "", AddField(1, withType("txt", none)), `unknown type "txt"`},
		{"no label", "", AddField(1, field(func(f *forms.Field) { f.Label = "" })), "label is missing"},
		{"select without options", "", AddField(1, withType(forms.TypeSelect, none)), "select field needs options"},
		{"radio without options", "", AddField(1, withType(forms.TypeRadio, none)), "radio field needs options"},
		{"interests without presets", "", AddField(1, withType(forms.TypeInterests, none)), "needs presets"},
		{"availability without zone", "", AddField(1, withType(forms.TypeAvailability, none)), "timezone_field"},
		{"file without size", "", AddField(1, withType(forms.TypeFile, func(f *forms.Field) { f.Accept = []string{"application/pdf"} })), "max_size"},
		{"file with a bad type", "", AddField(1, withType(forms.TypeFile, func(f *forms.Field) { f.MaxSize = 10; f.Accept = []string{"pdf"} })), "not a MIME type"},
		{"show_if to a missing field", "", AddField(1, field(func(f *forms.Field) { f.ShowIf = &forms.ShowIf{Field: "nope", Equals: "x"} })), `show_if field "nope" is not a field`},
		{"show_if to a later field", "", AddField(0, field(func(f *forms.Field) { f.ShowIf = &forms.ShowIf{Field: "likes", Contains: "x"} })), "later step"},
		{"show_if to a value that is no option", "", AddField(1, field(func(f *forms.Field) { f.ShowIf = &forms.ShowIf{Field: "org", Equals: "zzz"} })), `"zzz" is not an option`},
		{"moving a field above the one it depends on", "", MoveField(0, 2, -1), `Field "org_other"`},
		{"moving a field above the zone it uses", "", MoveField(1, 1, -1), `Field "when": timezone_field "tz" comes after`},
		{"deleting a field another depends on", "", DeleteField(0, 1), `Field "org_other": show_if field "org"`},
		{"deleting the zone the availability uses", "", DeleteField(1, 0), `Field "when"`},
		{"removing an option a show_if uses", "", UpdateField(0, 1, &forms.Field{Key: "org", Type: forms.TypeSelect, Label: "Org", Options: []forms.Option{{Value: "a", Label: "A"}}}), `Field "org_other": show_if value "other"`},
		{"column twice", "", AddField(1, field(func(f *forms.Field) { f.Column = forms.ColFullName })), `column "full_name" is already filled`},
		{"column of an incompatible type", "", AddField(1, withType(forms.TypeNumber, func(f *forms.Field) { f.Column = forms.ColOrg })), `column "org" cannot be filled by a number field`},
		{"unknown column", "", AddField(1, field(func(f *forms.Field) { f.Column = "salary" })), `unknown column`},
		{"bad pattern", "", AddField(1, field(func(f *forms.Field) { f.Pattern = "(" })), "invalid pattern"},
		{"min greater than max", "", AddField(1, withType(forms.TypeNumber, func(f *forms.Field) {
			f.Min = &forms.Bound{Num: 5, IsNum: true}
			f.Max = &forms.Bound{Num: 1, IsNum: true}
		})), "min 5 is greater than max 1"},
		{"min_length over max_length", "", AddField(1, field(func(f *forms.Field) { f.MinLength = 9; f.MaxLength = 2 })), "min_length 9 is greater"},
		{"pattern on a number", "", AddField(1, withType(forms.TypeNumber, func(f *forms.Field) { f.Pattern = "x" })), "only for text"},
		{"duplicate option", "", AddField(1, withType(forms.TypeRadio, func(f *forms.Field) {
			f.Options = []forms.Option{{Value: "a", Label: "A", Exclusive: false}, {Value: "a", Label: "B", Exclusive: false}}
		})), `duplicate option value "a"`},
		{"exclusive on a radio", "", AddField(1, withType(forms.TypeRadio, func(f *forms.Field) { f.Options = []forms.Option{{Value: "a", Label: "A", Exclusive: true}} })), "exclusive is only for checkboxes"},
		{"roles option that is no role", "", UpdateField(0, 1, &forms.Field{Key: "org", Type: forms.TypeSelect, Label: "Org", Column: forms.ColRoles, Options: []forms.Option{{Value: "a", Label: "A", Exclusive: false}, {Value: "other", Label: "O", Exclusive: false}}}), "is not mentor, learner or mentee"},
		{"duplicate step key", "", AddStep(StepInput{Key: "about", Title: "Again"}), "duplicate step key"},
		{"step without key", "", AddStep(StepInput{Title: "T"}), "step_key"},
		{"step without title", "", UpdateStep(0, StepInput{Key: "about"}), "step_title"},
		{"eligibility on an unknown field", "", SetEligibility(`{"benefits":[{"key":"b","name":"B","all":[{"field":"nope","op":"eq","value":"x"}]}]}`), "nope"},
		{"eligibility that is not JSON", "", SetEligibility(`{"benefits": [`), "eligibility"},
		{"a step that no longer exists", "", DeleteStep(7), "no longer exists"},
		{"a field that no longer exists", "", DeleteField(0, 9), "no longer exists"},
		{"moving the first step up", "", MoveStep(0, -1), "cannot move"},
		{"moving the last field down", "", MoveField(1, 2, 1), "cannot move"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := smallDoc()
			got, err := Apply(doc, tt.e, nil)
			if err == nil {
				t.Fatalf("edit accepted: %s", keys(got))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("message %q does not contain %q", err.Error(), tt.want)
			}
			if jsonOf(t, got) != jsonOf(t, smallDoc()) {
				t.Errorf("refused edit changed the document")
			}
		})
	}
}

// A draft that already has a problem (an uploaded file with a mistake)
// can still be edited elsewhere; only new problems refuse an edit, and
// renaming the broken field keeps recognising its problem.
func TestExistingProblemsDoNotBlockEdits(t *testing.T) {
	doc := smallDoc()
	doc.Steps[0].Fields[0].Pattern = "(" // broken already
	if _, err := Apply(doc, AddField(1, &forms.Field{Key: "bio", Type: forms.TypeTextarea, Label: "Bio"}), nil); err != nil {
		t.Fatalf("edit elsewhere refused: %v", err)
	}
	renamed := *doc.Steps[0].Fields[0]
	renamed.Key = "full"
	if _, err := Apply(doc, UpdateField(0, 0, &renamed), map[string]string{"name": "full"}); err != nil {
		t.Fatalf("renaming the broken field refused: %v", err)
	}
	// A form under construction may have empty steps and no steps at all.
	empty := forms.Document{Key: "x", Version: 1, Title: "X", Kind: forms.KindMembership}
	got, err := Apply(empty, AddStep(StepInput{Key: "one", Title: "One"}), nil)
	if err != nil {
		t.Fatalf("adding the first step refused: %v", err)
	}
	if _, err := Apply(got, DeleteStep(0), nil); err != nil {
		t.Fatalf("deleting the only step refused: %v", err)
	}
	var r *Refusal
	if _, err := Apply(got, AddField(0, &forms.Field{Key: "n", Type: forms.TypeNumber, Label: "N", Pattern: "x"}), nil); !errors.As(err, &r) {
		t.Fatalf("want a Refusal, got %v", err)
	}
}

func TestParseField(t *testing.T) {
	doc := smallDoc()
	base := func(kv ...string) Values {
		v := Values{"key": {"q"}, "type": {"text"}, "label": {"Q"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v[kv[i]] = []string{kv[i+1]}
		}
		return v
	}
	t.Run("errors name their input", func(t *testing.T) {
		for _, tt := range []struct {
			in    Values
			input string
		}{
			{Values{"type": {"text"}, "label": {"Q"}}, "key"},
			{base("type", "nope"), "type"},
			{Values{"key": {"q"}, "type": {"text"}}, "label"},
			{base("min", "soon"), "min"},
			{base("max", "x"), "max"},
			{base("step", "x"), "step"},
			{base("min_length", "1.5"), "min_length"},
			{base("max_items", "many"), "max_items"},
			{base("max_size", "1MB"), "max_size"},
			{base("show_if_field", "org"), "show_if_value"},
			{base("show_if_field", "org", "show_if_value", "a", "show_if_op", "like"), "show_if_value"},
			{base("op", "opt-up-0"), "op"},
			{base("op", "opt-add"), "new_opt_value"},
		} {
			_, err := ParseField(tt.in, doc, nil)
			var ie InputErrors
			if !errors.As(err, &ie) || ie[0].Input != tt.input {
				t.Errorf("%v: got %v, want an error on %s", tt.in, err, tt.input)
			}
		}
	})
	t.Run("options rows and buttons", func(t *testing.T) {
		in := Values{"key": {"c"}, "type": {"checkboxes"}, "label": {"C"},
			"opt_value": {"a", "b", "", "c"}, "opt_label": {"A", "", "", "C"}, "opt_exclusive": {"3"},
			"new_opt_value": {"d"}, "op": {"opt-up-1"}}
		f, err := ParseField(in, doc, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := `[{"value":"b","label":"b"},{"value":"a","label":"A"},{"value":"c","label":"C","exclusive":true},{"value":"d","label":"d"}]`
		if got := jsonOf(t, f.Options); got != want {
			t.Errorf("got %s\nwant %s", got, want)
		}
		in["op"] = []string{"opt-remove-0"}
		f, _ = ParseField(in, doc, nil)
		if len(f.Options) != 3 || f.Options[0].Value != "b" {
			t.Errorf("remove: %s", jsonOf(t, f.Options))
		}
	})
	t.Run("show_if values take the target's type", func(t *testing.T) {
		d := smallDoc()
		d.Steps[0].Fields = append(d.Steps[0].Fields,
			&forms.Field{Key: "ok", Type: forms.TypeBoolean, Label: "OK"},
			&forms.Field{Key: "n", Type: forms.TypeNumber, Label: "N"},
			&forms.Field{Key: "h", Type: forms.TypeConsent, Label: "H"})
		for _, tt := range []struct{ target, op, text, want string }{
			{"ok", "equals", "yes", `{"field":"ok","equals":true}`},
			{"n", "in", "1, 2.5", `{"field":"n","in":[1,2.5]}`},
			{"likes", "contains", "x", `{"field":"likes","contains":"x"}`},
			{"org", "in", "a, other", `{"field":"org","in":["a","other"]}`},
		} {
			f, err := ParseField(base("show_if_field", tt.target, "show_if_op", tt.op, "show_if_value", tt.text), d, nil)
			if err != nil {
				t.Fatalf("%s: %v", tt.target, err)
			}
			if got := jsonOf(t, f.ShowIf); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		}
	})
	t.Run("a change of type drops what the new type cannot have", func(t *testing.T) {
		old := &forms.Field{Key: "q", Type: forms.TypeSelect, Label: "Q", Options: []forms.Option{{Value: "a", Label: "A", Exclusive: false}}}
		in := FieldValues(old)
		in["type"] = []string{"text"}
		f, err := ParseField(in, doc, old)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Options) != 0 {
			t.Errorf("options kept: %v", f.Options)
		}
	})
}

// Renaming a question carries the new key to whatever named the old one,
// eligibility rules included.
func TestRenameCarriesReferences(t *testing.T) {
	doc := smallDoc()
	renamed := *doc.Steps[0].Fields[1]
	renamed.Key = "team"
	got, err := Apply(doc, UpdateField(0, 1, &renamed), map[string]string{"org": "team"})
	if err != nil {
		t.Fatalf("rename refused: %v", err)
	}
	if s := got.Steps[0].Fields[2].ShowIf; s.Field != "team" {
		t.Errorf("show_if still names %q", s.Field)
	}
	zone := *doc.Steps[1].Fields[0]
	zone.Key = "zone"
	if got, err = Apply(doc, UpdateField(1, 0, &zone), nil); err != nil || got.Steps[1].Fields[1].TimezoneField != "zone" {
		t.Errorf("timezone_field not carried: %v", err)
	}

	app := builtinDoc(t, "application")
	i, j, ok := FieldPlace(app, "household_size")
	if !ok {
		t.Fatal("the application form has no household_size to rename")
	}
	f := *app.Steps[i].Fields[j]
	f.Key = "people_at_home"
	got, err = Apply(app, UpdateField(i, j, &f), nil)
	if err != nil {
		t.Fatalf("renaming a field the eligibility rules use: %v", err)
	}
	if text := EligibilityText(got); strings.Contains(text, `"household_size"`) || !strings.Contains(text, `"people_at_home"`) {
		t.Errorf("eligibility still names the old key:\n%s", text)
	}
}

func TestEligibilityEdits(t *testing.T) {
	app := builtinDoc(t, "application")
	t.Run("values take the question's type", func(t *testing.T) {
		for _, tt := range []struct {
			in   RuleInput
			want string
		}{
			{RuleInput{"age", "gte", "18"}, `{"field":"age","op":"gte","value":18}`},
			{RuleInput{"in_service_area", "eq", "yes"}, `{"field":"in_service_area","op":"eq","value":true}`},
			{RuleInput{"benefits_received", "contains_none", "snap, medicaid"}, `{"field":"benefits_received","op":"contains_none","value":["snap","medicaid"]}`},
			{RuleInput{"household_size", "in", "1,2"}, `{"field":"household_size","op":"in","value":[1,2]}`},
		} {
			got, err := Apply(app, AddRule(0, ListAny, tt.in), nil)
			if err != nil {
				t.Fatalf("%+v: %v", tt.in, err)
			}
			rules := got.Eligibility.Benefits[0].Any
			if s := jsonOf(t, rules[len(rules)-1]); s != tt.want {
				t.Errorf("got %s, want %s", s, tt.want)
			}
		}
	})
	t.Run("deleting every benefit removes the rules", func(t *testing.T) {
		doc := app
		for range app.Eligibility.Benefits {
			var err error
			if doc, err = Apply(doc, DeleteBenefit(0), nil); err != nil {
				t.Fatal(err)
			}
		}
		if doc.Eligibility != nil {
			t.Errorf("eligibility left: %+v", doc.Eligibility)
		}
	})
	t.Run("a rule list cannot be emptied", func(t *testing.T) {
		doc := app
		var err error
		for k := len(doc.Eligibility.Benefits[2].All) - 1; k >= 0 && err == nil; k-- {
			doc, err = Apply(doc, DeleteRule(2, ListAll, k), nil)
		}
		if err == nil || !strings.Contains(err.Error(), "no rules") {
			t.Errorf("emptying a benefit: %v", err)
		}
	})
	if RuleText(forms.Rule{Any: []forms.Rule{{Field: "a", Op: "eq", Value: true}, {Field: "b", Op: "lt", Value: 2.5}}}) != "any of: (a is yes; b is under 2.5)" {
		t.Errorf("group in words: %q", RuleText(forms.Rule{Any: []forms.Rule{{Field: "a", Op: "eq", Value: true}}}))
	}
}
