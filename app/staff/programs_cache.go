package staff

import (
	"context"
	"sync"
	"time"

	"cohort/db"
)

// programTTL is how long a program row is reused. Programs change rarely
// (an admin renames one, switches a flag) and nothing here decides access
// from the row: permissions are checked per request by program id, and the
// data version is read per request. So a rename shows within seconds,
// and a busy table saves a query per request.
const programTTL = 5 * time.Second

// programCache keeps programs by slug for programTTL.
type programCache struct {
	mu sync.Mutex
	m  map[string]cachedProgram
}

type cachedProgram struct {
	p       *db.Program
	fetched time.Time
}

// get returns the program with that slug (db.ErrNotFound if none).
// Callers must not modify it: it is shared.
func (pc *programCache) get(ctx context.Context, store *db.Store, slug string) (*db.Program, error) {
	now := time.Now()
	pc.mu.Lock()
	c, ok := pc.m[slug]
	pc.mu.Unlock()
	if ok && now.Sub(c.fetched) < programTTL {
		return c.p, nil
	}
	p, err := store.ProgramBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	pc.mu.Lock()
	if pc.m == nil || len(pc.m) > 1000 {
		pc.m = map[string]cachedProgram{} // slugs come from URLs: keep it bounded
	}
	pc.m[slug] = cachedProgram{p, now}
	pc.mu.Unlock()
	return p, nil
}

// forget drops the program with this id, so the next get reads it again
// (its form was just published).
func (pc *programCache) forget(id int64) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for slug, c := range pc.m {
		if c.p.ID == id {
			delete(pc.m, slug)
		}
	}
}
