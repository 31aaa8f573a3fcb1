package pairing

// Proposal is a whole-program assignment for staff to review; nothing in it is
// final until they accept it.
type Proposal struct {
	// Pairs lists one candidate per assigned mentee, in the order mentees
	// were given.
	Pairs []Candidate
	// Total is the sum of the pairs' scores.
	Total float64
	// Unmatched lists the IDs of mentees left for staff, in input order.
	Unmatched []int64
}

// scale turns float scores into the integers the flow solver works in. Six
// decimals is far finer than any weight a program sets, and with scores in
// the tens and thousands of mentees the sums stay far inside int64.
const scale = 1e6

// weight is a pair's score in solver units, 0 for a score ≤ 0. A pair is
// eligible for a proposal when its weight is > 0: this is the "score above
// zero" rule, judged after rounding so that solver and rule agree.
func weight(score float64) int64 {
	if score <= 0 {
		return 0
	}
	return int64(score*scale + 0.5) // rounds half up; only positives get here
}

// Pruning widths, tuned on the benchmark data (2,000 × 5,000): each mentee
// keeps its best perMentee mentors and each mentor its best perMentor mentees,
// so a mentor nobody ranks first still gets arcs. The optimality check adds
// at most addPerRow of a mentee's pruned pairs per round, the most violated
// first, so one round cannot flood the network with pairs that a better price
// would have ruled out anyway.
const (
	perMentee = 24
	perMentor = 8
	addPerRow = 4
)

// Propose returns an assignment of maximum total score: each mentee gets at
// most one mentor, each mentor at most its capacity left, and only pairs that
// break no hard rule and score above zero are used (see the package comment
// for why a pair scoring ≤ 0 is never proposed). Scores are optimised in
// millionths (see weight), so two optimal proposals can differ only by
// rounding. Mentees who cannot get a mentor are listed in Unmatched.
//
// How: a min-cost flow in which every mentee sends one unit either to a
// mentor or to "unassigned" (cost 0), solved by successive shortest paths
// with Dijkstra on integer reduced costs. To stay fast on large programs the
// network is first PRUNED to each mentee's best 24 mentors plus each mentor's
// best 8 mentees. Pruning alone would be a heuristic, so Propose then checks
// optimality against every valid pair with the flow's potentials
// (reduced-cost optimality: the flow is optimal for the full problem when no
// pruned pair has a negative reduced cost). Pairs that fail the check are
// added, the flow is repaired from where it was, and the check repeats until
// it holds. The result is therefore exact at every size; pruning only decides
// how fast. The tests compare it with the unpruned solve and with exhaustive
// search, and log how far pruning without the check would have fallen short.
//
// mentors and mentees must not contain nil; IDs are expected to be unique.
func Propose(mentors, mentees []*Person, s Settings, seen Seen) Proposal {
	p, _ := propose(mentors, mentees, s, seen, perMentee, perMentor)
	return p
}

// proposeStats reports how a proposal was reached, for tests and tuning.
type proposeStats struct {
	rounds   int     // flow solves (the first from scratch, then repairs)
	added    int     // pruned pairs restored by the optimality check
	arcs     int     // mentee→mentor arcs in the final network
	firstGap float64 // Total of the first, pruned-only solve below the final one
}

// propose is Propose with the pruning widths as parameters: k ≤ 0 keeps every
// eligible pair (no pruning), which the tests use as the reference.
func propose(mentors, mentees []*Person, s Settings, seen Seen, k, l int) (Proposal, proposeStats) {
	var st proposeStats
	c := newCandidates(mentors, mentees, s, seen)
	c.collect(k, l)
	var g *flow
	var first float64
	for {
		st.rounds++
		prev := g
		g = newFlow(c.adj, c.left)
		if prev == nil {
			g.solve()
			first = c.total(g.assignment())
		} else {
			g.resume(prev)
		}
		added := c.certify(g)
		st.added += added
		if added == 0 {
			break
		}
	}
	for _, es := range c.adj {
		st.arcs += len(es)
	}
	p := buildProposal(c.mp, c.ep, g.assignment(), s)
	st.firstGap = p.Total - first
	return p, st
}

// buildProposal writes out an assignment (mentor index per mentee, -1 for
// none) with explanations.
func buildProposal(mp, ep []profile, assign []int32, s Settings) Proposal {
	var p Proposal
	for i, j := range assign {
		if j < 0 {
			p.Unmatched = append(p.Unmatched, ep[i].p.ID)
			continue
		}
		f := score(&mp[j], &ep[i], &s.Weights)
		c := candidate(&mp[j], &ep[i], &f)
		p.Pairs = append(p.Pairs, c)
		p.Total += c.Score
	}
	return p
}
