package forms

import (
	"slices"
	"testing"
)

// sampleApplication is a complete application as ParseStep stores it.
func sampleApplication(household, income float64, inArea bool, age float64, received ...string) Answers {
	if len(received) == 0 {
		received = []string{"none"}
	}
	return Answers{
		"household_size": household, "income": income, "in_service_area": inArea, "age": age,
		"benefits_received": received, "full_name": "Ann Applicant", "phone": "+1 303 555 0100", "consent": true,
	}
}

func eligible(results []Result) map[string]bool {
	out := map[string]bool{}
	for _, r := range results {
		out[r.Benefit] = r.Eligible
	}
	return out
}

func TestEvaluateBuiltinApplication(t *testing.T) {
	def := builtinDef(t, "application")
	tests := []struct {
		name       string
		answers    Answers
		transit    bool
		connect    bool
		recreation bool
	}{
		// Transit: income within the table for the household, in the area.
		{"1 person at the limit", sampleApplication(1, 30000, true, 30), true, true, false},
		{"1 person one over", sampleApplication(1, 30001, true, 30), false, true, false},
		{"2 people at the limit", sampleApplication(2, 40000, true, 30), true, true, false},
		{"2 people one over", sampleApplication(2, 40001, true, 30), false, true, false},
		{"3 people at the limit", sampleApplication(3, 50000, true, 30), true, true, false},
		{"3 people one over", sampleApplication(3, 50001, true, 30), false, true, false},
		{"4 people at the limit", sampleApplication(4, 60000, true, 30), true, true, false},
		{"4 people one over", sampleApplication(4, 60001, true, 30), false, true, false},
		{"5 people: largest size plus one more person", sampleApplication(5, 70000, true, 30), true, true, false},
		{"5 people one over", sampleApplication(5, 70001, true, 30), false, true, false},
		{"8 people", sampleApplication(8, 100000, true, 30), true, true, false},
		{"no income at all", sampleApplication(1, 0, true, 30), true, true, false},
		{"outside the area", sampleApplication(1, 0, false, 30), false, true, false},

		// Connectivity: income table OR already receives SNAP/Medicaid.
		{"connect: 2 people at its limit", sampleApplication(2, 54000, true, 30), false, true, false},
		{"connect: 2 people one over", sampleApplication(2, 54001, true, 30), false, false, false},
		{"connect: over the limit but on Medicaid", sampleApplication(2, 54001, true, 30, "medicaid"), false, true, false},
		{"connect: over the limit, Lifeline does not count", sampleApplication(2, 54001, true, 30, "lifeline"), false, false, false},
		{"connect: 6 people", sampleApplication(6, 110000, false, 30), false, true, false},
		{"connect: 6 people one over", sampleApplication(6, 110001, false, 30), false, false, false},

		// Senior pass: 65 or over AND in the area.
		{"senior at 65", sampleApplication(1, 99000, true, 65), false, false, true},
		{"64 is too young", sampleApplication(1, 99000, true, 64), false, false, false},
		{"senior outside the area", sampleApplication(1, 99000, false, 80), false, false, false},

		// Only valid answers count.
		{"nothing answered", Answers{}, false, false, false},
		{"income typed wrong", withAnswers(sampleApplication(1, 0, true, 70), Answers{"income": "lots"}), false, false, true},
		{"household out of bounds", withAnswers(sampleApplication(1, 0, true, 30), Answers{"household_size": 0.0}), false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := eligible(Evaluate(def, tt.answers))
			want := map[string]bool{"transit": tt.transit, "connect": tt.connect, "recreation": tt.recreation}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("%s = %v, want %v", k, got[k], w)
				}
			}
		})
	}
}

