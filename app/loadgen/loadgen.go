// Package loadgen is a small whole-request HTTP load generator used to
// measure a running Cohort server (exposed on the command line as
// `cohort load ...`).
//
// "Whole-request" means each latency covers sending the request, waiting for
// the response and reading the entire body, which is what a browser user
// actually waits for. By policy the generator only ever targets loopback
// addresses: it is a tool for measuring our own server on this machine, never
// for putting load on somebody else's.
package loadgen

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Defaults applied by Run (and ParseFlags) when an Options field is zero.
const (
	DefaultConcurrency  = 32
	DefaultDuration     = 10 * time.Second
	DefaultMethod       = http.MethodGet
	DefaultExpectStatus = http.StatusOK
)

// drainGrace is how long requests still in flight when Duration ends may take
// to finish. Letting them finish (instead of cutting them off) keeps the slow
// tail in the percentiles; bounding it keeps a hung server from hanging the run.
const drainGrace = 5 * time.Second

// errSnippetLen bounds how much of an unexpected response body is kept for
// Result.FirstError: enough to recognise an error page, not enough to flood
// the terminal.
const errSnippetLen = 200

// Options describe one load run.
type Options struct {
	// URL is the target. It must be a loopback address (127.0.0.0/8, ::1) or
	// localhost; anything else is refused with an error.
	URL string
	// Method defaults to GET.
	Method string
	// Body, when non-nil, supplies a per-request body (e.g. for POST form
	// loads). worker is the worker index; seq is a run-wide sequence number,
	// unique per request (starting at 1), so each request can write distinct
	// data. contentType, when non-empty, is sent as Content-Type unless Header
	// already sets one.
	Body func(worker, seq int) (body []byte, contentType string)
	// Header holds extra request headers (e.g. Cookie, HX-Request,
	// X-CSRF-Token). A "Host" entry sets the request's Host.
	Header http.Header
	// Prepare, when non-nil, adjusts each request before it is sent: a
	// scenario uses it to act as many users (its own session cookie, CSRF
	// token and path per request). It may change the path and headers, never
	// the host: the loopback check has already been made.
	Prepare func(req *http.Request, worker, seq int)
	// Concurrency is the number of workers, each with at most one request in
	// flight. Zero means DefaultConcurrency.
	Concurrency int
	// Duration bounds the measured part of the run (after Warmup). Zero means
	// DefaultDuration. The run ends at whichever of Duration and MaxRequests
	// comes first.
	Duration time.Duration
	// MaxRequests, if > 0, bounds the number of measured requests.
	MaxRequests int
	// Warmup is a period before measurement whose requests are sent but not
	// counted, so connection set-up and cold caches do not skew the numbers.
	Warmup time.Duration
	// ExpectStatus is the status that counts as success; any other status is
	// a failure. Zero means DefaultExpectStatus. Redirects are not followed, so
	// a POST answered with 303 needs ExpectStatus 303.
	ExpectStatus int
}

// Result holds totals and latencies of the measured part of a run.
//
// Requests counts every measured request that completed, successfully or
// not; Failures counts those that got a transport error or a status other
// than ExpectStatus. Latencies (P50..Max, nearest-rank) cover every request
// that got a response, whatever its status; transport errors have no
// meaningful latency and are left out.
type Result struct {
	Requests, Failures int
	// Duration is the measured wall time, from the end of warmup until the
	// last counted request finished.
	Duration           time.Duration
	P50, P90, P99, Max time.Duration
	// RPS is Requests / Duration.
	RPS float64
	// StatusCounts maps HTTP status to the number of measured responses.
	StatusCounts map[int]int
	// FirstError describes the earliest failure, to say why Failures > 0.
	FirstError string
}

