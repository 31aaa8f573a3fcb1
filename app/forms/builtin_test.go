package forms

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"
)

// sampleMentoring is a complete mentoring enrollment, as ParseStep stores
// it, for someone who wants to mentor and to learn.
func sampleMentoring() Answers {
	return Answers{
		"full_name":        "Ada Lovelace",
		"manager_name":     "Charles Babbage",
		"manager_email":    "Charles@Example.org",
		"roles":            []string{"mentor", "learner"},
		"org":              "engineering",
		"level":            "IC4",
		"time_at_level":    "2-3",
		"distance_pref":    "prefer-far",
		"track_change":     "maybe",
		"time_zone":        "America/Los_Angeles",
		"hours":            maskValue(hoursMask(span(17, 1)...)), // 09:00–17:00 in LA, winter
		"mentor_interests": []string{"Leadership", "Rust"},
		"mentee_interests": []string{"Career growth", "Public speaking"},
		"comments":         "Happy to meet in the evenings too.",
		"consent":          true,
	}
}

func TestBuiltinsLoad(t *testing.T) {
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if got := reg.Keys(); !slices.Equal(got, []string{"application", "membership", "mentoring"}) {
		t.Fatalf("Keys = %v", got)
	}
	again, _ := Builtin()
	if again != reg {
		t.Error("Builtin loads again instead of sharing")
	}
	for _, key := range reg.Keys() {
		def, _ := reg.Get(key)
		if def.Kind != key {
			t.Errorf("%s: kind %q", key, def.Kind)
		}
		for _, f := range def.Fields() {
			if f.Required && f.RequiredMessage == "" && f.Type != TypeAvailability {
				t.Errorf("%s.%s: required without a written message", key, f.Key)
			}
		}
	}
	if _, ok := reg.Get("nope"); ok {
		t.Error("Get of an unknown key")
	}
}

// The mentoring form asks what DESIGN.md says the Mozilla form asks.
func TestMentoringCoversTheMozillaForm(t *testing.T) {
	def := builtinDef(t, "mentoring")
	if n := len(def.Steps()); n < 4 || n > 5 {
		t.Errorf("%d steps", n)
	}
	want := map[Column]FieldType{
		ColFullName: TypeText, ColRoles: TypeCheckboxes, ColManagerName: TypeText, ColManagerEmail: TypeEmail,
		ColTimeZone: TypeTimezone, ColAvailability: TypeAvailability, ColOrg: TypeSelect, ColLevel: TypeSelect,
		ColTimeAtLevel: TypeRadio, ColDistancePref: TypeRadio, ColTrackChange: TypeRadio,
		ColMentorInterests: TypeInterests, ColMenteeInterests: TypeInterests, ColComments: TypeTextarea,
	}
	for col, typ := range want {
		f, ok := def.ColumnField(col)
		if !ok || f.Type != typ {
			t.Errorf("column %s: %v", col, f)
		}
	}
	if _, ok := def.Field("email"); ok {
		t.Error("email is asked; it comes from sign-in")
	}
	values := func(key string) []string {
		f, _ := def.Field(key)
		var out []string
		for _, o := range f.Choices() {
			out = append(out, o.Value)
		}
		return out
	}
	for key, wantValues := range map[string][]string{
		"roles":         {"mentor", "learner"},
		"time_at_level": {"<1", "1-2", "2-3", "3-5", "5-6", ">6"},
		"distance_pref": {"require-close", "prefer-close", "neutral", "prefer-far", "require-far"},
		"track_change":  {"yes", "maybe", "no"},
		"level":         {"IC1", "IC2", "IC3", "IC4", "IC5", "IC6", "IC7", "M1", "M2", "M3", "M4", "M5"},
		"mentor_interests": {"Career growth", "Technical skills", "Leadership", "Communication",
			"Work-life balance", "Navigating the organization"},
	} {
		if got := values(key); !slices.Equal(got, wantValues) {
			t.Errorf("%s options = %v, want %v", key, got, wantValues)
		}
	}
	if got := values("org"); len(got) < 8 || got[len(got)-1] != "other" {
		t.Errorf("org options = %v", got)
	}
	consent, _ := def.Field("consent")
	if consent.Type != TypeConsent || !consent.Required {
		t.Error("consent")
	}
	hours, _ := def.Field("hours")
	if hours.Min == nil || hours.Min.Num != 1 || hours.TimezoneField != "time_zone" {
		t.Error("hours min / timezone_field")
	}
}

