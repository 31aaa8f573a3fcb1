package pairing

// candidates holds the pairs Propose may use and the pruned network built
// from them.
type candidates struct {
	s      Settings
	seen   Seen
	mp, ep []profile
	usable []int32 // mentors with capacity left
	left   []int   // capacity left per mentor
	adj    [][]edge
	// dropped[i] is the best weight pruned from mentee i's row (0: none); a
	// row whose bound cannot be violated is never rescanned.
	dropped []int64
	// certified[i] is true when row i passed the check under potential
	// certPot[i]; see certify for why that lets later rounds skip it.
	certified []bool
	certPot   []int64
	repeat    map[[2]int32]bool // Seen's answers, so each pair is asked once
	inRow     []bool            // scratch: mentors already in the row
}

func newCandidates(mentors, mentees []*Person, s Settings, seen Seen) *candidates {
	mp, ep := buildProfiles(mentors, mentees, s)
	c := &candidates{
		s: s, seen: seen, mp: mp, ep: ep,
		left:      make([]int, len(mp)),
		adj:       make([][]edge, len(ep)),
		dropped:   make([]int64, len(ep)),
		certified: make([]bool, len(ep)),
		certPot:   make([]int64, len(ep)),
		repeat:    map[[2]int32]bool{},
		inRow:     make([]bool, len(mp)),
	}
	for j := range mp {
		c.left[j] = mp[j].left
		if mp[j].left > 0 {
			c.usable = append(c.usable, int32(j))
		}
	}
	return c
}

// weightOf is the solver weight of mentee i with mentor j, 0 when the pair is
// not eligible on the rules other than Seen (ask isRepeat separately: it may
// be expensive).
func (c *candidates) weightOf(i int, j int32) int64 {
	m, e := &c.mp[j], &c.ep[i]
	ov := overlapHours(m, e)
	if ov < c.s.MinOverlapHours {
		return 0 // the commonest refusal, and the cheapest to see
	}
	rel := relation(m, e)
	if brokenWith(m, e, ov, rel, c.s.MinOverlapHours) != 0 {
		return 0
	}
	f := scoreWith(m, e, ov, rel, &c.s.Weights)
	return weight(f.score())
}

func (c *candidates) isRepeat(i int, j int32) bool {
	if c.seen == nil {
		return false
	}
	key := [2]int32{int32(i), j}
	r, ok := c.repeat[key]
	if !ok {
		r = c.seen(c.mp[j].p.Email, c.ep[i].p.Email)
		c.repeat[key] = r
	}
	return r
}

// collect scores every pair once and keeps each mentee's best k mentors and
// each mentor's best l mentees (everything when k ≤ 0). Rows are scored in
// parallel; Seen is then asked from this goroutine only.
func (c *candidates) collect(k, l int) {
	workers := workersFor(len(c.ep))
	byMentor := make([][]edgeHeap, workers) // per worker, per mentor
	parallel(len(c.ep), workers, func(w, lo, hi int) {
		var h edgeHeap
		var mine []edgeHeap
		if k > 0 && l > 0 {
			mine = make([]edgeHeap, len(c.mp))
		}
		for i := lo; i < hi; i++ {
			h = h[:0]
			for _, j := range c.usable {
				wt := c.weightOf(i, j)
				if wt == 0 {
					continue
				}
				if d := h.offer(edge{j, wt}, k); d > 0 {
					c.dropped[i] = max(c.dropped[i], d)
				}
				if mine != nil {
					mine[j].offer(edge{int32(i), wt}, l)
				}
			}
			c.adj[i] = append([]edge(nil), h...)
		}
		byMentor[w] = mine
	})
	if k > 0 && l > 0 {
		// The best l of a mentor over all workers: worse() is a total
		// order, so the set does not depend on how rows were split.
		var best edgeHeap
		for j := range c.mp {
			best = best[:0]
			for _, mine := range byMentor {
				for _, e := range mine[j] {
					best.offer(e, l)
				}
			}
			for _, e := range best {
				c.adj[e.to] = append(c.adj[e.to], edge{int32(j), e.w})
			}
		}
	}
	for i, es := range c.adj {
		// Drop the duplicates the two lists share, and ask Seen only about
		// the pairs kept: the rest are asked only if the check wants them.
		kept := es[:0]
		for _, e := range es {
			if !c.inRow[e.to] && !c.isRepeat(i, e.to) {
				c.inRow[e.to] = true
				kept = append(kept, e)
			}
		}
		for _, e := range kept {
			c.inRow[e.to] = false
		}
		c.adj[i] = kept
	}
}

// total is the score of an assignment in float, for the stats.
func (c *candidates) total(assign []int32) float64 {
	t := 0.0
	for i, j := range assign {
		if j >= 0 {
			f := score(&c.mp[j], &c.ep[i], &c.s.Weights)
			t += f.score()
		}
	}
	return t
}
