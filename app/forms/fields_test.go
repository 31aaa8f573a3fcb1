package forms

import (
	"reflect"
	"testing"
	"time"
)

// fieldCase posts in to a one-step form holding field (and any extra
// fields) and checks the stored value of key and its error.
type fieldCase struct {
	name    string
	in      map[string][]string
	want    any    // stored value of the field under test; nil = absent
	wantErr string // message for its input; "" = none
}

func runFieldCases(t *testing.T, def *Definition, key string, cases []fieldCase) {
	t.Helper()
	f, ok := def.Field(key)
	if !ok {
		t.Fatalf("no field %q", key)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := ParseStep(def, def.Steps()[f.step].Key, tc.in, Answers{}, now)
			if v, ok := got[key]; tc.want == nil && ok {
				t.Errorf("value = %#v, want absent", v)
			} else if tc.want != nil && !reflect.DeepEqual(v, tc.want) {
				t.Errorf("value = %#v, want %#v", v, tc.want)
			}
			if msg := errorFor(errs, InputID(f)); msg != tc.wantErr {
				t.Errorf("error = %q, want %q (all: %v)", msg, tc.wantErr, errs)
			}
		})
	}
}

type vals = map[string][]string

func TestText(t *testing.T) {
	def := loadOne(t, oneStep(
		`{"key":"full_name","type":"text","label":"Full name","required":true,"required_message":"Enter your full name.","min_length":2,"max_length":12}`,
		`{"key":"code","type":"text","label":"Code","pattern":"[A-Z]{3}-\\d{2}"}`,
		`{"key":"phone","type":"text","label":"Phone","pattern":"\\+?[0-9 ]{7,15}","pattern_message":"Enter digits only."}`,
		`{"key":"note","type":"textarea","label":"Note","max_length":12}`,
		`{"key":"plain","type":"text","label":"Plain"}`,
	))
	runFieldCases(t, def, "full_name", []fieldCase{
		{"trimmed and collapsed", vals{"full_name": {"  Ada \t  Lovelace "}}, "Ada Lovelace", ""},
		{"control characters dropped", vals{"full_name": {"Ada\x00\x07 L"}}, "Ada L", ""},
		{"missing", vals{}, nil, "Enter your full name."},
		{"only spaces is missing", vals{"full_name": {"   "}}, nil, "Enter your full name."},
		{"too short", vals{"full_name": {"A"}}, "A", "Enter at least 2 characters."},
		{"too long, value kept", vals{"full_name": {"Ada Lovelace!"}}, "Ada Lovelace!", "Enter 12 characters or fewer."},
		{"length counts characters not bytes", vals{"full_name": {"Zoë Ünïcødé"}}, "Zoë Ünïcødé", ""},
		{"twelve characters in any script", vals{"full_name": {"李小龍李小龍李小龍李小龍"}}, "李小龍李小龍李小龍李小龍", ""},
		{"thirteen is too many in any script", vals{"full_name": {"李小龍李小龍李小龍李小龍李"}}, "李小龍李小龍李小龍李小龍李", "Enter 12 characters or fewer."},
		{"invalid UTF-8 replaced", vals{"full_name": {"Ad\xffa"}}, "Ad\uFFFDa", ""},
	})
	runFieldCases(t, def, "code", []fieldCase{
		{"pattern matches", vals{"code": {"ABC-12"}}, "ABC-12", ""},
		{"pattern is anchored", vals{"code": {"xABC-12x"}}, "xABC-12x", "Enter code in the right format."},
		{"optional and empty", vals{"code": {""}}, nil, ""},
	})
	runFieldCases(t, def, "phone", []fieldCase{
		{"custom message", vals{"phone": {"call me"}}, "call me", "Enter digits only."},
		{"ok", vals{"phone": {"+44 20 7946 0000"}}, "+44 20 7946 0000", ""},
	})
	runFieldCases(t, def, "note", []fieldCase{
		{"line breaks kept and normalised", vals{"note": {"\r\n one\r\ntwo \r\n"}}, "one\ntwo", ""},
		{"max length", vals{"note": {"thirteen char"}}, "thirteen char", "Enter 12 characters or fewer."},
	})
	runFieldCases(t, def, "plain", []fieldCase{
		{"default limit keeps junk out", vals{"plain": {string(make([]byte, 0)) + repeat("x", 501)}}, repeat("x", 501), "Enter 500 characters or fewer."},
	})
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

func TestEmail(t *testing.T) {
	def := loadOne(t, oneStep(`{"key":"email","type":"email","label":"Manager email","required":true}`))
	const bad = "Enter an email address like name@example.com."
	runFieldCases(t, def, "email", []fieldCase{
		{"valid, case kept", vals{"email": {" Ann.Lee@Example.org "}}, "Ann.Lee@Example.org", ""},
		{"plus address", vals{"email": {"a+b@example.co.uk"}}, "a+b@example.co.uk", ""},
		{"missing", vals{}, nil, "Enter manager email."},
		{"no at", vals{"email": {"ann.example.org"}}, "ann.example.org", bad},
		{"display name refused", vals{"email": {"Ann <ann@example.org>"}}, "Ann <ann@example.org>", bad},
		{"dotless domain", vals{"email": {"ann@localhost"}}, "ann@localhost", bad},
		{"two ats", vals{"email": {"a@b@example.org"}}, "a@b@example.org", bad},
		{"space inside", vals{"email": {"ann lee@example.org"}}, "ann lee@example.org", bad},
		{"trailing dot", vals{"email": {"ann@example.org."}}, "ann@example.org.", bad},
	})
}

func TestChoices(t *testing.T) {
	def := loadOne(t, oneStep(
		`{"key":"color","type":"select","label":"Colour","required":true,"options":[{"value":"red","label":"Red"},{"value":"green","label":"Green"}]}`,
		`{"key":"size","type":"radio","label":"Size","options":[{"value":"s","label":"Small"},{"value":"m","label":"Medium"}]}`,
		`{"key":"pets","type":"checkboxes","label":"Pets","required":true,"max_items":2,"options":[
			{"value":"cat","label":"Cat"},{"value":"dog","label":"Dog"},{"value":"fish","label":"Fish"},{"value":"none","label":"None","exclusive":true}]}`,
	))
	runFieldCases(t, def, "color", []fieldCase{
		{"option", vals{"color": {"green"}}, "green", ""},
		{"not an option, kept", vals{"color": {"blue"}}, "blue", "Choose one of the options."},
		{"missing", vals{"color": {""}}, nil, "Choose an answer for “Colour”."},
	})
	runFieldCases(t, def, "size", []fieldCase{
		{"option", vals{"size": {"m"}}, "m", ""},
		{"optional", vals{}, nil, ""},
		{"values are case-sensitive", vals{"size": {"M"}}, "M", "Choose one of the options."},
	})
	runFieldCases(t, def, "pets", []fieldCase{
		{"option order, duplicates dropped", vals{"pets": {"dog", "cat", "dog"}}, []string{"cat", "dog"}, ""},
		{"too many", vals{"pets": {"dog", "cat", "fish"}}, []string{"cat", "dog", "fish"}, "Choose at most 2 options."},
		{"unknown value kept after known", vals{"pets": {"lion", "cat"}}, []string{"cat", "lion"}, "Choose from the options shown."},
		{"exclusive alone", vals{"pets": {"none"}}, []string{"none"}, ""},
		{"exclusive with another", vals{"pets": {"none", "cat"}}, []string{"cat", "none"}, "“None” can't be chosen with other options."},
		{"none ticked", vals{}, nil, "Choose at least one option for “Pets”."},
	})
}

func TestInterests(t *testing.T) {
	def := loadOne(t, oneStep(`{"key":"likes","type":"interests","label":"Interests","required":true,"max_items":3,
		"presets":["Career growth","Leadership","Work-life balance"]}`))
	f, _ := def.Field("likes")
	runFieldCases(t, def, "likes", []fieldCase{
		{"preset ticked", vals{"likes": {"Leadership"}}, []string{"Leadership"}, ""},
		{"own entry duplicating a preset folds into it", vals{"likes": {"Leadership"}, f.OtherName(): {"  leadership "}}, []string{"Leadership"}, ""},
		{"own entry alone matching a preset becomes the preset", vals{f.OtherName(): {"CAREER   growth"}}, []string{"Career growth"}, ""},
		{"presets first in preset order, then own entries", vals{"likes": {"Leadership", "Career growth"}, f.OtherName(): {"Rust"}}, []string{"Career growth", "Leadership", "Rust"}, ""},
		{"own entries split, trimmed, collapsed, de-duplicated", vals{f.OtherName(): {" open   source, Open Source ,\nhiking;;"}}, []string{"open source", "hiking"}, ""},
		{"saved own entry comes back ticked", vals{"likes": {"hiking", "Leadership"}}, []string{"Leadership", "hiking"}, ""},
		{"too many", vals{"likes": {"Leadership"}, f.OtherName(): {"a, b, c"}}, []string{"Leadership", "a", "b", "c"}, "Choose at most 3 interests."},
		{"entry too long, kept", vals{f.OtherName(): {repeat("x", 41)}}, []string{repeat("x", 41)}, "Keep each interest to 40 characters or fewer."},
		{"entry of 40 is fine", vals{f.OtherName(): {repeat("é", 40)}}, []string{repeat("é", 40)}, ""},
		{"only separators is empty", vals{f.OtherName(): {" , ; "}}, nil, "Choose at least one option for “Interests”."},
	})
}

func TestBooleanAndConsent(t *testing.T) {
	def := loadOne(t, oneStep(
		`{"key":"member","type":"boolean","label":"Are you a member?","required":true}`,
		`{"key":"agree","type":"consent","label":"I agree","required":true}`,
		`{"key":"maybe","type":"consent","label":"Send news"}`,
	))
	runFieldCases(t, def, "member", []fieldCase{
		{"yes", vals{"member": {"yes"}}, true, ""},
		{"no is an answer", vals{"member": {"no"}}, false, ""},
		{"true", vals{"member": {"TRUE"}}, true, ""},
		{"junk kept", vals{"member": {"perhaps"}}, "perhaps", "Choose yes or no."},
		{"missing", vals{}, nil, "Choose an answer for “Are you a member”."},
	})
	runFieldCases(t, def, "agree", []fieldCase{
		{"ticked", vals{"agree": {"on"}}, true, ""},
		{"unticked", vals{}, nil, "Tick the box to agree: “I agree”."},
		{"no is not consent", vals{"agree": {"no"}}, nil, "Tick the box to agree: “I agree”."},
		{"junk is not consent", vals{"agree": {"x"}}, nil, "Tick the box to agree: “I agree”."},
	})
	runFieldCases(t, def, "maybe", []fieldCase{
		{"optional unticked", vals{}, nil, ""},
		{"optional ticked", vals{"maybe": {"yes"}}, true, ""},
	})
}

func TestNumber(t *testing.T) {
	def := loadOne(t, oneStep(
		`{"key":"count","type":"number","label":"People","required":true,"integer":true,"min":1,"max":20}`,
		`{"key":"price","type":"number","label":"Price","min":0.5,"step":0.25}`,
		`{"key":"income","type":"number","label":"Income","min":0}`,
		`{"key":"temp","type":"number","label":"Temperature","max":100}`,
	))
	runFieldCases(t, def, "count", []fieldCase{
		{"integer", vals{"count": {" 3 "}}, 3.0, ""},
		{"lower bound", vals{"count": {"1"}}, 1.0, ""},
		{"upper bound", vals{"count": {"20"}}, 20.0, ""},
		{"below", vals{"count": {"0"}}, 0.0, "Enter a number between 1 and 20."},
		{"above", vals{"count": {"21"}}, 21.0, "Enter a number between 1 and 20."},
		{"fraction", vals{"count": {"2.5"}}, 2.5, "Enter a whole number."},
		{"whole written with decimals", vals{"count": {"2.0"}}, 2.0, ""},
		{"not a number kept raw", vals{"count": {"three"}}, "three", "Enter a number, like 42."},
		{"exponent refused", vals{"count": {"1e1"}}, "1e1", "Enter a number, like 42."},
		{"hex refused", vals{"count": {"0x10"}}, "0x10", "Enter a number, like 42."},
		{"NaN refused", vals{"count": {"NaN"}}, "NaN", "Enter a number, like 42."},
		{"Inf refused", vals{"count": {"Inf"}}, "Inf", "Enter a number, like 42."},
		{"missing", vals{}, nil, "Enter people."},
	})
	runFieldCases(t, def, "price", []fieldCase{
		{"on step from min", vals{"price": {"1.25"}}, 1.25, ""},
		{"off step", vals{"price": {"1.3"}}, 1.3, "Enter a number in steps of 0.25."},
		{"leading dot", vals{"price": {".75"}}, 0.75, ""},
	})
	runFieldCases(t, def, "income", []fieldCase{
		{"thousands separators", vals{"income": {"45,000"}}, 45000.0, ""},
		{"bad grouping refused", vals{"income": {"4,50"}}, "4,50", "Enter a number, like 42."},
		{"negative", vals{"income": {"-1"}}, -1.0, "Enter a number of at least 0."},
		{"minus zero is zero", vals{"income": {"-0"}}, 0.0, ""},
		{"huge overflows", vals{"income": {"1" + repeat("0", 39)}}, 1e39, ""},
	})
	runFieldCases(t, def, "temp", []fieldCase{
		{"max only", vals{"temp": {"100.5"}}, 100.5, "Enter a number of at most 100."},
	})
}

func TestDate(t *testing.T) {
	def := loadOne(t, oneStep(
		`{"key":"start","type":"date","label":"Start date","required":true,"min":"today"}`,
		`{"key":"end","type":"date","label":"End date","after_field":"start","max":"2030-12-31"}`,
		`{"key":"born","type":"date","label":"Birth date","min":"1900-01-01","max":"today"}`,
	))
	// now is 2026-01-20.
	runFieldCases(t, def, "start", []fieldCase{
		{"today", vals{"start": {"2026-01-20"}}, "2026-01-20", ""},
		{"later", vals{"start": {"2026-03-01"}}, "2026-03-01", ""},
		{"yesterday", vals{"start": {"2026-01-19"}}, "2026-01-19", "Enter today's date or a later one."},
		{"wrong format kept", vals{"start": {"01/03/2026"}}, "01/03/2026", "Enter a date like 2026-03-01."},
		{"no padding", vals{"start": {"2026-3-1"}}, "2026-3-1", "Enter a date like 2026-03-01."},
		{"impossible day", vals{"start": {"2026-02-30"}}, "2026-02-30", "Enter a date like 2026-03-01."},
		{"missing", vals{}, nil, "Enter start date."},
	})
	runFieldCases(t, def, "end", []fieldCase{
		{"after start", vals{"start": {"2026-03-01"}, "end": {"2026-03-02"}}, "2026-03-02", ""},
		{"same day as start", vals{"start": {"2026-03-01"}, "end": {"2026-03-01"}}, "2026-03-01", "Enter a date after start date (1 March 2026)."},
		{"before start", vals{"start": {"2026-03-01"}, "end": {"2026-02-01"}}, "2026-02-01", "Enter a date after start date (1 March 2026)."},
		{"start invalid: no comparison", vals{"start": {"soon"}, "end": {"2026-02-01"}}, "2026-02-01", ""},
		{"fixed max", vals{"start": {"2026-03-01"}, "end": {"2031-01-01"}}, "2031-01-01", "Enter a date on or before 31 December 2030."},
	})
	runFieldCases(t, def, "born", []fieldCase{
		{"max today", vals{"born": {"2026-01-21"}}, "2026-01-21", "Enter today's date or an earlier one."},
		{"fixed min", vals{"born": {"1899-12-31"}}, "1899-12-31", "Enter a date on or after 1 January 1900."},
	})

	t.Run("today follows now's location", func(t *testing.T) {
		// 23:30 UTC on the 20th is already the 21st in Tokyo.
		tokyo, _ := time.LoadLocation("Asia/Tokyo")
		at := time.Date(2026, 1, 20, 23, 30, 0, 0, time.UTC).In(tokyo)
		_, errs := ParseStep(def, "s", vals{"start": {"2026-01-20"}}, Answers{}, at)
		if msg := errorFor(errs, "start"); msg != "Enter today's date or a later one." {
			t.Fatalf("error = %q", msg)
		}
	})
}

func TestTimezoneAndFile(t *testing.T) {
	def := loadOne(t, oneStep(
		`{"key":"tz","type":"timezone","label":"Time zone","required":true}`,
		`{"key":"proof","type":"file","label":"Proof","accept":["application/pdf","image/png"],"max_size":5242880}`,
	))
	const badZone = "Choose a time zone from the list, like Europe/Berlin."
	runFieldCases(t, def, "tz", []fieldCase{
		{"IANA zone", vals{"tz": {"America/Los_Angeles"}}, "America/Los_Angeles", ""},
		{"UTC", vals{"tz": {"UTC"}}, "UTC", ""},
		{"three levels", vals{"tz": {"America/Argentina/Buenos_Aires"}}, "America/Argentina/Buenos_Aires", ""},
		{"unknown", vals{"tz": {"Mars/Olympus_Mons"}}, "Mars/Olympus_Mons", badZone},
		{"Local is the server's, refused", vals{"tz": {"Local"}}, "Local", badZone},
		{"path refused", vals{"tz": {"../../etc/passwd"}}, "../../etc/passwd", badZone},
		{"absolute path refused", vals{"tz": {"/usr/share/zoneinfo/UTC"}}, "/usr/share/zoneinfo/UTC", badZone},
		{"directory refused", vals{"tz": {"America"}}, "America", badZone},
		{"missing", vals{}, nil, "Choose an answer for “Time zone”."},
	})
	runFieldCases(t, def, "proof", []fieldCase{
		{"upload id", vals{"proof": {"42"}}, "42", ""},
		{"optional", vals{}, nil, ""},
		{"zero", vals{"proof": {"0"}}, "0", "Choose the file again: the upload was not recognised."},
		{"negative", vals{"proof": {"-3"}}, "-3", "Choose the file again: the upload was not recognised."},
		{"not a number", vals{"proof": {"x.pdf"}}, "x.pdf", "Choose the file again: the upload was not recognised."},
		{"overflows int64", vals{"proof": {"9999999999999999999"}}, "9999999999999999999", "Choose the file again: the upload was not recognised."},
	})
	f, _ := def.Field("proof")
	for ct, want := range map[string]bool{"application/pdf": true, "IMAGE/PNG": true, "image/png; q=1": true, "image/gif": false, "": false} {
		if got := f.AcceptsType(ct); got != want {
			t.Errorf("AcceptsType(%q) = %v, want %v", ct, got, want)
		}
	}
}

func TestShowIf(t *testing.T) {
	def := loadOne(t, `{"key":"t","version":1,"title":"T","kind":"mentoring","steps":[
		{"key":"one","title":"One","fields":[
			{"key":"roles","type":"checkboxes","label":"Roles","required":true,"options":[{"value":"mentor","label":"Mentor"},{"value":"learner","label":"Learner"}]},
			{"key":"track","type":"radio","label":"Track","required":true,"options":[{"value":"yes","label":"Yes"},{"value":"no","label":"No"}],
			 "show_if":{"field":"roles","contains":"learner"}},
			{"key":"why","type":"text","label":"Why","required":true,"show_if":{"field":"track","equals":"yes"}}
		]},
		{"key":"two","title":"Two","fields":[
			{"key":"mentor_topics","type":"text","label":"Topics","required":true,"show_if":{"field":"roles","in":["mentor"]}},
			{"key":"has_car","type":"boolean","label":"Car?"},
			{"key":"plate","type":"text","label":"Plate","required":true,"show_if":{"field":"has_car","equals":true}}
		]}]}`)

	t.Run("visible field is required", func(t *testing.T) {
		got, errs := ParseStep(def, "one", vals{"roles": {"learner"}}, Answers{}, now)
		if msg := errorFor(errs, "track-0"); msg != "Choose an answer for “Track”." {
			t.Fatalf("track error = %q (%v)", msg, errs)
		}
		if _, ok := got["why"]; ok {
			t.Fatal("why should be hidden")
		}
	})
	t.Run("a missing answer is marked revealed only when these answers revealed the question", func(t *testing.T) {
		for _, tt := range []struct {
			name     string
			in       vals
			prev     Answers
			field    string
			revealed bool
		}{
			{"learner ticked just now", vals{"roles": {"learner"}}, Answers{"roles": []string{"mentor"}}, "track-0", true},
			{"first save", vals{"roles": {"learner"}}, Answers{}, "track-0", true},
			{"learner already saved", vals{"roles": {"learner"}}, Answers{"roles": []string{"learner"}}, "track-0", false},
			{"a chain: track yes just now", vals{"roles": {"learner"}, "track": {"yes"}}, Answers{"roles": []string{"learner"}, "track": "no"}, "why", true},
			{"a field without show-if", vals{}, Answers{}, "roles-0", false},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, errs := ParseStep(def, "one", tt.in, tt.prev, now)
				for _, e := range errs {
					if e.Field == tt.field {
						if e.Revealed != tt.revealed {
							t.Fatalf("%s: Revealed = %v, want %v", e.Field, e.Revealed, tt.revealed)
						}
						return
					}
				}
				t.Fatalf("no error for %s: %v", tt.field, errs)
			})
		}
	})
	t.Run("hidden field is not required and its answer is dropped", func(t *testing.T) {
		got, errs := ParseStep(def, "one", vals{"roles": {"mentor"}, "track": {"yes"}, "why": {"because"}}, Answers{}, now)
		if len(errs) != 0 {
			t.Fatalf("errors = %v", errs)
		}
		for _, k := range []string{"track", "why"} {
			if _, ok := got[k]; ok {
				t.Errorf("%s kept while hidden", k)
			}
		}
	})
	t.Run("a chain hides as a whole", func(t *testing.T) {
		f, _ := def.Field("why")
		if def.Visible(f, Answers{"roles": []string{"mentor"}, "track": "yes"}) {
			t.Fatal("why is visible although track is hidden")
		}
		if !def.Visible(f, Answers{"roles": []any{"learner"}, "track": "yes"}) {
			t.Fatal("why hidden although roles (from JSON) contains learner and track is yes")
		}
	})
	t.Run("answers on other steps are dropped when hidden by this one", func(t *testing.T) {
		prev := Answers{"roles": []string{"mentor"}, "mentor_topics": "Go"}
		got, _ := ParseStep(def, "one", vals{"roles": {"learner"}, "track": {"no"}}, prev, now)
		if _, ok := got["mentor_topics"]; ok {
			t.Fatal("mentor_topics kept though roles no longer contains mentor")
		}
		if got["track"] != "no" {
			t.Fatalf("track = %v", got["track"])
		}
	})
	t.Run("other steps untouched otherwise", func(t *testing.T) {
		prev := Answers{"roles": []string{"mentor"}, "mentor_topics": "Go", "has_car": true, "plate": "AB 123"}
		got, _ := ParseStep(def, "one", vals{"roles": {"mentor", "learner"}, "track": {"no"}}, prev, now)
		for _, k := range []string{"mentor_topics", "has_car", "plate"} {
			if !reflect.DeepEqual(got[k], prev[k]) {
				t.Errorf("%s = %v, want %v", k, got[k], prev[k])
			}
		}
		if !reflect.DeepEqual(prev["roles"], []string{"mentor"}) {
			t.Error("prev was modified")
		}
	})
	t.Run("boolean condition", func(t *testing.T) {
		got, errs := ParseStep(def, "two", vals{"mentor_topics": {"Go"}, "has_car": {"no"}, "plate": {"X"}}, Answers{"roles": []string{"mentor"}}, now)
		if len(errs) != 0 || got["plate"] != nil {
			t.Fatalf("plate = %v, errors = %v", got["plate"], errs)
		}
		_, errs = ParseStep(def, "two", vals{"mentor_topics": {"Go"}, "has_car": {"yes"}}, Answers{"roles": []string{"mentor"}}, now)
		if msg := errorFor(errs, "plate"); msg != "Enter plate." {
			t.Fatalf("plate error = %q", msg)
		}
	})
	t.Run("ValidateAll ignores hidden required fields", func(t *testing.T) {
		errs := ValidateAll(def, Answers{"roles": []string{"mentor"}, "mentor_topics": "Go"}, now)
		if len(errs) != 0 {
			t.Fatalf("errors = %v", errs)
		}
		errs = ValidateAll(def, Answers{"roles": []string{"learner"}}, now)
		if len(errs["one"]) != 1 || errs["one"][0].Field != "track-0" || len(errs["two"]) != 0 {
			t.Fatalf("errors = %v", errs)
		}
	})
}