func TestExtractMentoring(t *testing.T) {
	def := builtinDef(t, "mentoring")
	a := sampleMentoring()
	if errs := ValidateAll(def, a, january); len(errs) != 0 {
		t.Fatalf("sample does not validate: %v", errs)
	}
	want := Core{
		FullName: "Ada Lovelace", IsMentor: true, IsMentee: true,
		TimeZone: "America/Los_Angeles", TZOffsetMin: -480, AvailMask: hoursMask(span(17, 1)...),
		Org: "engineering", Level: "IC4", TimeAtLevel: "2-3", DistancePref: "prefer-far", TrackChange: "maybe",
		ManagerName: "Charles Babbage", ManagerEmail: "charles@example.org",
		Comments:        "Happy to meet in the evenings too.",
		MentorInterests: []string{"leadership", "rust"}, MenteeInterests: []string{"career growth", "public speaking"},
	}
	// TZOffsetMin does not follow summer time.
	for _, at := range []time.Time{january, july} {
		if got := Extract(def, a, at); !reflect.DeepEqual(got, want) {
			t.Fatalf("Extract =\n%+v\nwant\n%+v", got, want)
		}
	}

	// After a JSON round trip (how answers are stored) nothing changes.
	data, _ := json.Marshal(a)
	back, err := DecodeAnswers(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := Extract(def, back, january); !reflect.DeepEqual(got, want) {
		t.Fatalf("after JSON: %+v", got)
	}

	t.Run("interests only", func(t *testing.T) {
		for _, b := range []Answers{a, withAnswers(a, Answers{"roles": []string{"mentor"}})} {
			full := Extract(def, b, january)
			want := Core{MentorInterests: full.MentorInterests, MenteeInterests: full.MenteeInterests}
			if got := ExtractInterests(def, b, january); !reflect.DeepEqual(got, want) {
				t.Fatalf("ExtractInterests =\n%+v\nwant\n%+v", got, want)
			}
		}
	})

	t.Run("hidden and invalid answers stay out of the columns", func(t *testing.T) {
		b := withAnswers(a, Answers{"roles": []string{"mentor"}, "org": "not-an-org", "manager_email": "nobody"})
		got := Extract(def, b, january)
		if got.IsMentee || got.TrackChange != "" || got.MenteeInterests != nil || got.Org != "" || got.ManagerEmail != "" {
			t.Fatalf("got %+v", got)
		}
		if !got.IsMentor || got.MentorInterests == nil {
			t.Fatalf("got %+v", got)
		}
	})
}

func TestExtractOtherBuiltins(t *testing.T) {
	t.Run("membership", func(t *testing.T) {
		def := builtinDef(t, "membership")
		a := Answers{"full_name": "Grace Hopper", "team": "logistics", "team_role": "Driver", "time_zone": "Asia/Kolkata",
			"mission_start": "2026-02-01", "mission_end": "2026-05-01", "consent": true}
		if errs := ValidateAll(def, a, january); len(errs) != 0 {
			t.Fatalf("sample does not validate: %v", errs)
		}
		got := Extract(def, a, january)
		want := Core{FullName: "Grace Hopper", Org: "logistics", TimeZone: "Asia/Kolkata", TZOffsetMin: 330}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v", got)
		}
		bad := withAnswers(a, Answers{"mission_start": "2026-01-01", "mission_end": "2025-12-01"})
		errs := ValidateAll(def, bad, january)
		if len(errs["mission"]) != 2 {
			t.Fatalf("errors = %v", errs)
		}
	})
	t.Run("application", func(t *testing.T) {
		def := builtinDef(t, "application")
		a := sampleApplication(3, 45000, true, 40, "snap")
		if errs := ValidateAll(def, a, january); len(errs) != 0 {
			t.Fatalf("sample does not validate: %v", errs)
		}
		if got := Extract(def, a, january); !reflect.DeepEqual(got, Core{FullName: "Ann Applicant"}) {
			t.Fatalf("got %+v", got)
		}
		f, _ := def.Field("proof_of_income")
		if f.MaxSize != 5<<20 || !f.AcceptsType("image/jpeg") || f.Required {
			t.Fatalf("proof_of_income: %+v", f)
		}
	})
}

