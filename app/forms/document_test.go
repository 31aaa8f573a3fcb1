package forms

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Export then Import gives back an equal definition for every built-in
// form, and the exported file says the same as the embedded one.
func TestExportImportRoundTrip(t *testing.T) {
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range reg.Keys() {
		t.Run(key, func(t *testing.T) {
			def, _ := reg.Get(key)
			data, err := Export(def)
			if err != nil {
				t.Fatal(err)
			}
			back, probs := Import(def.File, data)
			if len(probs) > 0 {
				t.Fatalf("Import of the export: %v", probs)
			}
			if !reflect.DeepEqual(def.Document(), back.Document()) {
				t.Errorf("the imported document differs from the original")
			}
			if !reflect.DeepEqual(def.Fields(), back.Fields()) {
				t.Errorf("fields differ after the round trip")
			}
			// The same in meaning as the file in the binary: both decode to
			// the same JSON value.
			orig, err := builtinFS.ReadFile("definitions/" + def.File)
			if err != nil {
				t.Fatal(err)
			}
			var a, b any
			if err := json.Unmarshal(orig, &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &b); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, b) {
				ja, _ := json.Marshal(a)
				jb, _ := json.Marshal(b)
				t.Errorf("export differs from the built-in file:\n%s\n%s", ja, jb)
			}
			// Exporting again is stable.
			again, _ := Export(back)
			if string(again) != string(data) {
				t.Error("a second export differs from the first")
			}
			if len(Diff(def, back)) != 0 {
				t.Errorf("Diff of a round trip: %v", Diff(def, back))
			}
		})
	}
}

// Document is a deep copy: editing it leaves the shared definition alone.
func TestDocumentIsACopy(t *testing.T) {
	def := builtinDef(t, "mentoring")
	before, _ := Export(def)
	doc := def.Document()
	doc.Title = "changed"
	doc.Steps[0].Title = "changed"
	doc.Steps[0].Fields[0].Label = "changed"
	doc.Steps = append(doc.Steps[:1], doc.Steps[2:]...)
	for _, s := range doc.Steps {
		for _, f := range s.Fields {
			if len(f.Options) > 0 {
				f.Options[0].Label = "changed"
			}
			if f.ShowIf != nil {
				f.ShowIf.Field = "changed"
			}
		}
	}
	after, _ := Export(def)
	if string(before) != string(after) {
		t.Error("editing the document changed the definition")
	}
	// And Build does not keep the document's pointers either.
	built, probs := Build("x", def.Document())
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	doc2 := def.Document()
	built2, _ := Build("x", doc2)
	doc2.Steps[0].Fields[0].Label = "changed"
	if built2.Steps()[0].Fields[0].Label == "changed" {
		t.Error("Build shares the document's fields")
	}
	if built.Key != def.Key {
		t.Errorf("Build key %q", built.Key)
	}
}

// Build runs the same checks as Load and names the step and field.
func TestBuildReportsProblems(t *testing.T) {
	doc := builtinDef(t, "mentoring").Document()
	doc.Steps[0].Fields[1].Key = doc.Steps[0].Fields[0].Key // duplicate key
	doc.Steps = append(doc.Steps, &Step{Key: "empty", Title: "Empty"})
	def, probs := Build("draft", doc)
	if def != nil {
		t.Error("a definition with problems")
	}
	var dup, empty bool
	for _, p := range probs {
		if p.File != "draft" {
			t.Errorf("problem file %q", p.File)
		}
		if p.Step == "about" && p.Field == "full_name" && strings.Contains(p.Message, "duplicate field key") {
			dup = true
		}
		if p.Step == "empty" && strings.Contains(p.Message, "no fields") {
			empty = true
		}
	}
	if !dup || !empty {
		t.Errorf("problems %v", probs)
	}
}

