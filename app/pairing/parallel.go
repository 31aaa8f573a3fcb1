package pairing

import (
	"runtime"
	"sync"
)

// minChunk is the fewest rows worth a goroutine of their own: below it the
// start-up costs more than the scoring saves.
const minChunk = 256

func workersFor(rows int) int {
	return max(1, min(runtime.GOMAXPROCS(0), rows/minChunk))
}

// parallel calls f on contiguous chunks of [0, n), one per worker, and waits.
// Scoring millions of pairs is the part of Propose that splits cleanly.
func parallel(n, workers int, f func(w, lo, hi int)) {
	if workers <= 1 {
		f(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() { f(w, lo, hi) })
	}
	wg.Wait()
}
