package pairing

import (
	"cmp"
	"slices"
)

// Greedy is the baseline Propose is measured against: it sorts every eligible
// pair (no hard rule broken, score above zero) by score (in the millionths
// Propose works in), best first, and takes
// each one whose mentee is still free and whose mentor still has capacity.
// Ties go to the lower mentor ID, then the lower mentee ID. It is fast and
// usually close, but one early choice can block two better pairs, which is
// why proposals come from Propose.
func Greedy(mentors, mentees []*Person, s Settings, seen Seen) Proposal {
	c := newCandidates(mentors, mentees, s, seen)
	type pair struct {
		w    int64 // the score in millionths, as Propose sees it
		i, j int32
	}
	var all []pair
	for i := range c.ep {
		for _, j := range c.usable {
			if w := c.weightOf(i, j); w > 0 {
				all = append(all, pair{w, int32(i), j})
			}
		}
	}
	mp, ep := c.mp, c.ep
	slices.SortFunc(all, func(a, b pair) int {
		return cmp.Or(
			cmp.Compare(b.w, a.w),
			cmp.Compare(mp[a.j].id, mp[b.j].id),
			cmp.Compare(ep[a.i].id, ep[b.i].id),
			cmp.Compare(a.j, b.j),
			cmp.Compare(a.i, b.i),
		)
	})
	assign := make([]int32, len(ep))
	for i := range assign {
		assign[i] = -1
	}
	left := c.left
	for _, x := range all {
		if assign[x.i] >= 0 || left[x.j] <= 0 || c.isRepeat(int(x.i), x.j) {
			continue
		}
		assign[x.i] = x.j
		left[x.j]--
	}
	return buildProposal(mp, ep, assign, s)
}
