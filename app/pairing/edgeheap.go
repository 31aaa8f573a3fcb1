package pairing

// edge is a candidate partner: a mentor in a mentee's row, or a mentee in a
// mentor's list while candidates are collected.
type edge struct {
	to int32
	w  int64
}

// worse orders candidates for pruning: lower weight first, and among equal
// weights the later index, so the kept set does not depend on scan order.
func worse(a, b edge) bool {
	if a.w != b.w {
		return a.w < b.w
	}
	return a.to > b.to
}

// edgeHeap keeps the best k candidates with the worst on top.
type edgeHeap []edge

// offer adds e to a heap of the best k (all when k ≤ 0) and returns the
// weight of whatever fell out, 0 if nothing did.
func (h *edgeHeap) offer(e edge, k int) int64 {
	switch {
	case k <= 0 || len(*h) < k:
		h.push(e)
		return 0
	case worse((*h)[0], e):
		d := (*h)[0].w
		(*h)[0] = e
		h.fix()
		return d
	}
	return e.w
}

func (h *edgeHeap) push(e edge) {
	*h = append(*h, e)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !worse(s[i], s[p]) {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

// fix restores the heap after the top was replaced.
func (h edgeHeap) fix() {
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		c := l
		if r := l + 1; r < len(h) && worse(h[r], h[l]) {
			c = r
		}
		if !worse(h[c], h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}
