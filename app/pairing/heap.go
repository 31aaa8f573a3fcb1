package pairing

// heap is a binary min-heap of (distance, node) with lazy deletion; written
// out so the innermost loop makes no interface calls (container/heap would).
type heap []heapItem

type heapItem struct {
	d int64
	v int32
}

func (h *heap) push(d int64, v int32) {
	*h = append(*h, heapItem{d, v})
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].d <= s[i].d {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *heap) pop() (int64, int32) {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(s) {
			break
		}
		c := l
		if r := l + 1; r < len(s) && s[r].d < s[l].d {
			c = r
		}
		if s[i].d <= s[c].d {
			break
		}
		s[i], s[c] = s[c], s[i]
		i = c
	}
	*h = s
	return top.d, top.v
}