// normalize applies defaults and rejects values that make no sense, so both
// Run and ParseFlags report mistakes before any request is sent.
func (o Options) normalize() (Options, error) {
	if o.URL == "" {
		return o, errors.New("loadgen: missing URL")
	}
	if o.Method == "" {
		o.Method = DefaultMethod
	}
	switch {
	case o.Concurrency < 0:
		return o, fmt.Errorf("loadgen: concurrency must be >= 0, got %d", o.Concurrency)
	case o.Duration < 0:
		return o, fmt.Errorf("loadgen: duration must be >= 0, got %v", o.Duration)
	case o.MaxRequests < 0:
		return o, fmt.Errorf("loadgen: max requests must be >= 0, got %d", o.MaxRequests)
	case o.Warmup < 0:
		return o, fmt.Errorf("loadgen: warmup must be >= 0, got %v", o.Warmup)
	case o.ExpectStatus != 0 && (o.ExpectStatus < 100 || o.ExpectStatus > 599):
		return o, fmt.Errorf("loadgen: expected status must be 100..599, got %d", o.ExpectStatus)
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Duration == 0 {
		o.Duration = DefaultDuration
	}
	if o.ExpectStatus == 0 {
		o.ExpectStatus = DefaultExpectStatus
	}
	// Building one request up front catches a bad method or URL syntax once,
	// instead of as N identical failures.
	if _, err := http.NewRequest(o.Method, o.URL, nil); err != nil {
		return o, fmt.Errorf("loadgen: %w", err)
	}
	return o, nil
}

// checkLoopback refuses any target that is not on loopback. IP literals are
// checked directly; "localhost" (and *.localhost) is resolved and every
// address must be loopback. Other host names are refused without a lookup:
// resolving them would already leak the name off the machine, and a Host
// header (-H "Host: ...") covers name-based routing on 127.0.0.1.
func checkLoopback(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("loadgen: bad URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("loadgen: URL scheme must be http or https, got %q", u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("loadgen: URL %q has no host", raw)
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if !addr.Unmap().IsLoopback() {
			return fmt.Errorf("loadgen: refusing non-loopback target %s (load only targets 127.0.0.0/8, ::1 or localhost)", host)
		}
		return nil
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if name != "localhost" && !strings.HasSuffix(name, ".localhost") {
		return fmt.Errorf("loadgen: refusing host %q: load only targets 127.0.0.0/8, ::1 or localhost (use -H \"Host: %s\" against 127.0.0.1 for name-based routing)", host, host)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", name)
	if err != nil {
		return fmt.Errorf("loadgen: resolving %s: %w", name, err)
	}
	if len(addrs) == 0 {
		return fmt.Errorf("loadgen: %s resolves to no address", name)
	}
	for _, a := range addrs {
		if !a.Unmap().IsLoopback() {
			return fmt.Errorf("loadgen: refusing %s: it resolves to non-loopback %s", name, a)
		}
	}
	return nil
}

// loopbackOnly is a net.Dialer Control hook. It sees the address actually
// being dialled (after name resolution), so it also stops a redirect or a
// re-resolution of localhost from reaching anything off the machine.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("loadgen: dial %s: %w", address, err)
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !addr.Unmap().IsLoopback() {
		return fmt.Errorf("loadgen: refusing to dial non-loopback %s", address)
	}
	return nil
}

// newClient returns the single client shared by all workers, tuned so that
// every worker keeps its own keep-alive connection instead of churning
// through new ones (which would measure TCP set-up, not the server).
func newClient(concurrency int) *http.Client {
	dialer := &net.Dialer{
		Timeout:   5 * time.Second,
		KeepAlive: 30 * time.Second,
		Control:   loopbackOnly,
	}
	tr := &http.Transport{
		// No proxy: load must go straight to the local server, whatever
		// HTTP_PROXY says.
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		MaxIdleConns:        concurrency,
		MaxIdleConnsPerHost: concurrency,
		MaxConnsPerHost:     0,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 5 * time.Second,
		// Compression would add client-side CPU to every latency and hide
		// the real byte counts; measure what the server sends.
		DisableCompression: true,
		DisableKeepAlives:  false,
	}
	return &http.Client{
		Transport: tr,
		// Measure the request that was asked for, not a chain of them.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// workerStats is owned by exactly one worker during the run, so the hot path
// needs no lock; Run merges them after all workers have stopped. Each worker
// gets its own allocation to avoid false sharing between neighbours.
type workerStats struct {
	latencies  []time.Duration
	statuses   map[int]int
	requests   int
	failures   int
	firstErr   string
	firstErrAt time.Time
}

func (w *workerStats) fail(at time.Time, msg string) {
	w.failures++
	if w.firstErr == "" {
		w.firstErr, w.firstErrAt = msg, at
	}
}

// run is the per-run state shared (read-only, or atomically) by workers.
type run struct {
	o            Options
	client       *http.Client
	ctx          context.Context // the caller's: cancellation means "stop now"
	reqCtx       context.Context // the caller's plus the drain deadline
	measureStart time.Time
	stopAt       time.Time
	claimed      atomic.Int64 // measured requests started, for MaxRequests
	seq          atomic.Int64 // every request, for Body's seq
}

// Run sends load as described by o and reports on it. It refuses non-loopback
// targets before sending anything.
//
// If ctx is cancelled Run stops promptly (requests in flight are abandoned and
// not counted) and returns the partial Result together with ctx.Err(), so a
// caller interrupted by Ctrl-C can still print what was measured.
func Run(ctx context.Context, o Options) (Result, error) {
	o, err := o.normalize()
	if err != nil {
		return Result{}, err
	}
	if err := checkLoopback(ctx, o.URL); err != nil {
		return Result{}, err
	}

	client := newClient(o.Concurrency)
	defer client.CloseIdleConnections()

	start := time.Now()
	r := &run{
		o:            o,
		client:       client,
		ctx:          ctx,
		measureStart: start.Add(o.Warmup),
	}
	r.stopAt = r.measureStart.Add(o.Duration)
	reqCtx, cancel := context.WithDeadline(ctx, r.stopAt.Add(drainGrace))
	defer cancel()
	r.reqCtx = reqCtx

	stats := make([]*workerStats, o.Concurrency)
	var wg sync.WaitGroup
	for i := range stats {
		stats[i] = &workerStats{statuses: make(map[int]int)}
		wg.Go(func() { r.worker(i, stats[i]) })
	}
	wg.Wait()

	elapsed := max(time.Since(r.measureStart), 0)
	return summarize(stats, elapsed), ctx.Err()
}

// worker issues requests back to back until the run ends.
func (r *run) worker(id int, st *workerStats) {
	maxReq := int64(r.o.MaxRequests)
	for {
		if r.ctx.Err() != nil {
			return
		}
		now := time.Now()
		if !now.Before(r.stopAt) {
			return
		}
		measured := !now.Before(r.measureStart)
		// Claim a slot before sending so that, across all workers, exactly
		// MaxRequests measured requests are sent.
		if measured && maxReq > 0 && r.claimed.Add(1) > maxReq {
			return
		}
		r.do(id, int(r.seq.Add(1)), measured, st)
	}
}

// do sends one request and records it in st if measured.
func (r *run) do(id, seq int, measured bool, st *workerStats) {
	var body io.Reader
	var contentType string
	if r.o.Body != nil {
		var b []byte
		b, contentType = r.o.Body(id, seq)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(r.reqCtx, r.o.Method, r.o.URL, body)
	if err != nil {
		// normalize already built one successfully; only Body could differ.
		if measured {
			st.requests++
			st.fail(time.Now(), err.Error())
		}
		return
	}
	if r.o.Header != nil {
		// Clone: the transport may read the header concurrently with other
		// workers, and Content-Type below must not leak into shared state.
		req.Header = r.o.Header.Clone()
		if h := req.Header.Get("Host"); h != "" {
			req.Host = h
		}
	}
	if contentType != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", contentType)
	}
	if r.o.Prepare != nil {
		host := req.URL.Host
		r.o.Prepare(req, id, seq)
		req.URL.Host = host
	}

	t0 := time.Now()
	resp, err := r.client.Do(req)
	if err != nil {
		r.transportError(t0, measured, st, err)
		return
	}
	var snippet []byte
	if resp.StatusCode != r.o.ExpectStatus && st.firstErr == "" && measured {
		snippet, _ = io.ReadAll(io.LimitReader(resp.Body, errSnippetLen))
	}
	// Read everything so the connection goes back to the pool, and because
	// the body transfer is part of what the user waits for.
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	lat := time.Since(t0)
	if err != nil {
		r.transportError(t0, measured, st, fmt.Errorf("reading body: %w", err))
		return
	}
	if !measured {
		return
	}
	st.requests++
	st.statuses[resp.StatusCode]++
	st.latencies = append(st.latencies, lat)
	if resp.StatusCode != r.o.ExpectStatus {
		msg := fmt.Sprintf("%s %s: status %d, want %d", r.o.Method, r.o.URL, resp.StatusCode, r.o.ExpectStatus)
		if s := strings.TrimSpace(string(snippet)); s != "" {
			msg += ": " + strconv.Quote(s)
		}
		st.fail(t0, msg)
	}
}

func (r *run) transportError(t0 time.Time, measured bool, st *workerStats, err error) {
	// A request aborted because the caller cancelled says nothing about the
	// server; leave it out rather than report a bogus failure.
	if r.ctx.Err() != nil || !measured {
		return
	}
	st.requests++
	st.fail(t0, err.Error())
}

// ParseFlags parses `cohort load` arguments into Options:
//
//	-url URL -c 32 -d 10s -n 0 -method POST -H "Name: value" (repeatable)
//	-form "k=v&k2=v2" -warmup 1s -expect 200
//
// In -form, every "{n}" is replaced by the request's sequence number so each
// request writes distinct data; -form sends Content-Type
// application/x-www-form-urlencoded and implies -method POST unless -method
// is given. Usage and flag-syntax errors are written to usage (the flag
// package's behaviour); -h returns flag.ErrHelp.
//
// extra registers a caller's own flags on the same set, so -h lists them
// with the rest and they parse in any order.
func ParseFlags(args []string, usage io.Writer, extra ...func(*flag.FlagSet)) (Options, error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(usage)
	o := Options{Header: http.Header{}}
	for _, register := range extra {
		register(fs)
	}
	fs.StringVar(&o.URL, "url", "", "target `URL` (loopback only: 127.0.0.0/8, ::1, localhost)")
	fs.IntVar(&o.Concurrency, "c", DefaultConcurrency, "concurrent workers")
	fs.DurationVar(&o.Duration, "d", DefaultDuration, "measured duration, after warmup")
	fs.IntVar(&o.MaxRequests, "n", 0, "stop after this many measured requests (0 = bounded by -d only)")
	fs.StringVar(&o.Method, "method", "", "HTTP method (default GET, or POST with -form)")
	fs.Func("H", "extra request header `\"Name: value\"` (repeatable)", func(s string) error {
		name, value, ok := strings.Cut(s, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return fmt.Errorf("want \"Name: value\", got %q", s)
		}
		o.Header.Add(name, strings.TrimSpace(value))
		return nil
	})
	form := fs.String("form", "", "urlencoded form `body`; {n} becomes a per-request sequence number")
	fs.DurationVar(&o.Warmup, "warmup", 0, "uncounted warm-up period before measuring")
	fs.IntVar(&o.ExpectStatus, "expect", DefaultExpectStatus, "status counted as success")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: cohort load -url URL [flags]\n\nSend HTTP load to a local Cohort server and report latency percentiles.\n\n")
		fs.PrintDefaults()
	}

	if err := fs.Parse(args); err != nil {
		return Options{}, err
	}
	if fs.NArg() > 0 {
		return Options{}, fmt.Errorf("loadgen: unexpected argument %q", fs.Arg(0))
	}
	if *form != "" {
		// Validate the template once, with a sample number, so a typo is a
		// flag error rather than a run of 400s.
		if _, err := url.ParseQuery(strings.ReplaceAll(*form, "{n}", "1")); err != nil {
			return Options{}, fmt.Errorf("loadgen: bad -form: %w", err)
		}
		if o.Method == "" {
			o.Method = http.MethodPost
		}
		o.Body = FormBody(*form)
	}
	return o.normalize()
}

// FormBody returns an Options.Body that sends form (urlencoded) with every
// "{n}" replaced by the request's sequence number.
func FormBody(form string) func(worker, seq int) ([]byte, string) {
	const ct = "application/x-www-form-urlencoded"
	if !strings.Contains(form, "{n}") {
		b := []byte(form)
		return func(int, int) ([]byte, string) { return b, ct }
	}
	return func(_, seq int) ([]byte, string) {
		return []byte(strings.ReplaceAll(form, "{n}", strconv.Itoa(seq))), ct
	}
}
