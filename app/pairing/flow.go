package pairing

// flow is a min-cost flow network for the assignment, in compressed adjacency
// form (arcs of node v are start[v]..start[v+1]) so Dijkstra walks memory in
// order. Nodes: mentees 0..n-1, mentors n..n+m-1, then none (the "unassigned"
// outlet every mentee can always use at cost 0), then the sink.
//
// Routing every mentee somewhere — a mentor or none — fixes the flow value at
// n, which makes this a plain min-cost flow: a flow is optimal exactly when
// some potentials leave every residual arc with a reduced cost ≥ 0. That
// condition is what Propose checks against the pairs it pruned away.
type flow struct {
	n, m  int
	start []int32 // arcs of v: start[v]..fwd[v] forward, then its reverse arcs
	fwd   []int32 // end of each node's forward arcs
	arcs  []arc
	rev   []int32 // index of each arc's reverse; only augmenting needs it
	tail  []int32 // node each arc leaves
	// active lists, per node, its reverse arcs that currently have residual
	// capacity. A mentor is the far end of hundreds of mentee arcs but
	// carries flow back on at most its capacity of them; scanning only
	// those keeps a mentor's relaxation O(capacity) instead of O(degree).
	active    [][]int32
	activePos []int32 // position of a reverse arc in its active list
	node      []node
	cur       int32   // current search; node.dist/prev are valid when stamp == cur
	order     []int32 // nodes settled by the current search
	h         heap
}

// arc and node pack what one relaxation reads next to each other, because the
// search is memory-bound: one cache line per arc and per node, not four.
type arc struct {
	head int32
	rcap int32 // residual capacity
	cost int64 // -weight on mentee→mentor arcs, 0 elsewhere
}

type node struct {
	pot   int64 // potential, kept across searches
	dist  int64
	prev  int32 // arc that reached the node
	stamp int32
}

func (g *flow) none() int32 { return int32(g.n + g.m) }
func (g *flow) sink() int32 { return int32(g.n + g.m + 1) }

// pot is node v's potential.
func (g *flow) pot(v int32) int64 { return g.node[v].pot }

// mentorPot is mentor j's potential.
func (g *flow) mentorPot(j int32) int64 { return g.node[int32(g.n)+j].pot }

// reduced is the reduced cost of the mentee→mentor arc (i, j) of weight w,
// whether or not the network has it.
func (g *flow) reduced(i, j int32, w int64) int64 { return -w + g.pot(i) - g.mentorPot(j) }

// newFlow builds the network: adj[i] are mentee i's candidate mentors with
// integer weights, left[j] is mentor j's capacity left.
func newFlow(adj [][]edge, left []int) *flow {
	n, m := len(adj), len(left)
	nodes := n + m + 2
	g := &flow{n: n, m: m, start: make([]int32, nodes+1), node: make([]node, nodes)}
	deg := make([]int32, nodes)
	for i, es := range adj {
		deg[i] += int32(len(es)) + 1
		for _, e := range es {
			deg[n+int(e.to)]++
		}
	}
	for j := range m {
		deg[n+j]++
	}
	deg[g.none()] += int32(n) + 1
	deg[g.sink()] += int32(m) + 1
	for v := range nodes {
		g.start[v+1] = g.start[v] + deg[v]
	}
	total := g.start[nodes]
	g.arcs = make([]arc, total)
	g.rev = make([]int32, total)
	g.tail = make([]int32, total)
	g.activePos = make([]int32, total)
	g.active = make([][]int32, nodes)
	// Forward arcs fill each node's range from the front, reverse arcs from
	// the back, so the forward ones are contiguous and scanned directly.
	front := make([]int32, nodes)
	back := make([]int32, nodes)
	copy(front, g.start[:nodes])
	copy(back, g.start[1:])
	add := func(u, v int32, c int32, cost int64) {
		front[u]++
		back[v]--
		a, b := front[u]-1, back[v]
		g.arcs[a], g.rev[a], g.tail[a] = arc{v, c, cost}, b, u
		g.arcs[b], g.rev[b], g.tail[b] = arc{u, 0, -cost}, a, v
	}
	for i, es := range adj {
		for _, e := range es {
			add(int32(i), int32(n)+e.to, 1, -e.w)
		}
		add(int32(i), g.none(), 1, 0)
	}
	for j, l := range left {
		add(int32(n+j), g.sink(), int32(min(max(l, 0), n)), 0)
	}
	add(g.none(), g.sink(), int32(n), 0)
	g.fwd = front
	return g
}

// push sends one unit along arc a, keeping the active lists in step.
func (g *flow) push(a int32) {
	g.setCap(a, g.arcs[a].rcap-1)
	r := g.rev[a]
	g.setCap(r, g.arcs[r].rcap+1)
}

// unpush takes one unit back from arc a.
func (g *flow) unpush(a int32) { g.push(g.rev[a]) }

func (g *flow) setCap(a, c int32) {
	was := g.arcs[a].rcap
	g.arcs[a].rcap = c
	v := g.tail[a]
	if a < g.fwd[v] || (was > 0) == (c > 0) {
		return
	}
	if c > 0 {
		g.activePos[a] = int32(len(g.active[v]))
		g.active[v] = append(g.active[v], a)
		return
	}
	l := g.active[v]
	k, last := g.activePos[a], l[len(l)-1]
	l[k], g.activePos[last] = last, k
	g.active[v] = l[:len(l)-1]
}

