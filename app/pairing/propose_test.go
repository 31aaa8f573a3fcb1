package pairing

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// leftOf is a mentor's capacity left, computed here independently of the
// package so the checks below do not trust the code they check.
func leftOf(m *Person, s Settings) int {
	c := m.Capacity
	if c == 0 {
		c = max(1, s.DefaultCapacity)
	}
	return c - m.Current
}

// checkProposal fails t if p breaks a hard rule or a capacity, assigns a
// mentee twice, uses a pair scoring ≤ 0, or misreports Total or Unmatched.
func checkProposal(t *testing.T, name string, p Proposal, in *instance, s Settings) {
	t.Helper()
	used := map[*Person]int{}
	got := map[*Person]bool{}
	total := 0.0
	for _, c := range p.Pairs {
		if got[c.Mentee] {
			t.Errorf("%s: mentee %d assigned twice", name, c.Mentee.ID)
		}
		got[c.Mentee] = true
		used[c.Mentor]++
		ev, refused := Evaluate(c.Mentor, c.Mentee, s, in.Seen)
		if len(refused) > 0 {
			t.Errorf("%s: pair %d–%d breaks %v", name, c.Mentor.ID, c.Mentee.ID, refused)
		}
		if ev.Score != c.Score || ev.Explanation != c.Explanation {
			t.Errorf("%s: pair %d–%d reported %v %q, Evaluate says %v %q", name, c.Mentor.ID, c.Mentee.ID,
				c.Score, c.Explanation, ev.Score, ev.Explanation)
		}
		if c.Score <= 0 {
			t.Errorf("%s: pair %d–%d scores %v ≤ 0", name, c.Mentor.ID, c.Mentee.ID, c.Score)
		}
		total += c.Score
	}
	for m, n := range used {
		if n > leftOf(m, s) {
			t.Errorf("%s: mentor %d has %d mentees, capacity left %d", name, m.ID, n, leftOf(m, s))
		}
	}
	if math.Abs(total-p.Total) > 1e-6 {
		t.Errorf("%s: Total %v, pairs add up to %v", name, p.Total, total)
	}
	var unmatched []int64
	for _, e := range in.mentees {
		if !got[e] {
			unmatched = append(unmatched, e.ID)
		}
	}
	if !reflect.DeepEqual(unmatched, p.Unmatched) {
		t.Errorf("%s: Unmatched %v, want %v", name, p.Unmatched, unmatched)
	}
}

// randomSettings varies the rules and weights; weights are in hundredths so
// float sums are exact enough to compare totals tightly.
func randomSettings(r *rand.Rand) Settings {
	s := DefaultSettings()
	s.MinOverlapHours = r.IntN(4)
	s.DefaultCapacity = r.IntN(3)
	if r.IntN(2) == 0 {
		c := func(lo, hi int) float64 { return float64(lo+r.IntN(hi-lo+1)) / 100 }
		s.Weights = Weights{Overlap: c(0, 200), SharedInterest: c(0, 300), Distance: c(-50, 300),
			LevelGap: c(-100, 200), TrackChange: c(0, 200), MaxOverlapCounted: r.IntN(8)}
	}
	return s
}

func TestProposeProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 11))
	worse, same := 0, 0
	for n := range 200 {
		o := genOpts{mentors: r.IntN(40), mentees: r.IntN(90), seenRate: 0.05 * r.Float64(), managerRate: 0.3 * r.Float64()}
		in := genInstance(r, o)
		s := randomSettings(r)
		name := fmt.Sprintf("instance %d (%d×%d)", n, o.mentors, o.mentees)
		p := Propose(in.mentors, in.mentees, s, in.Seen)
		g := Greedy(in.mentors, in.mentees, s, in.Seen)
		checkProposal(t, name+" Propose", p, in, s)
		checkProposal(t, name+" Greedy", g, in, s)
		if p.Total < g.Total-1e-6 {
			t.Errorf("%s: Propose %v < Greedy %v", name, p.Total, g.Total)
		}
		// Tiny pruning widths force many rounds of the optimality check;
		// the result must still equal the unpruned solve.
		u, _ := propose(in.mentors, in.mentees, s, in.Seen, 0, 0)
		k, _ := propose(in.mentors, in.mentees, s, in.Seen, 1+r.IntN(3), r.IntN(2))
		if math.Abs(u.Total-p.Total) > 1e-6 || math.Abs(u.Total-k.Total) > 1e-6 {
			t.Errorf("%s: unpruned %v, Propose %v, narrow pruning %v", name, u.Total, p.Total, k.Total)
		}
		if p.Total > g.Total+1e-6 {
			worse++
		} else {
			same++
		}
	}
	t.Logf("Greedy below Propose on %d instances, equal on %d", worse, same)
}

