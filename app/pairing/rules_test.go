package pairing

import (
	"slices"
	"testing"
)

// hours builds an availability mask from UTC hours.
func hours(hs ...int) uint32 {
	var m uint32
	for _, h := range hs {
		m |= 1 << uint(h)
	}
	return m
}

func basePair() (mentor, mentee *Person) {
	mentor = &Person{ID: 1, Email: "sam@example.org", Name: "Sam Staff", Org: "Platform", Level: "IC5",
		AvailMask: hours(14, 15, 16, 17), Interests: []string{"leadership", "rust"}, Capacity: 2}
	mentee = &Person{ID: 2, Email: "ana@example.org", Name: "Ana Ng", Org: "Data", Level: "IC3",
		AvailMask: hours(15, 16, 17, 18), Interests: []string{"leadership"}, ManagerEmail: "boss@example.org"}
	return mentor, mentee
}

func TestEvaluateRefusals(t *testing.T) {
	s := DefaultSettings()
	never := func(string, string) bool { return false }
	tests := []struct {
		name   string
		change func(m, e *Person)
		seen   Seen
		want   []Refusal
	}{
		{"valid", func(m, e *Person) {}, never, nil},
		{"same id", func(m, e *Person) { e.ID = m.ID }, nil,
			[]Refusal{{CodeSamePerson, "Sam Staff cannot mentor themselves"}}},
		{"same email", func(m, e *Person) { e.Email = m.Email }, nil,
			[]Refusal{{CodeSamePerson, "Sam Staff cannot mentor themselves"}}},
		{"blank emails are not the same person", func(m, e *Person) { m.Email, e.Email = "", "" }, nil, nil},
		{"manager", func(m, e *Person) { e.ManagerEmail = m.Email }, nil,
			[]Refusal{{CodeManager, "Sam Staff is Ana Ng's manager"}}},
		{"repeat", func(m, e *Person) {}, func(me, ee string) bool { return me == "sam@example.org" && ee == "ana@example.org" },
			[]Refusal{{CodeRepeat, "Sam Staff and Ana Ng were paired before"}}},
		{"overlap below minimum", func(m, e *Person) { e.AvailMask = hours(17, 18, 19) }, nil,
			[]Refusal{{CodeOverlap, "only 1 h of overlap; the program needs at least 2 h"}}},
		{"overlap exactly the minimum", func(m, e *Person) { e.AvailMask = hours(16, 17, 18) }, nil, nil},
		{"mentee requires close", func(m, e *Person) { e.DistancePref = DistanceRequireClose }, nil,
			[]Refusal{{CodeDistance, "Ana Ng requires a mentor in the same org"}}},
		{"mentor requires far", func(m, e *Person) { m.DistancePref = DistanceRequireFar; e.Org = "platform " }, nil,
			[]Refusal{{CodeDistance, "Sam Staff requires a mentee in another org"}}},
		{"require met", func(m, e *Person) { m.DistancePref = DistanceRequireFar; e.DistancePref = DistanceRequireFar }, nil, nil},
		{"require with unknown org", func(m, e *Person) { e.Org = ""; e.DistancePref = DistanceRequireFar }, nil,
			[]Refusal{{CodeDistance, "Ana Ng requires a mentor in another org, and an org is missing"}}},
		{"prefer with unknown org is fine", func(m, e *Person) { e.Org = ""; e.DistancePref = DistancePreferFar }, nil, nil},
		{"no capacity", func(m, e *Person) { m.Current = 2 }, nil,
			[]Refusal{{CodeCapacity, "Sam Staff has no capacity left (2 of 2 taken)"}}},
		{"default capacity", func(m, e *Person) { m.Capacity, m.Current = 0, 1 }, nil,
			[]Refusal{{CodeCapacity, "Sam Staff has no capacity left (1 of 1 taken)"}}},
		{"blank name falls back to email", func(m, e *Person) { m.Name = ""; e.ManagerEmail = m.Email }, nil,
			[]Refusal{{CodeManager, "sam@example.org is Ana Ng's manager"}}},
		{"every refusal, not just the first", func(m, e *Person) {
			e.Email, e.ManagerEmail = m.Email, m.Email
			e.AvailMask = 0
			m.DistancePref, e.DistancePref = DistanceRequireClose, DistanceRequireClose
			m.Current = 5
		}, func(string, string) bool { return true }, []Refusal{
			{CodeSamePerson, "Sam Staff cannot mentor themselves"},
			{CodeManager, "Sam Staff is Ana Ng's manager"},
			{CodeRepeat, "Sam Staff and Ana Ng were paired before"},
			{CodeOverlap, "only 0 h of overlap; the program needs at least 2 h"},
			{CodeDistance, "Sam Staff requires a mentee in the same org"},
			{CodeDistance, "Ana Ng requires a mentor in the same org"},
			{CodeCapacity, "Sam Staff has no capacity left (5 of 2 taken)"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, e := basePair()
			tt.change(m, e)
			c, got := Evaluate(m, e, s, tt.seen)
			if !slices.Equal(got, tt.want) {
				t.Errorf("refusals:\n got %q\nwant %q", got, tt.want)
			}
			if c.Mentor != m || c.Mentee != e || len(c.Parts) != nFactors {
				t.Errorf("candidate not filled in: %+v", c)
			}
		})
	}
}

func TestLevelRank(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"IC1", 1}, {"IC3", 3}, {"ic7", 7}, {" IC4 ", 4}, {"M1", 5}, {"m5", 9},
		{"IC8", 0}, {"IC0", 0}, {"M6", 0}, {"M0", 0}, {"IC10", 0}, {"L5", 0}, {"", 0}, {"Manager", 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := LevelRank(tt.in); got != tt.want {
				t.Errorf("LevelRank(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}