func TestImportDocument(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      string // a problem contains it; "" for none
		step      string
		field     string
	}{
		{"unchecked but decodable", `{"key":"X","version":0,"title":"","kind":"nope","steps":[{"key":"s","fields":[{"key":"a","type":"zzz"}]}]}`, "", "", ""},
		{"syntax", `{"key":`, "unexpected EOF", "", ""},
		{"syntax inside", "{\n\"key\": x}", "invalid JSON on line 2", "", ""},
		{"unknown top key", `{"key":"a","bogus":1}`, `unknown field "bogus"`, "", ""},
		{"unknown step key", `{"steps":[{"key":"s","x":1}]}`, `unknown field "x"`, "s", ""},
		{"unknown field key", `{"steps":[{"key":"s","fields":[{"key":"f","lable":"x"}]}]}`, `unknown field "lable"`, "s", "f"},
		{"wrong type", `{"steps":[{"key":"s","fields":[{"key":"f","required":"yes"}]}]}`, `"required" must be true or false`, "s", "f"},
		{"bad eligibility", `{"eligibility":{"benefits":3}}`, "eligibility:", "", ""},
		{"trailing data", `{} {}`, "unexpected data", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, probs := ImportDocument("up.json", []byte(tc.src))
			if tc.want == "" {
				if len(probs) > 0 {
					t.Fatalf("problems %v", probs)
				}
				if doc.Key != "X" || len(doc.Steps) != 1 || doc.Steps[0].Fields[0].Type != "zzz" {
					t.Errorf("doc %+v", doc)
				}
				if _, probs := Build("up.json", doc); len(probs) == 0 {
					t.Error("Build accepts it")
				}
				return
			}
			if len(probs) != 1 || !strings.Contains(probs[0].Message, tc.want) || probs[0].Step != tc.step || probs[0].Field != tc.field {
				t.Errorf("problems %#v, want %q at %q/%q", probs, tc.want, tc.step, tc.field)
			}
		})
	}
}