// bestByExhaustion tries every assignment of valid pairs (each mentee to
// none or one mentor with room) and returns the best total. It uses only the
// public Evaluate, and includes pairs scoring ≤ 0: they can never raise a
// total, so the optimum must equal Propose's.
func bestByExhaustion(in *instance, s Settings) float64 {
	type opt struct {
		j     int
		score float64
	}
	opts := make([][]opt, len(in.mentees))
	bound := make([]float64, len(in.mentees)+1) // best possible from mentee i on
	for i, e := range in.mentees {
		for j, m := range in.mentors {
			if c, refused := Evaluate(m, e, s, in.Seen); len(refused) == 0 {
				opts[i] = append(opts[i], opt{j, c.Score})
			}
		}
	}
	for i := len(in.mentees) - 1; i >= 0; i-- {
		b := 0.0
		for _, o := range opts[i] {
			b = max(b, o.score)
		}
		bound[i] = bound[i+1] + b
	}
	left := make([]int, len(in.mentors))
	for j, m := range in.mentors {
		left[j] = leftOf(m, s)
	}
	best := 0.0
	var walk func(i int, sum float64)
	walk = func(i int, sum float64) {
		if sum+bound[i] <= best+1e-9 {
			return
		}
		if i == len(in.mentees) {
			best = sum
			return
		}
		for _, o := range opts[i] {
			if left[o.j] > 0 {
				left[o.j]--
				walk(i+1, sum+o.score)
				left[o.j]++
			}
		}
		walk(i+1, sum)
	}
	walk(0, 0)
	return best
}

func TestProposeMatchesExhaustiveSearch(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 1))
	nonEmpty, greedyShort := 0, 0
	for n := range 300 {
		o := genOpts{mentors: 1 + r.IntN(6), mentees: 1 + r.IntN(7), seenRate: 0.1 * r.Float64(), managerRate: 0.3 * r.Float64()}
		in := genInstance(r, o)
		for _, m := range in.mentors {
			m.Capacity, m.Current = 1+r.IntN(2), 0
		}
		s := randomSettings(r)
		s.MinOverlapHours = r.IntN(3) // keep enough valid pairs to make it interesting
		want := bestByExhaustion(in, s)
		p := Propose(in.mentors, in.mentees, s, in.Seen)
		if math.Abs(p.Total-want) > 1e-6 {
			t.Errorf("instance %d (%d×%d): Propose %v, exhaustive %v", n, o.mentors, o.mentees, p.Total, want)
		}
		if k, _ := propose(in.mentors, in.mentees, s, in.Seen, 1, 0); math.Abs(k.Total-want) > 1e-6 {
			t.Errorf("instance %d: pruned to one mentor per mentee %v, exhaustive %v", n, k.Total, want)
		}
		if len(p.Pairs) > 0 {
			nonEmpty++
		}
		if g := Greedy(in.mentors, in.mentees, s, in.Seen); g.Total < want-1e-6 {
			greedyShort++
		}
	}
	// Guard against a generator so strict that every optimum is trivial.
	if nonEmpty < 200 || greedyShort < 10 {
		t.Errorf("instances too easy: %d with pairs, %d where greedy falls short", nonEmpty, greedyShort)
	}
	t.Logf("%d of 300 instances have pairs; greedy falls short of the optimum on %d", nonEmpty, greedyShort)
}