// augment sends one unit from src along a shortest residual path to the
// nearest node short of flow (excess < 0), and returns that node. It relies on
// every residual arc having a non-negative reduced cost, and keeps it so: the
// search stops at the first target it settles, and only settled nodes get
// their potential moved (by dist − dist(target)), which is the standard
// early-stop form of the potential update.
func (g *flow) augment(src int32, excess []int32) int32 {
	g.cur++
	cur := g.cur
	g.order, g.h = g.order[:0], g.h[:0]
	g.node[src].dist, g.node[src].stamp = 0, cur
	g.h.push(0, src)
	var t int32 = -1
	for len(g.h) > 0 {
		d, v := g.h.pop()
		nv := &g.node[v]
		// Nodes are pushed again when their distance drops, never with an
		// equal one, so exactly one entry per node matches its final
		// distance: the others are stale.
		if d > nv.dist {
			continue
		}
		g.order = append(g.order, v)
		if excess[v] < 0 {
			t = v
			break
		}
		if t = g.relax(v, d, excess); t >= 0 {
			break
		}
	}
	if t < 0 {
		// Cannot happen: every mentee can always reach "unassigned".
		panic("pairing: no augmenting path")
	}
	dt := g.node[t].dist
	for _, v := range g.order {
		g.node[v].pot += g.node[v].dist - dt
	}
	for v := t; v != src; {
		a := g.node[v].prev
		g.push(a)
		v = g.arcs[g.rev[a]].head
	}
	return t
}

// relax scans v's residual arcs (settled at distance d). A target reached at
// the same distance d cannot be beaten by anything still in the heap, so it
// is settled at once and returned, skipping v's other arcs: v's potential
// moves by d − dist(target) = 0, so arcs left unscanned keep their reduced
// cost. Forward arcs come first, and a mentor's or "unassigned"'s first
// forward arc is the one to the sink, so the common case stops right there.
func (g *flow) relax(v int32, d int64, excess []int32) int32 {
	cur := g.cur
	dv := d + g.node[v].pot
	try := func(a int32) bool {
		ar := &g.arcs[a]
		nu := &g.node[ar.head]
		nd := dv + ar.cost - nu.pot
		if nu.stamp != cur || nd < nu.dist {
			nu.dist, nu.prev, nu.stamp = nd, a, cur
			if nd == d && excess[ar.head] < 0 {
				g.order = append(g.order, ar.head)
				return true
			}
			g.h.push(nd, ar.head)
		}
		return false
	}
	for a := g.start[v]; a < g.fwd[v]; a++ {
		if g.arcs[a].rcap > 0 && try(a) {
			return g.arcs[a].head
		}
	}
	for _, a := range g.active[v] {
		if try(a) {
			return g.arcs[a].head
		}
	}
	return -1
}

// solve routes the mentees one at a time along a shortest path to the sink
// (successive shortest paths), starting from no flow.
func (g *flow) solve() {
	none := g.none()
	excess := make([]int32, len(g.node))
	excess[g.sink()] = -1 // never reaches 0: the sink takes every unit
	for k := range int32(g.n) {
		// Mentee k enters the network now. Nothing points at it yet, so its
		// potential is free: pick the smallest one that makes all its own
		// arcs non-negative.
		pk := g.pot(none)
		for a := g.start[k]; a < g.start[k+1]; a++ {
			pk = max(pk, g.pot(g.arcs[a].head)-g.arcs[a].cost)
		}
		g.node[k].pot = pk
		g.augment(k, excess) // always succeeds: k → none → sink
	}
}

// resume continues from prev, an optimal flow of a smaller network (this one
// minus some mentee→mentor arcs), taking over its flow and potentials: old
// arcs keep non-negative reduced costs. A mentee with a new arc of negative reduced
// cost gets its potential raised until all its arcs are non-negative; if that
// makes the arc that carries its unit negative backwards, the unit is taken
// back (the mentee is one unit in excess, its mentor one unit short) and sent
// again along a shortest path. One search per such mentee, far cheaper than
// solving again, and every reduced cost stays non-negative throughout.
func (g *flow) resume(prev *flow) {
	assign := prev.assignment()
	for v := range g.node {
		g.node[v].pot = prev.node[v].pot
	}
	sink, none := g.sink(), g.none()
	carrier := make([]int32, g.n) // arc carrying each mentee's unit
	for i, j := range assign {
		to := none
		if j >= 0 {
			to = int32(g.n) + j
		}
		for a := g.start[i]; a < g.start[i+1]; a++ {
			if g.arcs[a].head == to {
				g.push(a)
				carrier[i] = a
				break
			}
		}
		for a := g.start[to]; a < g.fwd[to]; a++ {
			if g.arcs[a].head == sink {
				g.push(a)
				break
			}
		}
	}
	excess := make([]int32, len(g.node))
	var sources []int32
	for i := range int32(g.n) {
		need := g.pot(i)
		for a := g.start[i]; a < g.start[i+1]; a++ {
			if ar := g.arcs[a]; ar.rcap > 0 {
				need = max(need, g.pot(ar.head)-ar.cost)
			}
		}
		if need == g.pot(i) {
			continue
		}
		g.node[i].pot = need
		a := carrier[i]
		if to := g.arcs[a].head; g.arcs[g.rev[a]].cost+g.pot(to)-need < 0 {
			g.unpush(a)
			excess[i]++
			excess[to]--
			sources = append(sources, i)
		}
	}
	for _, v := range sources {
		t := g.augment(v, excess)
		excess[v]--
		excess[t]++
	}
}

// assignment returns, per mentee, the index of its mentor or -1. A mentee's
// arcs are all its own (nothing points at a mentee except reverse arcs, which
// live at the other end), so the one with no capacity left carries its unit.
func (g *flow) assignment() []int32 {
	out := make([]int32, g.n)
	for i := range int32(g.n) {
		out[i] = -1
		for a := g.start[i]; a < g.fwd[i]; a++ {
			if ar := g.arcs[a]; ar.rcap == 0 && ar.head != g.none() {
				out[i] = ar.head - int32(g.n)
			}
		}
	}
	return out
}