func TestExportDocumentDraft(t *testing.T) {
	doc := Document{Key: "draft", Title: "A <b> & c", Steps: []*Step{{Key: "s", Title: "S", Fields: []*Field{{Key: "f", Type: TypeText, Label: "F"}}}}}
	data, err := ExportDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"A <b> & c"`) {
		t.Errorf("HTML escaped: %s", data)
	}
	back, probs := ImportDocument("d", data)
	if len(probs) > 0 || !reflect.DeepEqual(back, doc) {
		t.Errorf("round trip of a draft: %v %+v", probs, back)
	}
}

func TestDiff(t *testing.T) {
	old := builtinDef(t, "mentoring")
	doc := old.Document()
	doc.Title = "New title"
	// Add a field, remove one, change options and a label, require one.
	about := doc.Steps[0]
	about.Fields = append(about.Fields, &Field{Key: "pronouns", Type: TypeText, Label: "Pronouns"})
	about.Fields = slices.DeleteFunc(about.Fields, func(f *Field) bool { return f.Key == "manager_name" })
	var org *Field
	for _, s := range doc.Steps {
		for _, f := range s.Fields {
			if f.Key == "org" {
				org = f
			}
		}
	}
	removed := org.Options[0]
	org.Options = append(org.Options[1:], Option{Value: "sales", Label: "Sales"})
	org.Label = "Your organization"
	org.Help = "Pick one."
	doc.Steps = append(doc.Steps, &Step{Key: "extra", Title: "Extra", Fields: []*Field{{Key: "shoe", Type: TypeNumber, Label: "Shoe size"}}})
	// Manager name was used by nothing else, so the form is still valid.
	newDef, probs := Build("x", doc)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	var texts []string
	for _, c := range Diff(old, newDef) {
		texts = append(texts, c.Step+"|"+c.Field+"|"+c.Text)
	}
	got := strings.Join(texts, "\n")
	for _, want := range []string{
		`||Title changed from "Join the mentoring program" to "New title"`,
		`about|manager_name|Field "manager_name" (Your manager's name) removed from step "About you"`,
		`about|pronouns|Field "pronouns" (Pronouns) added to step "About you"`,
		`|org|Field "org": option "` + removed.Label + `" removed`,
		`|org|Field "org": option "Sales" added`,
		`|org|Field "org": label changed from`,
		`|org|Field "org": help changed`,
		`extra||Step "Extra" added`,
		`extra|shoe|Field "shoe" (Shoe size) added to step "Extra"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "reordered") {
		t.Errorf("a reorder reported:\n%s", got)
	}
	// Reordering and moving.
	doc2 := old.Document()
	doc2.Steps[0], doc2.Steps[1] = doc2.Steps[1], doc2.Steps[0]
	moved := doc2.Steps[1].Fields[0] // full_name, now in the second position's step
	doc2.Steps[1].Fields = doc2.Steps[1].Fields[1:]
	doc2.Steps[0].Fields = append([]*Field{moved}, doc2.Steps[0].Fields...)
	d2, probs := Build("x", doc2)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	texts = nil
	for _, c := range Diff(old, d2) {
		texts = append(texts, c.Text)
	}
	got = strings.Join(texts, "\n")
	for _, want := range []string{"Steps reordered", `Field "full_name" moved from step "About you" to step "Your role"`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if len(Diff(nil, old)) == 0 || len(Diff(old, nil)) == 0 {
		t.Error("Diff against nothing is empty")
	}
}

func TestPairingNeeds(t *testing.T) {
	if needs := builtinDef(t, "mentoring").PairingNeeds(); len(needs) != 0 {
		t.Errorf("mentoring needs %v", needs)
	}
	needs := builtinDef(t, "membership").PairingNeeds()
	joined := strings.Join(needs, "; ")
	for _, want := range []string{"roles column", "availability column", "mentor interests", "mentee interests"} {
		if !strings.Contains(joined, want) {
			t.Errorf("membership needs %q: %v", want, needs)
		}
	}
	// A roles field without a learner option.
	doc := builtinDef(t, "mentoring").Document()
	for _, s := range doc.Steps {
		for _, f := range s.Fields {
			if f.Column == ColRoles {
				f.Options = slices.DeleteFunc(f.Options, func(o Option) bool { return o.Value != RoleMentor })
			}
			if f.ShowIf != nil && f.ShowIf.Field == "roles" {
				f.ShowIf = nil
			}
		}
	}
	def, probs := Build("x", doc)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	if needs := def.PairingNeeds(); len(needs) != 1 || !strings.Contains(needs[0], `"learner"`) {
		t.Errorf("needs %v", needs)
	}
}

// FuzzImport feeds arbitrary bytes to Import and ImportDocument: no panic,
// and whatever Import accepts exports and imports again to the same
// document.
func FuzzImport(f *testing.F) {
	entries, err := builtinFS.ReadDir("definitions")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		data, err := builtinFS.ReadFile("definitions/" + e.Name())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(oneStep(`{"key":"a","type":"select","label":"A","options":[{"value":"x","label":"X"}]}`,
		`{"key":"b","type":"text","label":"B","show_if":{"field":"a","in":["x"]}}`)))
	f.Add([]byte(`{"steps":[{"fields":[{"min":"today","max":3}]}],"eligibility":{"benefits":[{"all":[{"op":"lte_table","table":{"1":1}}]}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, probs := ImportDocument("f.json", data)
		if len(probs) == 0 {
			if _, err := ExportDocument(doc); err != nil {
				t.Fatalf("a decoded document does not export: %v", err)
			}
			_, _ = Build("f.json", doc)
		}
		def, probs := Import("f.json", data)
		if len(probs) > 0 {
			if def != nil {
				t.Fatal("a definition with problems")
			}
			return
		}
		out, err := Export(def)
		if err != nil {
			t.Fatalf("Export: %v", err)
		}
		back, probs := Import("f.json", out)
		if len(probs) > 0 {
			t.Fatalf("the export of an accepted definition is refused: %v\n%s", probs, out)
		}
		if !reflect.DeepEqual(def.Document(), back.Document()) {
			t.Fatalf("round trip differs:\n%s", out)
		}
		_ = Diff(def, back)
		_ = def.PairingNeeds()
	})
}