func TestUnknownStep(t *testing.T) {
	def := loadOne(t, oneStep(`{"key":"a","type":"text","label":"A"}`))
	prev := Answers{"a": "x"}
	got, errs := ParseStep(def, "nope", vals{"a": {"y"}}, prev, now)
	if len(errs) != 1 || errs[0].Field != "" || got["a"] != "x" {
		t.Fatalf("got %v, %v", got, errs)
	}
}

func TestFirstIncompleteStep(t *testing.T) {
	def := builtinDef(t, "mentoring")
	// A mentor only: no track change, no learner interests.
	mentor := withAnswers(sampleMentoring(), Answers{"roles": []string{"mentor"}}, "track_change", "mentee_interests")
	all := []string{"about", "role", "availability", "interests", "finish"}
	tests := []struct {
		name      string
		answers   Answers
		completed []string
		want      string
	}{
		{"nothing done", Answers{}, nil, "about"},
		{"resume after the first", mentor, []string{"about"}, "role"},
		{"all done", mentor, all, ""},
		{"order of completed steps does not matter", mentor, []string{"finish", "interests", "availability", "role", "about"}, ""},
		{"revealed required field reopens its step", withAnswers(mentor, Answers{"roles": []string{"mentor", "learner"}}), all, "role"},
		{"missing interest reopens interests", withAnswers(mentor, nil, "mentor_interests"), all, "interests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FirstIncompleteStep(def, tt.answers, tt.completed); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// withAnswers copies a, sets the given answers and removes the given keys.
func withAnswers(a Answers, set Answers, remove ...string) Answers {
	out := clone(a)
	for k, v := range set {
		out[k] = v
	}
	for _, k := range remove {
		delete(out, k)
	}
	return out
}

func TestRawHelpers(t *testing.T) {
	a := Answers{"s": "x", "n": 45000.0, "b": true, "no": false, "l": []string{"a", "b"}, "j": []any{"c"}, "m": maskValue(3)}
	for key, want := range map[string]string{"s": "x", "n": "45000", "b": "yes", "no": "no", "l": "", "m": "", "missing": ""} {
		if got := Raw(a, key); got != want {
			t.Errorf("Raw(%s) = %q, want %q", key, got, want)
		}
	}
	if got := RawList(a, "j"); !reflect.DeepEqual(got, []string{"c"}) {
		t.Errorf("RawList(j) = %v", got)
	}
	if got := RawList(a, "s"); !reflect.DeepEqual(got, []string{"x"}) {
		t.Errorf("RawList(s) = %v", got)
	}
	if !Checked(a, "l", "b") || Checked(a, "l", "z") || !Checked(a, "s", "x") {
		t.Error("Checked")
	}
}

func TestDecodeAnswers(t *testing.T) {
	a, err := DecodeAnswers([]byte(`{"roles":["mentor"],"hours":{"mask":65280},"n":3,"raw":{"mode":"range","from":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Answers{"roles": []string{"mentor"}, "hours": maskValue(65280), "n": 3.0, "raw": map[string]any{"mode": "range", "from": "x"}}
	if !reflect.DeepEqual(a, want) {
		t.Fatalf("got %#v", a)
	}
}
