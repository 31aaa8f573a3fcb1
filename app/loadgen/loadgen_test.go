package loadgen

import (
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer answers every request, failing every failEvery-th one
// (0 = never) with 500, and counts what it received.
func countingServer(t *testing.T, failEvery int64) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		if failEvery > 0 && n%failEvery == 0 {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestRunCountsRequestsAndFailures(t *testing.T) {
	tests := []struct {
		name         string
		failEvery    int64
		expect       int
		n            int
		wantFailures int
		wantStatus   map[int]int
		wantErrPart  string
	}{
		{name: "all ok", n: 50, wantStatus: map[int]int{200: 50}},
		{name: "every 10th is 500", failEvery: 10, n: 100, wantFailures: 10,
			wantStatus: map[int]int{200: 90, 500: 10}, wantErrPart: "status 500, want 200"},
		{name: "unexpected 200", expect: http.StatusCreated, n: 20, wantFailures: 20,
			wantStatus: map[int]int{200: 20}, wantErrPart: "status 200, want 201"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, hits := countingServer(t, tc.failEvery)
			res, err := Run(t.Context(), Options{
				URL: srv.URL, Concurrency: 4, Duration: 5 * time.Second,
				MaxRequests: tc.n, ExpectStatus: tc.expect,
			})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if res.Requests != tc.n || hits.Load() != int64(tc.n) {
				t.Errorf("requests = %d, server saw %d, want %d", res.Requests, hits.Load(), tc.n)
			}
			if res.Failures != tc.wantFailures {
				t.Errorf("failures = %d, want %d", res.Failures, tc.wantFailures)
			}
			if len(res.StatusCounts) != len(tc.wantStatus) {
				t.Errorf("status counts = %v, want %v", res.StatusCounts, tc.wantStatus)
			}
			for code, c := range tc.wantStatus {
				if res.StatusCounts[code] != c {
					t.Errorf("status %d count = %d, want %d", code, res.StatusCounts[code], c)
				}
			}
			if !strings.Contains(res.FirstError, tc.wantErrPart) || (tc.wantErrPart == "" && res.FirstError != "") {
				t.Errorf("FirstError = %q, want it to contain %q", res.FirstError, tc.wantErrPart)
			}
			if res.Max <= 0 || res.P50 > res.P90 || res.P90 > res.P99 || res.P99 > res.Max || res.RPS <= 0 {
				t.Errorf("implausible latencies/rate: %+v", res)
			}
			s := res.String()
			t.Logf("\n%s", s)
			for _, want := range []string{"requests:", "req/s:", "p50", "p99", "max", "200="} {
				if !strings.Contains(s, want) {
					t.Errorf("String() lacks %q:\n%s", want, s)
				}
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	ms := func(vs ...int) []time.Duration {
		out := make([]time.Duration, len(vs))
		for i, v := range vs {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"single p50", ms(7), 50, 7 * time.Millisecond},
		{"single p99", ms(7), 99, 7 * time.Millisecond},
		{"1..100 p50", ms(hundred...), 50, 50 * time.Millisecond},
		{"1..100 p90", ms(hundred...), 90, 90 * time.Millisecond},
		{"1..100 p99", ms(hundred...), 99, 99 * time.Millisecond},
		{"1..100 p100", ms(hundred...), 100, 100 * time.Millisecond},
		{"1..100 p29 (float edge)", ms(hundred...), 29, 29 * time.Millisecond},
		{"1..100 p7 (float edge)", ms(hundred...), 7, 7 * time.Millisecond},
		{"ten p50", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 50, 5 * time.Millisecond},
		{"ten p90", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9 * time.Millisecond},
		{"ten p99 rounds up", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{"four p50", ms(10, 20, 30, 40), 50, 20 * time.Millisecond},
		{"p0 is min", ms(10, 20, 30, 40), 0, 10 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.sorted, tc.p); got != tc.want {
				t.Errorf("percentile(p%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

func TestSummarizeMergesWorkers(t *testing.T) {
	now := time.Now()
	stats := []*workerStats{
		{latencies: []time.Duration{3, 1}, statuses: map[int]int{200: 2}, requests: 3, failures: 1,
			firstErr: "later", firstErrAt: now.Add(time.Second)},
		{latencies: []time.Duration{2, 4}, statuses: map[int]int{200: 1, 500: 1}, requests: 2, failures: 1,
			firstErr: "earlier", firstErrAt: now},
	}
	res := summarize(stats, 2*time.Second)
	if res.Requests != 5 || res.Failures != 2 || res.StatusCounts[200] != 3 || res.StatusCounts[500] != 1 {
		t.Errorf("totals wrong: %+v", res)
	}
	if res.P50 != 2 || res.Max != 4 || res.RPS != 2.5 || res.FirstError != "earlier" {
		t.Errorf("got P50=%v Max=%v RPS=%v FirstError=%q", res.P50, res.Max, res.RPS, res.FirstError)
	}
}

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080/", true},
		{"http://127.5.6.7/x", true},
		{"http://[::1]:3000/", true},
		{"https://localhost/", true},
		{"http://LOCALHOST:1/", true},
		{"http://10.0.0.1/", false},
		{"http://example.com/", false},
		{"http://192.168.1.10:8080/", false},
		{"http://0.0.0.0:8080/", false},
		{"http://[::2]/", false},
		{"http://127.0.0.1.nip.io/", false},
		{"http://localhost.example.com/", false},
		{"ftp://127.0.0.1/", false},
		{"/relative", false},
		{"http:///nohost", false},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			err := checkLoopback(t.Context(), tc.url)
			if (err == nil) != tc.ok {
				t.Errorf("checkLoopback(%q) = %v, want ok=%v", tc.url, err, tc.ok)
			}
		})
	}
}

func TestRunRefusesNonLoopback(t *testing.T) {
	for _, u := range []string{"http://10.0.0.1/", "http://example.com/", "http://[2001:db8::1]/"} {
		t.Run(u, func(t *testing.T) {
			start := time.Now()
			res, err := Run(t.Context(), Options{URL: u, Duration: time.Second})
			if err == nil || !strings.Contains(err.Error(), "refusing") {
				t.Fatalf("Run(%q) err = %v, want refusal", u, err)
			}
			if res.Requests != 0 || time.Since(start) > 500*time.Millisecond {
				t.Errorf("refusal should be immediate and send nothing: %+v after %v", res, time.Since(start))
			}
		})
	}
}

func TestLoopbackOnlyDialGuard(t *testing.T) {
	// The dial hook is the second line of defence (redirects, re-resolution).
	for addr, ok := range map[string]bool{
		"127.0.0.1:80": true, "[::1]:80": true, "10.0.0.1:80": false, "[2001:db8::1]:443": false, "garbage": false,
	} {
		if err := loopbackOnly("tcp", addr, nil); (err == nil) != ok {
			t.Errorf("loopbackOnly(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}

func TestRunBounds(t *testing.T) {
	tests := []struct {
		name        string
		opts        Options
		wantExactly int           // server hits and Requests, when > 0
		maxElapsed  time.Duration // whole Run wall time
	}{
		{name: "MaxRequests stops early", opts: Options{Concurrency: 8, Duration: 10 * time.Second, MaxRequests: 37},
			wantExactly: 37, maxElapsed: 2 * time.Second},
		{name: "MaxRequests below concurrency", opts: Options{Concurrency: 16, Duration: 10 * time.Second, MaxRequests: 3},
			wantExactly: 3, maxElapsed: 2 * time.Second},
		{name: "Duration stops", opts: Options{Concurrency: 2, Duration: 150 * time.Millisecond},
			maxElapsed: time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, hits := countingServer(t, 0)
			tc.opts.URL = srv.URL
			start := time.Now()
			res, err := Run(t.Context(), tc.opts)
			elapsed := time.Since(start)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if elapsed > tc.maxElapsed {
				t.Errorf("Run took %v, want <= %v", elapsed, tc.maxElapsed)
			}
			if tc.wantExactly > 0 && (res.Requests != tc.wantExactly || hits.Load() != int64(tc.wantExactly)) {
				t.Errorf("requests = %d, server saw %d, want exactly %d", res.Requests, hits.Load(), tc.wantExactly)
			}
			if tc.wantExactly == 0 && (res.Requests == 0 || res.Duration < tc.opts.Duration) {
				t.Errorf("duration-bound run: requests=%d duration=%v", res.Requests, res.Duration)
			}
			if res.Failures != 0 {
				t.Errorf("failures = %d: %s", res.Failures, res.FirstError)
			}
		})
	}
}

func TestRunWarmupNotCounted(t *testing.T) {
	srv, hits := countingServer(t, 0)
	res, err := Run(t.Context(), Options{URL: srv.URL, Concurrency: 2, Warmup: 100 * time.Millisecond, Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Requests == 0 || int64(res.Requests) >= hits.Load() {
		t.Errorf("counted %d of %d requests; warmup requests should be sent but not counted", res.Requests, hits.Load())
	}
	if res.Duration >= 190*time.Millisecond {
		t.Errorf("measured duration %v should exclude warmup", res.Duration)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	srv, _ := countingServer(t, 0)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := Run(ctx, Options{URL: srv.URL, Concurrency: 4, Duration: 10 * time.Second})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("Run took %v after cancellation", time.Since(start))
	}
	if res.Requests == 0 || res.Failures != 0 {
		t.Errorf("partial result should count completed requests and no bogus failures: %+v", res)
	}
}

func TestFormPostDistinctBodies(t *testing.T) {
	var (
		mu     sync.Mutex
		titles = map[string]int{}
		bad    []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" ||
			r.Header.Get("HX-Request") != "true" || r.Header.Get("X-CSRF-Token") != "tok" {
			bad = append(bad, r.Method+" "+r.Header.Get("Content-Type"))
		}
		if err := r.ParseForm(); err != nil || r.PostForm.Get("kind") != "note" {
			bad = append(bad, "form: "+r.PostForm.Encode())
		}
		titles[r.PostForm.Get("title")]++
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(srv.Close)

	o, err := ParseFlags([]string{
		"-url", srv.URL, "-c", "4", "-n", "40", "-d", "5s", "-expect", "201",
		"-form", "title=post+{n}&kind=note", "-H", "HX-Request: true", "-H", "X-CSRF-Token: tok",
	}, io.Discard)
	if err != nil {
		t.Fatalf("ParseFlags: %v", err)
	}
	res, err := Run(t.Context(), o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Requests != 40 || res.Failures != 0 {
		t.Fatalf("requests=%d failures=%d first=%q", res.Requests, res.Failures, res.FirstError)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bad) > 0 {
		t.Errorf("malformed requests: %q", bad)
	}
	if len(titles) != 40 {
		t.Errorf("got %d distinct titles, want 40: %v", len(titles), titles)
	}
	for title, c := range titles {
		if c != 1 || !strings.HasPrefix(title, "post ") || strings.Contains(title, "{n}") {
			t.Errorf("title %q seen %d times", title, c)
		}
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr error // errors.Is target; nil with errPart means "some error"
		errPart string
		check   func(t *testing.T, o Options)
	}{
		{name: "defaults", args: []string{"-url", "http://127.0.0.1:8080/"}, check: func(t *testing.T, o Options) {
			if o.Method != "GET" || o.Concurrency != 32 || o.Duration != 10*time.Second || o.MaxRequests != 0 ||
				o.Warmup != 0 || o.ExpectStatus != 200 || o.Body != nil {
				t.Errorf("defaults wrong: %+v", o)
			}
		}},
		{name: "all flags", args: []string{"-url", "http://localhost:3000/items", "-c", "8", "-d", "2s", "-n", "500",
			"-method", "PUT", "-H", "Cookie: session=abc", "-H", "Cookie: b=c", "-form", "a={n}", "-warmup", "1s", "-expect", "303"},
			check: func(t *testing.T, o Options) {
				if o.Method != "PUT" || o.Concurrency != 8 || o.Duration != 2*time.Second || o.MaxRequests != 500 ||
					o.Warmup != time.Second || o.ExpectStatus != 303 || len(o.Header.Values("Cookie")) != 2 {
					t.Errorf("parsed wrong: %+v", o)
				}
				if b, ct := o.Body(0, 42); string(b) != "a=42" || ct != "application/x-www-form-urlencoded" {
					t.Errorf("Body(0,42) = %q, %q", b, ct)
				}
			}},
		{name: "form implies POST", args: []string{"-url", "http://[::1]/", "-form", "x=1"}, check: func(t *testing.T, o Options) {
			if o.Method != "POST" {
				t.Errorf("method = %q, want POST", o.Method)
			}
		}},
		{name: "unknown flag", args: []string{"-url", "http://127.0.0.1/", "-bogus"}, errPart: "not defined"},
		{name: "help", args: []string{"-h"}, wantErr: flag.ErrHelp},
		{name: "missing url", args: []string{"-c", "4"}, errPart: "missing URL"},
		{name: "bad header", args: []string{"-url", "http://127.0.0.1/", "-H", "NoColon"}, errPart: "Name: value"},
		{name: "bad duration", args: []string{"-url", "http://127.0.0.1/", "-d", "soon"}, errPart: "invalid value"},
		{name: "negative concurrency", args: []string{"-url", "http://127.0.0.1/", "-c", "-1"}, errPart: "concurrency"},
		{name: "bad expect", args: []string{"-url", "http://127.0.0.1/", "-expect", "42"}, errPart: "status"},
		{name: "bad form", args: []string{"-url", "http://127.0.0.1/", "-form", "a=%zz"}, errPart: "-form"},
		{name: "stray argument", args: []string{"-url", "http://127.0.0.1/", "extra"}, errPart: "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var usage strings.Builder
			o, err := ParseFlags(tc.args, &usage)
			switch {
			case tc.check != nil:
				if err != nil {
					t.Fatalf("ParseFlags: %v", err)
				}
				tc.check(t, o)
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if !strings.Contains(usage.String(), "-url") {
					t.Errorf("usage not written: %q", usage.String())
				}
			default:
				if err == nil || !strings.Contains(err.Error(), tc.errPart) {
					t.Fatalf("err = %v, want one containing %q", err, tc.errPart)
				}
			}
		})
	}
}
