package staff

import (
	"runtime"
	"sync"
	"weak"

	"cohort/app/web"
)

// shared holds the Results that Register made for each server, so the JSON
// API, which another package registers on the same server, reads through
// the table's own cache rather than a second one. The server is held
// weakly and its entry removed when it is collected (tests build many).
var shared struct {
	mu sync.Mutex
	m  map[weak.Pointer[web.Server]]*Results
}

func share(s *web.Server, r *Results) {
	wp := weak.Make(s)
	shared.mu.Lock()
	if shared.m == nil {
		shared.m = map[weak.Pointer[web.Server]]*Results{}
	}
	shared.m[wp] = r
	shared.mu.Unlock()
	runtime.AddCleanup(s, func(wp weak.Pointer[web.Server]) {
		shared.mu.Lock()
		delete(shared.m, wp)
		shared.mu.Unlock()
	}, wp)
}

// ResultsOf returns the Results that Register made for s, or nil if
// Register has not run for s.
func ResultsOf(s *web.Server) *Results {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	return shared.m[weak.Make(s)]
}