func TestEvaluateReasons(t *testing.T) {
	def := builtinDef(t, "application")
	byKey := func(a Answers) map[string]Result {
		out := map[string]Result{}
		for _, r := range Evaluate(def, a) {
			out[r.Benefit] = r
		}
		return out
	}
	tests := []struct {
		name    string
		answers Answers
		benefit string
		want    []string
	}{
		{"eligible: every passing test", sampleApplication(3, 45000, true, 40), "transit",
			[]string{"Lives in the service area: Yes", "Household of 3 with income 45,000 is within the 50,000 limit"}},
		{"not eligible: only the failing test", sampleApplication(3, 55000, true, 40), "transit",
			[]string{"Household of 3 with income 55,000 is over the 50,000 limit"}},
		{"any: the test that passed", sampleApplication(2, 90000, true, 40, "snap", "medicaid"), "connect",
			[]string{"Benefits received includes SNAP (food assistance), Medicaid"}},
		{"any failing: every test", sampleApplication(2, 90000, true, 40, "lifeline"), "connect",
			[]string{"Household of 2 with income 90,000 is over the 54,000 limit",
				"Benefits received includes none of SNAP (food assistance), Medicaid"}},
		{"numbers", sampleApplication(1, 1, false, 64), "recreation",
			[]string{"Age 64 is under 65", "Lives in the service area: No (needs Yes)"}},
		{"not answered", Answers{"age": 70.0}, "recreation",
			[]string{"Lives in the service area: not answered"}},
		{"household not answered", Answers{"income": 1.0, "in_service_area": true}, "transit",
			[]string{"Household: not answered"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := byKey(tt.answers)[tt.benefit]
			if !slices.Equal(r.Reasons, tt.want) {
				t.Fatalf("reasons = %q, want %q", r.Reasons, tt.want)
			}
			if r.Name == "" || r.Description == "" {
				t.Fatal("name and description are carried")
			}
		})
	}
}

func TestEvaluateGroups(t *testing.T) {
	def := loadOne(t, `{"key":"g","version":1,"title":"G","kind":"application","steps":[{"key":"s","title":"S","fields":[
		{"key":"age","type":"number","label":"Age","short_label":"age"},
		{"key":"disabled","type":"boolean","label":"Disabled","short_label":"has a disability"},
		{"key":"income","type":"number","label":"Income","short_label":"income"},
		{"key":"county","type":"select","label":"County","options":[{"value":"a","label":"Adams"},{"value":"b","label":"Boulder"},{"value":"d","label":"Denver"}]},
		{"key":"pets","type":"checkboxes","label":"Pets","options":[{"value":"cat","label":"Cat"},{"value":"dog","label":"Dog"}]}
	]}],"eligibility":{"benefits":[
		{"key":"nested","name":"Nested","all":[
			{"any":[{"field":"age","op":"gte","value":65},{"field":"disabled","op":"eq","value":true}]},
			{"all":[{"field":"income","op":"lt","value":1000},{"field":"county","op":"in","value":["a","b"]}]}
		]},
		{"key":"top_any","name":"Top any","all":[{"field":"county","op":"ne","value":"d"}],
		 "any":[{"field":"pets","op":"contains_all","value":["cat","dog"]},{"field":"pets","op":"contains_none","value":["cat","dog"]}]}
	]}}`)
	tests := []struct {
		name   string
		a      Answers
		nested bool
		topAny bool
	}{
		{"old, poor, Adams, no pets", Answers{"age": 70.0, "disabled": false, "income": 999.0, "county": "a"}, true, true},
		{"young but disabled", Answers{"age": 20.0, "disabled": true, "income": 0.0, "county": "b", "pets": []string{"cat", "dog"}}, true, true},
		{"young, not disabled", Answers{"age": 20.0, "disabled": false, "income": 0.0, "county": "b"}, false, true},
		{"income at the strict limit", Answers{"age": 70.0, "income": 1000.0, "county": "a"}, false, true},
		{"wrong county", Answers{"age": 70.0, "income": 1.0, "county": "d"}, false, false},
		{"one pet: neither all nor none", Answers{"county": "a", "pets": []string{"dog"}}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := eligible(Evaluate(def, tt.a))
			if got["nested"] != tt.nested || got["top_any"] != tt.topAny {
				t.Fatalf("got %v, want nested=%v top_any=%v", got, tt.nested, tt.topAny)
			}
		})
	}
	if Evaluate(builtinDef(t, "mentoring"), Answers{}) != nil {
		t.Fatal("a form without rules has results")
	}
}
