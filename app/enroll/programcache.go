package enroll

import (
	"context"
	"sync"
	"time"

	"cohort/db"
)

// programTTL is how long a program read from the database serves requests.
// Every step save needs its program (form, flags); programs change only
// when an admin edits them, and a few seconds' delay for that edit to reach
// members is a fair price for one query less per save.
const programTTL = 5 * time.Second

type cachedProgram struct {
	p  *db.Program
	at time.Time
}

// programCache keeps recently read programs by id.
type programCache struct {
	mu sync.Mutex
	m  map[int64]cachedProgram
}

func (pc *programCache) get(ctx context.Context, store *db.Store, id int64) (*db.Program, error) {
	now := time.Now()
	pc.mu.Lock()
	if c, ok := pc.m[id]; ok && now.Sub(c.at) < programTTL {
		pc.mu.Unlock()
		return c.p, nil
	}
	pc.mu.Unlock()
	p, err := store.ProgramByID(ctx, id)
	if err != nil {
		return nil, err
	}
	pc.mu.Lock()
	if pc.m == nil {
		pc.m = map[int64]cachedProgram{}
	}
	pc.m[id] = cachedProgram{p, now}
	pc.mu.Unlock()
	return p, nil
}
