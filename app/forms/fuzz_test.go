package forms

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzDefs are the built-in definitions in a fixed order.
func fuzzDefs(t testing.TB) []*Definition {
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var defs []*Definition
	for _, k := range reg.Keys() {
		d, _ := reg.Get(k)
		defs = append(defs, d)
	}
	return defs
}

// inputNames are every input name a definition's forms use; "@n" in a
// fuzzed query stands for the n-th, so the fuzzer reaches real fields.
func inputNames(def *Definition) []string {
	var names []string
	for _, f := range def.Fields() {
		names = append(names, f.Key)
		switch f.Type {
		case TypeAvailability:
			names = append(names, f.ModeName(), f.FromName(), f.ToName())
		case TypeInterests:
			names = append(names, f.OtherName())
		}
	}
	return names
}

// FuzzParseStep posts random form values (and random saved answers) to the
// built-in forms. ParseStep must never panic, and what it returns must be
// self-consistent: one error per visible field of the step, nothing kept
// for hidden fields, other steps untouched, and re-posting what it stored
// (Inputs) — also after a JSON round trip — gives the same answers and
// errors, which is what ValidateAll relies on.
func FuzzParseStep(f *testing.F) {
	seeds := []struct {
		def, step uint8
		query     string
		prev      string
		hours     int16
	}{
		{2, 0, "full_name=Ada+Lovelace&manager_name=Charles&manager_email=c%40example.org", "{}", 0},
		{2, 1, "roles=mentor&roles=learner&org=other&org_other=Research&level=IC3&time_at_level=1-2&distance_pref=neutral&track_change=yes", "{}", 0},
		{2, 1, "roles=learner&org=nope&level=&time_at_level=%3E6&distance_pref=x", `{"mentor_interests":["Leadership"]}`, 0},
		{2, 2, "time_zone=America%2FLos_Angeles&hours_mode=range&hours_from=22&hours_to=6", "{}", 4000},
		{2, 2, "time_zone=Asia%2FKathmandu&hours_mode=custom&hours=1&hours=23&hours=7", "{}", -300},
		{2, 2, "time_zone=Mars&hours_from=24&hours_to=x", `{"time_zone":5}`, 0},
		{2, 3, "mentor_interests=Leadership&mentor_interests_other=+leadership+,Rust,%00,&mentee_interests=Career+growth", `{"roles":["mentor","learner"]}`, 0},
		{2, 3, "@20=a,b,c,d,e,f,g", `{"roles":["learner"]}`, 0},
		{2, 4, "comments=hi%0D%0Athere&consent=on", "{}", 0},
		{0, 0, "household_size=3&income=45%2C000&in_service_area=yes&age=70", "{}", 0},
		{0, 0, "household_size=1e3&income=-0&in_service_area=maybe&age=NaN", "{}", 0},
		{0, 1, "benefits_received=none&benefits_received=snap", "{}", 0},
		{0, 2, "full_name=A&phone=%2B1+303+555+0100&proof_of_income=12&consent=yes", "{}", 0},
		{1, 1, "mission_start=2026-03-01&mission_end=2026-02-01", "{}", 0},
		{1, 0, "full_name=%FF%FE&team=logistics&team_role=x&time_zone=Local", `{"mission_start":[1,2]}`, 0},
		{1, 255, "a=b", "{}", 0},
	}
	for _, s := range seeds {
		f.Add(s.def, s.step, s.query, s.prev, s.hours)
	}
	defs := fuzzDefs(f)
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

	f.Fuzz(func(t *testing.T, defIdx, stepIdx uint8, query, prevJSON string, hours int16) {
		def := defs[int(defIdx)%len(defs)]
		at := base.Add(time.Duration(hours) * time.Hour)
		stepKey := "no-such-step"
		if stepIdx != 255 {
			stepKey = def.Steps()[int(stepIdx)%len(def.Steps())].Key
		}
		in, _ := url.ParseQuery(query)
		names := inputNames(def)
		for k, v := range in {
			if n, err := strconv.Atoi(strings.TrimPrefix(k, "@")); err == nil && strings.HasPrefix(k, "@") {
				name := names[(n%len(names)+len(names))%len(names)]
				in[name] = append(in[name], v...)
			}
		}
		prev, err := DecodeAnswers([]byte(prevJSON))
		if err != nil || prev == nil {
			prev = Answers{}
		}
		prevCopy := clone(prev)

		got, errs := ParseStep(def, stepKey, in, prev, at)
		if !reflect.DeepEqual(prev, prevCopy) {
			t.Fatal("ParseStep modified prev")
		}
		step, _, ok := def.Step(stepKey)
		if !ok {
			if len(errs) != 1 || errs[0].Field != "" {
				t.Fatalf("unknown step: errors %v", errs)
			}
			return
		}
		checkParse(t, def, step, prev, got, errs, at)

		// Re-posting what was stored gives the same result…
		// (Revealed depends on prev, which differs: compare without it.)
		errs = unrevealed(errs)
		again, errs2 := ParseStep(def, stepKey, Inputs(def, stepKey, got, at), got, at)
		if !reflect.DeepEqual(canonAll(again), canonAll(got)) || !reflect.DeepEqual(errs, errs2) {
			t.Fatalf("not idempotent:\n in   %v\n got  %#v %v\n then %#v %v", in, got, errs, again, errs2)
		}
		// …and so does ValidateAll…
		if all := ValidateAll(def, got, at); !reflect.DeepEqual(all[stepKey], errs) {
			t.Fatalf("ValidateAll %v, ParseStep %v", all[stepKey], errs)
		}
		// …also after the answers were stored as JSON.
		data, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("answers do not marshal: %v", err)
		}
		stored, err := DecodeAnswers(data)
		if err != nil {
			t.Fatal(err)
		}
		_, errs3 := ParseStep(def, stepKey, Inputs(def, stepKey, stored, at), stored, at)
		if !reflect.DeepEqual(errs, errs3) {
			t.Fatalf("after JSON: %v, before %v", errs3, errs)
		}

		// The readers never panic on whatever was stored.
		_ = Extract(def, got, at)
		_ = Evaluate(def, got)
		_ = ChangesAt(def, prev, got, at)
		for _, fl := range def.Fields() {
			_ = Display(def, fl, got, at)
		}
		_ = FirstIncompleteStep(def, got, []string{stepKey})
	})
}