// The application's phone pattern takes the ways people write numbers.
func TestBuiltinPhonePattern(t *testing.T) {
	def := builtinDef(t, "application")
	for phone, ok := range map[string]bool{
		"+1 303 555 0100": true, "(303) 555-0100": true, "303.555.0100": true, "0044 20 7946 0000": true,
		"555": false, "call me": false, "+1 303 555 0100 ext 2": false, "1234567890123456": false,
	} {
		_, errs := ParseStep(def, "contact", vals{"full_name": {"A"}, "phone": {phone}, "consent": {"yes"}}, Answers{}, january)
		if got := errorFor(errs, "phone") == ""; got != ok {
			t.Errorf("phone %q valid = %v, want %v", phone, got, ok)
		}
	}
}

// A member fills the mentoring form step by step, as the browser posts it;
// the stored answers are the canonical sample and the review page is clean.
func TestMentoringStepByStep(t *testing.T) {
	def := builtinDef(t, "mentoring")
	posts := []struct {
		step string
		in   map[string][]string
	}{
		{"about", vals{"full_name": {" Ada  Lovelace "}, "manager_name": {"Charles Babbage"}, "manager_email": {"Charles@Example.org"}}},
		{"role", vals{"roles": {"learner", "mentor"}, "org": {"engineering"}, "org_other": {"ignored: hidden"}, "level": {"IC4"},
			"time_at_level": {"2-3"}, "distance_pref": {"prefer-far"}, "track_change": {"maybe"}}},
		{"availability", vals{"time_zone": {"America/Los_Angeles"}, "hours_mode": {"range"}, "hours_from": {"9"}, "hours_to": {"17"}}},
		{"interests", vals{"mentor_interests": {"Leadership"}, "mentor_interests_other": {"rust, LEADERSHIP"},
			"mentee_interests": {"Career growth"}, "mentee_interests_other": {"Public speaking"}}},
		{"finish", vals{"comments": {"Happy to meet in the evenings too.\r\n"}, "consent": {"on"}}},
	}
	a := Answers{}
	var completed []string
	for _, p := range posts {
		if next := FirstIncompleteStep(def, a, completed); next != p.step {
			t.Fatalf("resume at %q, want %q", next, p.step)
		}
		var errs []FieldError
		a, errs = ParseStep(def, p.step, p.in, a, january)
		if len(errs) != 0 {
			t.Fatalf("%s: %v", p.step, errs)
		}
		completed = append(completed, p.step)
	}
	want := sampleMentoring()
	want["mentor_interests"] = []string{"Leadership", "rust"}
	if !reflect.DeepEqual(a, want) {
		t.Fatalf("answers\n%#v\nwant\n%#v", a, want)
	}
	if errs := ValidateAll(def, a, january); len(errs) != 0 {
		t.Fatalf("ValidateAll: %v", errs)
	}
	if FirstIncompleteStep(def, a, completed) != "" {
		t.Fatal("not complete")
	}
	if c := Extract(def, a, january); !c.IsMentor || !c.IsMentee || c.ManagerEmail != "charles@example.org" ||
		!slices.Equal(c.MentorInterests, []string{"leadership", "rust"}) {
		t.Fatalf("Extract: %+v", c)
	}
}
