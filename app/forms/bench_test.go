package forms

import "testing"

// BenchmarkParseStep measures the largest mentoring step (seven fields,
// two conditional), as posted by a member who wants to mentor and learn.
func BenchmarkParseStep(b *testing.B) {
	def := builtinDef(b, "mentoring")
	in := vals{
		"roles": {"mentor", "learner"}, "org": {"other"}, "org_other": {"Research"}, "level": {"IC4"},
		"time_at_level": {"2-3"}, "distance_pref": {"prefer-far"}, "track_change": {"maybe"},
	}
	prev := sampleMentoring()
	b.ReportAllocs()
	for b.Loop() {
		if _, errs := ParseStep(def, "role", in, prev, january); len(errs) != 0 {
			b.Fatal(errs)
		}
	}
}

// BenchmarkValidateAll measures the review page: every step re-parsed.
func BenchmarkValidateAll(b *testing.B) {
	def := builtinDef(b, "mentoring")
	a := sampleMentoring()
	b.ReportAllocs()
	for b.Loop() {
		if errs := ValidateAll(def, a, january); len(errs) != 0 {
			b.Fatal(errs)
		}
	}
}