// checkParse asserts what one ParseStep result must satisfy.
func checkParse(t *testing.T, def *Definition, step *Step, prev, got Answers, errs []FieldError, at time.Time) {
	t.Helper()
	ids := map[string]*Field{}
	inStep := map[string]bool{}
	for _, f := range step.Fields {
		ids[InputID(f)] = f
		inStep[f.Key] = true
	}
	seen := map[string]bool{}
	for _, e := range errs {
		f := ids[e.Field]
		switch {
		case f == nil:
			t.Fatalf("error for unknown input %q", e.Field)
		case seen[e.Field]:
			t.Fatalf("two errors for %q", e.Field)
		case e.Message == "":
			t.Fatalf("empty message for %q", e.Field)
		case !def.Visible(f, got):
			t.Fatalf("error for hidden field %q", f.Key)
		}
		seen[e.Field] = true
	}
	for _, f := range def.Fields() {
		v, has := got[f.Key]
		if has && !def.Visible(f, got) {
			t.Fatalf("hidden field %q kept %v", f.Key, v)
		}
		if !inStep[f.Key] {
			if has && !reflect.DeepEqual(v, prev[f.Key]) {
				t.Fatalf("field %q of another step changed", f.Key)
			}
			continue
		}
		if !has {
			if f.Required && def.Visible(f, got) && !seen[InputID(f)] {
				t.Fatalf("required %q missing without an error", f.Key)
			}
			continue
		}
		if !hasValue(v) {
			t.Fatalf("empty value stored for %q: %#v", f.Key, v)
		}
		if !seen[InputID(f)] {
			// No error: the value is canonical and valid.
			if valid := validValue(def, f, got, at); !reflect.DeepEqual(canonical(valid), canonical(v)) {
				t.Fatalf("%q: stored %#v, valid value %#v", f.Key, v, valid)
			}
			checkCanonicalType(t, f, v)
		}
	}
}

func checkCanonicalType(t *testing.T, f *Field, v any) {
	t.Helper()
	ok := false
	switch f.Type {
	case TypeCheckboxes, TypeInterests:
		_, ok = v.([]string)
	case TypeBoolean:
		_, ok = v.(bool)
	case TypeConsent:
		ok = v == true
	case TypeNumber:
		_, ok = v.(float64)
	case TypeAvailability:
		_, ok = asMask(v)
	default:
		_, ok = v.(string)
	}
	if !ok {
		t.Fatalf("%s field %q stored %#v", f.Type, f.Key, v)
	}
}

func canonAll(a Answers) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = canonical(v)
	}
	return out
}

// unrevealed is errs with the Revealed marks cleared.
func unrevealed(errs []FieldError) []FieldError {
	if errs == nil {
		return nil
	}
	out := make([]FieldError, len(errs))
	for i, e := range errs {
		e.Revealed = false
		out[i] = e
	}
	return out
}
