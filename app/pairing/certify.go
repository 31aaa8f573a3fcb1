package pairing

import (
	"cmp"
	"math"
	"slices"
)

// violation is a pruned pair with a negative reduced cost.
type violation struct {
	j  int32
	w  int64
	rc int64
}

// certify checks the flow's optimality against every pruned pair and adds up
// to addPerRow violating pairs per mentee, the most negative reduced cost
// first. It returns how many it added; 0 means the flow is optimal for the
// whole problem.
//
// A violation needs w + pot[mentor] > pot[mentee], and three shortcuts use
// that to avoid rescoring every pair every round. A row whose best pruned
// weight plus the highest mentor potential stays within its own potential
// cannot be violated. A mentor's potential never rises between rounds (resume
// moves potentials by dist − dist(target) ≤ 0; the only raise it makes is to
// a mentee's own), so a row that passed with potential p still passes while
// its potential is ≥ p. And a row only scans mentors whose potential is above
// pot[mentee] − (best pruned weight): the head of a list sorted by potential.
func (c *candidates) certify(g *flow) int {
	byPot := slices.Clone(c.usable)
	slices.SortFunc(byPot, func(a, b int32) int {
		return cmp.Or(cmp.Compare(g.mentorPot(b), g.mentorPot(a)), cmp.Compare(a, b))
	})
	maxPot := int64(math.MinInt64)
	if len(byPot) > 0 {
		maxPot = g.mentorPot(byPot[0])
	}
	var rows []int
	for i := range c.ep {
		pi := g.pot(int32(i))
		if c.dropped[i] == 0 || c.dropped[i]+maxPot <= pi || (c.certified[i] && pi >= c.certPot[i]) {
			continue
		}
		rows = append(rows, i)
	}

	viols := make([][]violation, len(rows))
	workers := workersFor(len(rows))
	parallel(len(rows), workers, func(_, lo, hi int) {
		inRow := make([]bool, len(c.mp))
		for r := lo; r < hi; r++ {
			i := rows[r]
			for _, e := range c.adj[i] {
				inRow[e.to] = true
			}
			var vs []violation
			floor := g.pot(int32(i)) - c.dropped[i]
			for _, j := range byPot {
				if g.mentorPot(j) <= floor {
					break
				}
				if inRow[j] {
					continue
				}
				if w := c.weightOf(i, j); w > 0 {
					if rc := g.reduced(int32(i), j, w); rc < 0 {
						vs = append(vs, violation{j, w, rc})
					}
				}
			}
			for _, e := range c.adj[i] {
				inRow[e.to] = false
			}
			slices.SortFunc(vs, func(a, b violation) int {
				return cmp.Or(cmp.Compare(a.rc, b.rc), cmp.Compare(a.j, b.j))
			})
			viols[r] = vs
		}
	})

	added := 0
	for r, i := range rows {
		n, rest := 0, false
		for _, v := range viols[r] {
			if c.isRepeat(i, v.j) {
				continue
			}
			if n == addPerRow {
				rest = true
				break
			}
			c.adj[i] = append(c.adj[i], edge{v.j, v.w})
			n++
		}
		added += n
		// Pairs just added are arcs from now on and carry no condition;
		// pairs left over keep the row open for the next round.
		c.certified[i], c.certPot[i] = !rest, g.pot(int32(i))
	}
	return added
}