func TestProposeEdgeCases(t *testing.T) {
	s := DefaultSettings()
	m, e := basePair()
	tests := []struct {
		name          string
		mentors       []*Person
		mentees       []*Person
		wantPairs     int
		wantUnmatched []int64
	}{
		{"nothing", nil, nil, 0, nil},
		{"no mentors", nil, []*Person{e}, 0, []int64{2}},
		{"no mentees", []*Person{m}, nil, 0, nil},
		{"one pair", []*Person{m}, []*Person{e}, 1, nil},
		{"full mentor", []*Person{{ID: 9, Email: "x@example.org", AvailMask: m.AvailMask, Capacity: 1, Current: 1}}, []*Person{e}, 0, []int64{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, p := range map[string]Proposal{
				"Propose": Propose(tt.mentors, tt.mentees, s, nil),
				"Greedy":  Greedy(tt.mentors, tt.mentees, s, nil),
			} {
				if len(p.Pairs) != tt.wantPairs || !reflect.DeepEqual(p.Unmatched, tt.wantUnmatched) {
					t.Errorf("%s: %d pairs, unmatched %v; want %d, %v", name, len(p.Pairs), p.Unmatched, tt.wantPairs, tt.wantUnmatched)
				}
			}
		})
	}

	t.Run("a valid pair scoring below zero is not proposed", func(t *testing.T) {
		s := Settings{MinOverlapHours: 1, Weights: Weights{Overlap: 0.5, LevelGap: 1}}
		m := &Person{ID: 1, Level: "IC2", AvailMask: hours(9), Capacity: 1}
		e := &Person{ID: 2, Level: "IC4", AvailMask: hours(9)}
		if c, refused := Evaluate(m, e, s, nil); len(refused) > 0 || c.Score >= 0 {
			t.Fatalf("setup: want a valid negative pair, got %v %v", c.Score, refused)
		}
		if p := Propose([]*Person{m}, []*Person{e}, s, nil); len(p.Pairs) != 0 {
			t.Errorf("Propose used it: %+v", p.Pairs)
		}
		if p := Greedy([]*Person{m}, []*Person{e}, s, nil); len(p.Pairs) != 0 {
			t.Errorf("Greedy used it: %+v", p.Pairs)
		}
		if got := Suggest(e, true, []*Person{m}, s, nil, 0); len(got) != 1 {
			t.Errorf("Suggest should still list it for staff, got %d", len(got))
		}
	})

	t.Run("exact beats greedy on the classic trap", func(t *testing.T) {
		// x scores 3 with A and with B; greedy takes x–A (lower ID) and
		// leaves y, who only fits A, with nobody. Exact: x–B and y–A.
		s := Settings{Weights: Weights{SharedInterest: 1}}
		all := hours(9, 10)
		a := &Person{ID: 1, AvailMask: all, Interests: []string{"p", "q", "r", "s"}, Capacity: 1}
		b := &Person{ID: 2, AvailMask: all, Interests: []string{"p", "q", "r"}, Capacity: 1}
		x := &Person{ID: 10, AvailMask: all, Interests: []string{"p", "q", "r"}}
		y := &Person{ID: 11, AvailMask: all, Interests: []string{"s"}}
		p := Propose([]*Person{a, b}, []*Person{x, y}, s, nil)
		g := Greedy([]*Person{a, b}, []*Person{x, y}, s, nil)
		if p.Total != 4 || g.Total != 3 {
			t.Errorf("Propose %v (want 4), Greedy %v (want 3)", p.Total, g.Total)
		}
		if len(p.Pairs) != 2 || p.Pairs[0].Mentor != b || p.Pairs[1].Mentor != a {
			t.Errorf("want x–B and y–A, got %d pairs", len(p.Pairs))
		}
	})
}

func TestProposeDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	in := genInstance(r, genOpts{mentors: 120, mentees: 300, seenRate: 0.01, managerRate: 0.05})
	s := DefaultSettings()
	a := Propose(in.mentors, in.mentees, s, in.Seen)
	b := Propose(in.mentors, in.mentees, s, in.Seen)
	if !reflect.DeepEqual(a, b) {
		t.Error("Propose gave two answers for one input")
	}
	if !reflect.DeepEqual(Greedy(in.mentors, in.mentees, s, in.Seen), Greedy(in.mentors, in.mentees, s, in.Seen)) {
		t.Error("Greedy gave two answers for one input")
	}
}

// TestPruningGap measures what pruning alone would cost and checks that the
// optimality check wins it all back, on medium instances where the unpruned
// solve is affordable. Run with -v to see the figures.
func TestPruningGap(t *testing.T) {
	sizes := []struct{ mentors, mentees int }{{100, 250}, {200, 500}, {300, 800}}
	if testing.Short() {
		sizes = sizes[:1]
	}
	for n, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.mentors, sz.mentees), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(n), 99))
			in := genInstance(r, genOpts{mentors: sz.mentors, mentees: sz.mentees, seenRate: 0.01, managerRate: 0.05})
			s := DefaultSettings()
			u, _ := propose(in.mentors, in.mentees, s, in.Seen, 0, 0)
			p, st := propose(in.mentors, in.mentees, s, in.Seen, perMentee, perMentor)
			g := Greedy(in.mentors, in.mentees, s, in.Seen)
			if math.Abs(p.Total-u.Total) > 1e-6 {
				t.Errorf("pruned+checked %v ≠ unpruned %v", p.Total, u.Total)
			}
			// Far narrower pruning leans hard on the check; still exact.
			if q, _ := propose(in.mentors, in.mentees, s, in.Seen, 3, 0); math.Abs(q.Total-u.Total) > 1e-6 {
				t.Errorf("narrow pruning %v ≠ unpruned %v", q.Total, u.Total)
			}
			t.Logf("optimum %.2f; pruned solve alone %.2f (gap %.2f = %.3f%%); rounds %d, pairs restored %d, arcs %d; greedy %.2f (gap %.3f%%)",
				u.Total, u.Total-st.firstGap, st.firstGap, 100*st.firstGap/u.Total, st.rounds, st.added, st.arcs,
				g.Total, 100*(u.Total-g.Total)/u.Total)
		})
	}
}
