package staff

import (
	"container/list"
	"fmt"
	"sync"

	"cohort/app/metrics"
)

// resultCache keeps recent participant-table answers (pages, facet counts,
// facet values, rendered partials and API pages), keyed by program, data
// version and the canonical query. The data version (db.ParticipantsStamp:
// the version triggers bump in the same transaction as any change to
// enrollments, with the program's pair counts, which every pair write
// moves) changes with anything the table shows, so an entry can never be
// served for data newer than it was computed from: there is no expiry to
// tune and nothing to invalidate by hand, on one instance or many. Facets
// over a large program cost tens of milliseconds; with the cache, a
// repeated view (another page, a reload, back, a colleague with the same
// filter) costs one indexed read of the version.
//
// Concurrent misses of the same key compute once (the others wait for that
// result): a burst of identical requests, for example a page shared in a
// meeting, does not run the same facet scan thirty times.
type resultCache struct {
	mu       sync.Mutex
	max      int
	order    *list.List // front = most recently used
	entries  map[string]*list.Element
	inflight map[string]*call
}

type entry struct {
	key string
	val any
}

type call struct {
	done chan struct{}
	val  any
	err  error
}

func newResultCache(max int) *resultCache {
	return &resultCache{max: max, order: list.New(), entries: map[string]*list.Element{}, inflight: map[string]*call{}}
}

// get returns the cached value for key, computing and storing it with fn
// on a miss. Values must not be modified after they are returned: they are
// shared between requests. Errors are not cached.
func (c *resultCache) get(key string, fn func() (any, error)) (any, error) {
	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		c.mu.Unlock()
		metrics.ParticipantCache.WithLabelValues("hit").Inc()
		return el.Value.(*entry).val, nil
	}
	if cl, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		metrics.ParticipantCache.WithLabelValues("hit").Inc() // computed once, for us too
		<-cl.done
		return cl.val, cl.err
	}
	cl := &call{done: make(chan struct{})}
	c.inflight[key] = cl
	c.mu.Unlock()
	metrics.ParticipantCache.WithLabelValues("miss").Inc()

	func() {
		// A panic in fn becomes an error, so the waiters and the next
		// request for key are not left with a half-made entry.
		defer func() {
			if r := recover(); r != nil {
				cl.val, cl.err = nil, fmt.Errorf("staff: computing %q panicked: %v", key, r)
			}
		}()
		cl.val, cl.err = fn()
	}()

	c.mu.Lock()
	delete(c.inflight, key)
	close(cl.done)
	if cl.err == nil {
		c.entries[key] = c.order.PushFront(&entry{key, cl.val})
		for c.order.Len() > c.max {
			old := c.order.Back()
			c.order.Remove(old)
			delete(c.entries, old.Value.(*entry).key)
		}
	}
	c.mu.Unlock()
	return cl.val, cl.err
}
