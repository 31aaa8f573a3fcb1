package loadgen

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// summarize merges the per-worker stats into one Result. It runs once, after
// every worker has stopped, so it may touch all stats without locking.
func summarize(stats []*workerStats, elapsed time.Duration) Result {
	res := Result{Duration: elapsed, StatusCounts: make(map[int]int)}
	n := 0
	for _, st := range stats {
		n += len(st.latencies)
	}
	all := make([]time.Duration, 0, n)
	var firstAt time.Time
	for _, st := range stats {
		res.Requests += st.requests
		res.Failures += st.failures
		all = append(all, st.latencies...)
		for code, c := range st.statuses {
			res.StatusCounts[code] += c
		}
		// Report the failure that happened first across all workers: later
		// ones are often consequences of it.
		if st.firstErr != "" && (res.FirstError == "" || st.firstErrAt.Before(firstAt)) {
			res.FirstError, firstAt = st.firstErr, st.firstErrAt
		}
	}
	slices.Sort(all)
	res.P50 = percentile(all, 50)
	res.P90 = percentile(all, 90)
	res.P99 = percentile(all, 99)
	if len(all) > 0 {
		res.Max = all[len(all)-1]
	}
	if elapsed > 0 {
		res.RPS = float64(res.Requests) / elapsed.Seconds()
	}
	return res
}

// percentile returns the nearest-rank p-th percentile of sorted (ascending):
// the smallest value such that at least p% of the values are <= it. Nearest
// rank always returns an observed latency, never an interpolated one.
// It returns 0 for an empty slice.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// The epsilon absorbs float error such as 0.29*100 = 28.999999999999996
	// or 0.07*100 = 7.000000000000001, which would shift the rank by one.
	rank := int(math.Ceil(p/100*float64(len(sorted)) - 1e-9))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// String renders r as one readable block, e.g.
//
//	requests:  1000 (10 failed, 1.00%) in 2.001s
//	req/s:     499.8
//	latency:   p50 1.204ms  p90 2.310ms  p99 5.002ms  max 9.876ms
//	status:    200=990 500=10
//	first error: GET http://127.0.0.1:8080/: status 500, want 200
func (r Result) String() string {
	var b strings.Builder
	failPct := 0.0
	if r.Requests > 0 {
		failPct = 100 * float64(r.Failures) / float64(r.Requests)
	}
	fmt.Fprintf(&b, "requests:  %d (%d failed, %.2f%%) in %.3fs\n", r.Requests, r.Failures, failPct, r.Duration.Seconds())
	fmt.Fprintf(&b, "req/s:     %.1f\n", r.RPS)
	fmt.Fprintf(&b, "latency:   p50 %s  p90 %s  p99 %s  max %s\n", fmtDur(r.P50), fmtDur(r.P90), fmtDur(r.P99), fmtDur(r.Max))
	codes := make([]int, 0, len(r.StatusCounts))
	for code := range r.StatusCounts {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	b.WriteString("status:   ")
	if len(codes) == 0 {
		b.WriteString(" none")
	}
	for _, code := range codes {
		fmt.Fprintf(&b, " %d=%d", code, r.StatusCounts[code])
	}
	b.WriteString("\n")
	if r.FirstError != "" {
		fmt.Fprintf(&b, "first error: %s\n", r.FirstError)
	}
	return b.String()
}

// fmtDur prints latencies in fixed milliseconds so numbers from different
// runs compare at a glance, unlike time.Duration.String, which switches units
// and digit counts.
func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond))
}
