package forms

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

// Bad definitions must fail Load with a message naming the file, the step
// and the field, so whoever edits a form can go straight to the mistake.
func TestLoadRejects(t *testing.T) {
	text := func(key string, extra string) string {
		return `{"key":"` + key + `","type":"text","label":"L"` + extra + `}`
	}
	steps := func(steps ...string) string {
		return `{"key":"t","version":1,"title":"T","kind":"mentoring","steps":[` + strings.Join(steps, ",") + `]}`
	}
	step := func(key string, fields ...string) string {
		return `{"key":"` + key + `","title":"S","fields":[` + strings.Join(fields, ",") + `]}`
	}
	tz := `{"key":"tz","type":"timezone","label":"Zone"}`
	opts := `"options":[{"value":"a","label":"A"},{"value":"b","label":"B"}]`
	num := func(key, extra string) string {
		return `{"key":"` + key + `","type":"number","label":"N"` + extra + `}`
	}
	application := func(fields, eligibility string) string {
		return `{"key":"t","version":1,"title":"T","kind":"application","steps":[{"key":"s","title":"S","fields":[` + fields +
			`]}],"eligibility":` + eligibility + `}`
	}
	appFields := num("size", `,"integer":true,"min":1`) + "," + num("income", "") + "," +
		`{"key":"area","type":"boolean","label":"Area"},{"key":"got","type":"checkboxes","label":"Got",` + opts + `}`
	benefit := func(rules string) string {
		return `{"benefits":[{"key":"b","name":"B","all":[` + rules + `]}]}`
	}

	tests := []struct {
		name string
		src  string
		want []string // every one must appear in a single problem line
	}{
		{"invalid JSON names the line", "{\n\"key\": \"t\",\n\"version\": 1,,\n}", []string{"bad.json", "line 3"}},
		{"unknown top-level key", `{"key":"t","version":1,"title":"T","kind":"mentoring","colour":"red","steps":[` + step("s", text("a", "")) + `]}`,
			[]string{"bad.json", `unknown field "colour"`}},
		{"unknown step key", steps(`{"key":"s","title":"S","subtitle":"x","fields":[` + text("a", "") + `]}`),
			[]string{`step "s"`, `unknown field "subtitle"`}},
		{"unknown field key", steps(step("s", text("name", `,"maxlength":3`))),
			[]string{`step "s"`, `field "name"`, `unknown field "maxlength"`}},
		{"unknown key in an option", steps(step("s", `{"key":"c","type":"select","label":"C","options":[{"value":"a","label":"A","colour":1}]}`)),
			[]string{`field "c"`, `unknown field "colour"`}},
		{"unknown key in show_if", steps(step("s", text("a", ""), text("b", `,"show_if":{"field":"a","is":"x"}`))),
			[]string{`field "b"`, `unknown field "is"`}},
		{"wrong JSON type", steps(step("s", text("a", `,"required":"yes"`))),
			[]string{`field "a"`, `"required" must be true or false`}},
		{"unknown field type", steps(step("s", `{"key":"a","type":"txt","label":"A"}`)),
			[]string{`step "s"`, `field "a"`, `unknown type "txt"`}},
		{"duplicate field key across steps", steps(step("one", text("a", "")), step("two", text("a", ""))),
			[]string{`step "two"`, `field "a"`, `duplicate field key (also in step "one")`}},
		{"duplicate step key", steps(step("s", text("a", "")), step("s", text("b", ""))),
			[]string{`step "s"`, "duplicate step key"}},
		{"show_if on a missing field", steps(step("s", text("a", `,"show_if":{"field":"ghost","equals":"x"}`))),
			[]string{`field "a"`, `show_if field "ghost" is not a field of this form`}},
		{"show_if on a later step", steps(step("one", text("a", `,"show_if":{"field":"b","equals":"x"}`)), step("two", text("b", ""))),
			[]string{`step "one"`, `field "a"`, `show_if field "b" is in a later step ("two")`}},
		{"show_if on a later field of the same step", steps(step("s", text("a", `,"show_if":{"field":"b","equals":"x"}`), text("b", ""))),
			[]string{`field "a"`, `comes after this field`}},
		{"show_if on itself", steps(step("s", text("a", `,"show_if":{"field":"a","equals":"x"}`))),
			[]string{`field "a"`, `refers to the field itself`}},
		{"show_if value not an option", steps(step("s", `{"key":"c","type":"radio","label":"C",`+opts+`}`, text("d", `,"show_if":{"field":"c","equals":"z"}`))),
			[]string{`field "d"`, `"z" is not an option of field "c"`}},
		{"show_if contains on a radio", steps(step("s", `{"key":"c","type":"radio","label":"C",`+opts+`}`, text("d", `,"show_if":{"field":"c","contains":"a"}`))),
			[]string{`field "d"`, `contains is only for checkboxes`}},
		{"show_if with two conditions", steps(step("s", text("a", ""), text("b", `,"show_if":{"field":"a","equals":"x","in":["y"]}`))),
			[]string{`field "b"`, `exactly one of equals, in, contains`}},
		{"show_if on a boolean with a string", steps(step("s", `{"key":"y","type":"boolean","label":"Y"}`, text("b", `,"show_if":{"field":"y","equals":"yes"}`))),
			[]string{`field "b"`, `compares with true or false`}},
		{"select without options", steps(step("s", `{"key":"c","type":"select","label":"C"}`)),
			[]string{`field "c"`, "select field needs options"}},
		{"radio without options", steps(step("s", `{"key":"c","type":"radio","label":"C","options":[]}`)),
			[]string{`field "c"`, "radio field needs options"}},
		{"checkboxes without options", steps(step("s", `{"key":"c","type":"checkboxes","label":"C"}`)),
			[]string{`field "c"`, "checkboxes field needs options"}},
		{"options on a text field", steps(step("s", text("a", ","+opts))),
			[]string{`field "a"`, "options are only for"}},
		{"duplicate option values", steps(step("s", `{"key":"c","type":"radio","label":"C","options":[{"value":"a","label":"A"},{"value":"a","label":"Again"}]}`)),
			[]string{`field "c"`, `duplicate option value "a"`}},
		{"option without a label", steps(step("s", `{"key":"c","type":"radio","label":"C","options":[{"value":"a","label":""}]}`)),
			[]string{`field "c"`, `option "a" has no label`}},
		{"invalid pattern", steps(step("s", text("a", `,"pattern":"[a-z"`))),
			[]string{`field "a"`, "invalid pattern"}},
		{"pattern on a number", steps(step("s", num("n", `,"pattern":"\\d+"`))),
			[]string{`field "n"`, "pattern are only for text"}},
		{"number min > max", steps(step("s", num("n", `,"min":10,"max":1`))),
			[]string{`field "n"`, "min 10 is greater than max 1"}},
		{"date min after max", steps(step("s", `{"key":"d","type":"date","label":"D","min":"2026-05-01","max":"2026-04-01"}`)),
			[]string{`field "d"`, "min 2026-05-01 is after max 2026-04-01"}},
		{"date bound not a date", steps(step("s", `{"key":"d","type":"date","label":"D","min":"tomorrow"}`)),
			[]string{`field "d"`, `not tomorrow`}},
		{"number bound not a number", steps(step("s", num("n", `,"min":"1"`))),
			[]string{`field "n"`, "min and max must be numbers"}},
		{"min on a text field", steps(step("s", text("a", `,"min":1`))),
			[]string{`field "a"`, "min and max are only for number, date and availability"}},
		{"min_length > max_length", steps(step("s", text("a", `,"min_length":5,"max_length":2`))),
			[]string{`field "a"`, "min_length 5 is greater than max_length 2"}},
		{"step on a text field", steps(step("s", text("a", `,"integer":true`))),
			[]string{`field "a"`, "integer and step are only for number"}},
		{"unknown column", steps(step("s", text("a", `,"column":"shoe_size"`))),
			[]string{`field "a"`, `unknown column "shoe_size"`}},
		{"column of the wrong type", steps(step("s", text("a", `,"column":"time_zone"`))),
			[]string{`field "a"`, `column "time_zone" cannot be filled by a text field (use timezone)`}},
		{"column filled twice", steps(step("one", text("a", `,"column":"full_name"`)), step("two", text("b", `,"column":"full_name"`))),
			[]string{`step "two"`, `field "b"`, `column "full_name" is already filled by field "a" (step "one")`}},
		{"roles column with other values", steps(step("s", `{"key":"r","type":"checkboxes","label":"R","column":"roles",`+opts+`}`)),
			[]string{`field "r"`, `option value "a" is not mentor, learner or mentee`}},
		{"availability without timezone_field", steps(step("s", `{"key":"h","type":"availability","label":"H"}`)),
			[]string{`field "h"`, "needs timezone_field"}},
		{"timezone_field naming a missing field", steps(step("s", `{"key":"h","type":"availability","label":"H","timezone_field":"zone"}`)),
			[]string{`field "h"`, `timezone_field "zone" is not a field of this form`}},
		{"timezone_field naming a text field", steps(step("s", text("zone", ""), `{"key":"h","type":"availability","label":"H","timezone_field":"zone"}`)),
			[]string{`field "h"`, `timezone_field "zone" is a text field, not timezone`}},
		{"timezone_field on a later step", steps(step("one", `{"key":"h","type":"availability","label":"H","timezone_field":"tz"}`), step("two", tz)),
			[]string{`field "h"`, `timezone_field "tz" is in a later step ("two")`}},
		{"availability min over 24", steps(step("s", tz, `{"key":"h","type":"availability","label":"H","timezone_field":"tz","min":25}`)),
			[]string{`field "h"`, "whole hours from 0 to 24"}},
		{"availability inputs clash with a key", steps(step("s", tz, `{"key":"h","type":"availability","label":"H","timezone_field":"tz"}`, text("h_from", ""))),
			[]string{`field "h_from"`, `clashes with input "h_from" of field "h"`}},
		{"interests without presets", steps(step("s", `{"key":"i","type":"interests","label":"I"}`)),
			[]string{`field "i"`, "interests field needs presets"}},
		{"duplicate presets ignoring case", steps(step("s", `{"key":"i","type":"interests","label":"I","presets":["Go","go"]}`)),
			[]string{`field "i"`, `duplicate preset "go"`}},
		{"after_field naming a text field", steps(step("s", text("a", ""), `{"key":"d","type":"date","label":"D","after_field":"a"}`)),
			[]string{`field "d"`, `after_field "a" is a text field, not date`}},
		{"file without max_size", steps(step("s", `{"key":"f","type":"file","label":"F","accept":["application/pdf"]}`)),
			[]string{`field "f"`, "file field needs max_size"}},
		{"file accept not a MIME type", steps(step("s", `{"key":"f","type":"file","label":"F","accept":["pdf"],"max_size":10}`)),
			[]string{`field "f"`, `"pdf" is not a MIME type`}},
		{"field key with a dash", steps(step("s", text("full-name", ""))),
			[]string{`field "full-name"`, "lower-case letters"}},
		{"missing label", steps(step("s", `{"key":"a","type":"text"}`)),
			[]string{`field "a"`, "label is missing"}},
		{"unknown kind", `{"key":"t","version":1,"title":"T","kind":"survey","steps":[` + step("s", text("a", "")) + `]}`,
			[]string{"bad.json", `kind "survey"`}},
		{"no steps", `{"key":"t","version":1,"title":"T","kind":"mentoring","steps":[]}`,
			[]string{"bad.json", "no steps"}},

		// Eligibility rules.
		{"eligibility on a mentoring form", `{"key":"t","version":1,"title":"T","kind":"mentoring","steps":[` + step("s", num("age", "")) +
			`],"eligibility":` + benefit(`{"field":"age","op":"gte","value":65}`) + `}`,
			[]string{"bad.json", "eligibility is only for application forms"}},
		{"rule on a missing field", application(appFields, benefit(`{"field":"salary","op":"lte","value":5}`)),
			[]string{`field "salary"`, `benefit "b"`, `rule field "salary" is not a field of this form`}},
		{"unknown op", application(appFields, benefit(`{"field":"income","op":"lte_tabel","value":5}`)),
			[]string{`field "income"`, `benefit "b"`, `unknown op "lte_tabel"`}},
		{"op unfit for the field", application(appFields, benefit(`{"field":"area","op":"gte","value":5}`)),
			[]string{`field "area"`, "op gte cannot test a boolean field"}},
		{"numeric op with a string", application(appFields, benefit(`{"field":"income","op":"lte","value":"5"}`)),
			[]string{`field "income"`, "needs a number value"}},
		{"table value not numeric", application(appFields, benefit(`{"field":"income","op":"lte_table","by":"size","table":{"1":"thirty"}}`)),
			[]string{"bad.json", `table entry "1" must be a number`}},
		{"table with a gap", application(appFields, benefit(`{"field":"income","op":"lte_table","by":"size","table":{"1":1,"3":3}}`)),
			[]string{`field "income"`, "without gaps (missing 2)"}},
		{"table key not a size", application(appFields, benefit(`{"field":"income","op":"lte_table","by":"size","table":{"1":1,"one":3}}`)),
			[]string{`field "income"`, `table key "one"`}},
		{"table by a non-integer field", application(appFields, benefit(`{"field":"income","op":"lte_table","by":"income","table":{"1":1}}`)),
			[]string{`field "income"`, `by "income" must be a number field with integer: true`}},
		{"contains_any value not an option", application(appFields, benefit(`{"field":"got","op":"contains_any","value":["snap"]}`)),
			[]string{`field "got"`, `"snap" is not an option of field "got"`}},
		{"eq on a boolean with a string", application(appFields, benefit(`{"field":"area","op":"eq","value":"yes"}`)),
			[]string{`field "area"`, "compares with true or false"}},
		{"group and test mixed", application(appFields, benefit(`{"field":"age","op":"gte","value":1,"any":[]}`)),
			[]string{"bad.json", "either a group"}},
		{"empty any group", application(appFields, benefit(`{"any":[]}`)),
			[]string{"bad.json", "empty group"}},
		{"unknown rule key", application(appFields, benefit(`{"field":"income","op":"lte","value":1,"unit":"usd"}`)),
			[]string{"bad.json", `unknown field "unit"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(fstest.MapFS{"bad.json": {Data: []byte(tt.src)}})
			if err == nil {
				t.Fatal("Load accepted a bad definition")
			}
			var probs Problems
			if !errors.As(err, &probs) {
				t.Fatalf("error is %T, not Problems: %v", err, err)
			}
			for _, p := range probs {
				line := p.String()
				ok := strings.HasPrefix(line, "bad.json")
				for _, w := range tt.want {
					ok = ok && strings.Contains(line, w)
				}
				if ok {
					return
				}
			}
			t.Fatalf("no problem mentions all of %q:\n%v", tt.want, err)
		})
	}
}

// All problems come back at once, from every file.
func TestLoadReportsEverything(t *testing.T) {
	bad1 := `{"key":"a","version":1,"title":"A","kind":"mentoring","steps":[{"key":"s","title":"S","fields":[
		{"key":"x","type":"txt","label":"X"},{"key":"y","type":"select","label":"Y"}]}]}`
	bad2 := `{"key":"b","version":0,"title":"B","kind":"mentoring","steps":[{"key":"s","title":"S","fields":[
		{"key":"z","type":"text","label":"Z","column":"nope"}]}]}`
	_, err := Load(fstest.MapFS{"a.json": {Data: []byte(bad1)}, "b.json": {Data: []byte(bad2)}, "notes.txt": {Data: []byte("ignored")}})
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		`a.json: step "s": field "x": unknown type "txt"`,
		`a.json: step "s": field "y": select field needs options`,
		`b.json: version must be 1 or more`,
		`b.json: step "s": field "z": unknown column "nope"`,
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in:\n%v", w, err)
		}
	}
	if len(probs) != len(want) {
		t.Errorf("%d problems, want %d:\n%v", len(probs), len(want), err)
	}
}

func TestLoadDuplicateKeysAcrossFiles(t *testing.T) {
	src := oneStep(`{"key":"a","type":"text","label":"A"}`)
	_, err := Load(fstest.MapFS{"one.json": {Data: []byte(src)}, "two.json": {Data: []byte(src)}})
	if err == nil || !strings.Contains(err.Error(), `two.json: key "t" is already used by one.json`) {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadEmpty(t *testing.T) {
	if _, err := Load(fstest.MapFS{}); err == nil {
		t.Fatal("an empty directory loaded")
	}
}
