package pairing

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

func TestSuggest(t *testing.T) {
	s := DefaultSettings()
	mentee := &Person{ID: 100, Email: "ana@example.org", Name: "Ana", Org: "Data", Level: "IC2",
		AvailMask: hours(9, 10, 11, 12), Interests: []string{"leadership", "rust"}, ManagerEmail: "boss@example.org"}
	mk := func(id int64, email, org string, interests ...string) *Person {
		return &Person{ID: id, Email: email, Name: email, Org: org, Level: "IC4", AvailMask: hours(9, 10, 11, 12),
			Interests: interests, Capacity: 1}
	}
	best := mk(7, "best@example.org", "Security", "leadership", "rust")
	twinHigh := mk(9, "twin9@example.org", "Security", "leadership")
	twinLow := mk(3, "twin3@example.org", "Security", "leadership")
	plain := mk(5, "plain@example.org", "Data")
	boss := mk(6, "boss@example.org", "Data", "leadership", "rust")
	full := mk(8, "full@example.org", "Security", "leadership", "rust")
	full.Current = 1
	seenBefore := mk(4, "seen@example.org", "Security", "leadership", "rust")
	pool := []*Person{plain, twinHigh, boss, full, best, seenBefore, twinLow, mentee}
	seen := func(m, e string) bool { return m == "seen@example.org" }

	ids := func(cs []Candidate, mentors bool) []int64 {
		var out []int64
		for _, c := range cs {
			if mentors {
				out = append(out, c.Mentor.ID)
			} else {
				out = append(out, c.Mentee.ID)
			}
		}
		return out
	}
	tests := []struct {
		name  string
		limit int
		want  []int64
	}{
		// best (2 interests) > twins (1 interest; lower ID first) > plain;
		// the manager, the full mentor, the repeat and Ana herself are refused.
		{"all", 0, []int64{7, 3, 9, 5}},
		{"limit", 2, []int64{7, 3}},
		{"limit above count", 10, []int64{7, 3, 9, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Suggest(mentee, true, pool, s, seen, tt.limit)
			if g := ids(got, true); !slices.Equal(g, tt.want) {
				t.Errorf("got %v, want %v", g, tt.want)
			}
			for k := 1; k < len(got); k++ {
				if got[k].Score > got[k-1].Score {
					t.Errorf("not ranked: %v after %v", got[k].Score, got[k-1].Score)
				}
			}
			for _, c := range got {
				if c.Mentee != mentee || c.Explanation == "" {
					t.Errorf("bad candidate %+v", c)
				}
			}
		})
	}

	t.Run("pool order does not matter", func(t *testing.T) {
		rev := slices.Clone(pool)
		slices.Reverse(rev)
		a, b := Suggest(mentee, true, pool, s, seen, 0), Suggest(mentee, true, rev, s, seen, 0)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("pool order changed the result:\n%v\n%v", ids(a, true), ids(b, true))
		}
	})

	t.Run("seen asked lazily", func(t *testing.T) {
		calls := 0
		counting := func(m, e string) bool { calls++; return seen(m, e) }
		Suggest(mentee, true, pool, s, counting, 1)
		// seenBefore ties with best on score but has the lower ID, so it is
		// asked (and refused) first; then best fills the list.
		if calls != 2 {
			t.Errorf("Seen called %d times, want 2", calls)
		}
	})

	t.Run("for a mentor", func(t *testing.T) {
		m := mk(1, "m@example.org", "Security", "leadership")
		m.Capacity = 2
		e1 := &Person{ID: 11, Email: "e1@example.org", Org: "Data", Level: "IC2", AvailMask: hours(9, 10), Interests: []string{"leadership"}}
		e2 := &Person{ID: 12, Email: "e2@example.org", Org: "Data", Level: "IC2", AvailMask: hours(9, 10)}
		e3 := &Person{ID: 13, Email: "e3@example.org", Org: "Data", Level: "IC2", AvailMask: hours(9), Interests: []string{"leadership"}}
		e4 := &Person{ID: 14, Email: "e4@example.org", Org: "Data", ManagerEmail: "m@example.org", AvailMask: hours(9, 10)}
		got := Suggest(m, false, []*Person{e2, e4, e3, e1}, s, nil, 0)
		if g := ids(got, false); !slices.Equal(g, []int64{11, 12}) {
			t.Errorf("got %v, want [11 12]", g)
		}
	})
}

func TestSuggestDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	in := genInstance(r, genOpts{mentors: 300, mentees: 50, seenRate: 0.02, managerRate: 0.1})
	s := DefaultSettings()
	for _, e := range in.mentees[:10] {
		a := Suggest(e, true, in.mentors, s, in.Seen, 10)
		b := Suggest(e, true, in.mentors, s, in.Seen, 10)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("two calls differ for mentee %d", e.ID)
		}
		for k := 1; k < len(a); k++ {
			if a[k].Score == a[k-1].Score && a[k].Mentor.ID < a[k-1].Mentor.ID {
				t.Errorf("tie not broken by ID: %d after %d", a[k].Mentor.ID, a[k-1].Mentor.ID)
			}
		}
		for _, c := range a {
			if _, refused := Evaluate(c.Mentor, c.Mentee, s, in.Seen); len(refused) > 0 {
				t.Errorf("suggested a refused pair: %v", refused)
			}
		}
	}
}
