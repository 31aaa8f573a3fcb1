package forms

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestChanges(t *testing.T) {
	def := builtinDef(t, "mentoring")
	before := sampleMentoring()
	berlin := withAnswers(before, Answers{"time_zone": "Europe/Berlin", "hours": maskValue(hoursMask(span(8, 16)...))}) // 09:00–17:00 in Berlin, winter
	tests := []struct {
		name  string
		after Answers
		want  []Change
	}{
		{"nothing", before, nil},
		{"hours moved an hour", withAnswers(before, Answers{"hours": maskValue(hoursMask(span(18, 2)...))}),
			[]Change{{"hours", "Hours available", "09:00–17:00", "10:00–18:00"}}},
		{"zone changed, same local hours: both sides in the new zone", berlin,
			[]Change{
				{"time_zone", "Your time zone", "America/Los_Angeles", "Europe/Berlin"},
				{"hours", "Hours available", "18:00–02:00", "09:00–17:00"},
			}},
		{"options by label, lists, blanks", withAnswers(before,
			Answers{"distance_pref": "require-close", "mentor_interests": []string{"Leadership"}, "comments": ""}),
			[]Change{
				{"distance_pref", "How close in the org chart should your match be?", "Far if possible", "Must be close"},
				{"mentor_interests", "As a mentor, I can help with", "Leadership, Rust", "Leadership"},
				{"comments", "Anything else the program team should know?", "Happy to meet in the evenings too.", ""},
			}},
		{"answer removed", withAnswers(before, nil, "track_change", "mentee_interests"),
			[]Change{
				{"track_change", "Are you thinking about changing track?", "Maybe", ""},
				{"mentee_interests", "As a learner, I would like help with", "Career growth, Public speaking", ""},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ChangesAt(def, before, tt.after, january)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}

	t.Run("JSON round trip is not a change", func(t *testing.T) {
		data, _ := json.Marshal(before)
		var generic Answers
		_ = json.Unmarshal(data, &generic) // []any lists, float64 masks
		if got := ChangesAt(def, before, generic, january); len(got) != 0 {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("String for the audit trail", func(t *testing.T) {
		c := Change{Field: "hours", Label: "Hours available", Before: "09:00–17:00", After: "10:00–18:00"}
		if got := c.String(); got != "Hours available: 09:00–17:00 → 10:00–18:00" {
			t.Fatalf("got %q", got)
		}
		c = Change{Label: "Comments", After: "Hi"}
		if got := c.String(); got != "Comments: (blank) → Hi" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("Changes uses the current time", func(t *testing.T) {
		if got := Changes(def, before, before); got != nil {
			t.Fatalf("got %v", got)
		}
	})
}

func TestDisplay(t *testing.T) {
	def := builtinDef(t, "application")
	a := sampleApplication(3, 45000, true, 40, "snap", "medicaid")
	a["proof_of_income"] = "17"
	for key, want := range map[string]string{
		"income": "45,000", "in_service_area": "Yes", "benefits_received": "SNAP (food assistance), Medicaid",
		"consent": "Agreed", "proof_of_income": "17", "phone": "+1 303 555 0100",
	} {
		f, _ := def.Field(key)
		if got := Display(def, f, a, january); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	m := builtinDef(t, "mentoring")
	f, _ := m.Field("hours")
	if got := Display(m, f, sampleMentoring(), july); got != "10:00–18:00" {
		t.Errorf("hours in July = %q", got)
	}
	if got := Display(m, f, Answers{}, july); got != "" {
		t.Errorf("unanswered = %q", got)
	}
}
