package staff

import (
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

func TestResultCache(t *testing.T) {
	c := newResultCache(2)
	calls := 0
	get := func(key string) any {
		t.Helper()
		v, err := c.get(key, func() (any, error) { calls++; return key + strconv.Itoa(calls), nil })
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	get("a")
	if get("a") != "a1" || calls != 1 {
		t.Fatal("a hit recomputed")
	}
	get("b")
	get("a") // a is now the most recent; c evicts b
	get("c")
	if get("a") != "a1" || get("b") != "b4" || calls != 4 {
		t.Fatalf("LRU order wrong: %d calls", calls)
	}
	boom := errors.New("boom")
	if _, err := c.get("e", func() (any, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if v, err := c.get("e", func() (any, error) { return "ok", nil }); err != nil || v != "ok" {
		t.Fatal("an error was cached")
	}
	if _, err := c.get("p", func() (any, error) { panic("oops") }); err == nil {
		t.Fatal("a panic was not turned into an error")
	}
	if v, err := c.get("p", func() (any, error) { return "fine", nil }); err != nil || v != "fine" {
		t.Fatal("a panic left the key stuck")
	}
}

// Concurrent misses of one key compute it once.
func TestResultCacheCoalesces(t *testing.T) {
	c := newResultCache(10)
	var n atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.get("k", func() (any, error) { n.Add(1); <-release; return 42, nil })
			if err != nil || v != 42 {
				t.Error(v, err)
			}
		}()
	}
	for n.Load() == 0 {
		// wait for the first computation to start
	}
	close(release)
	wg.Wait()
	if n.Load() != 1 {
		t.Fatalf("computed %d times", n.Load())
	}
}
