// Package metrics is Cohort's Prometheus instrumentation: the counters and
// histograms the rooms of the app update (requests, jobs, mail, sign-ins,
// the participant-table cache), and collectors that read the database at
// scrape time (pool statistics, outbox depth, time since each job's last
// success).
//
// The process-wide series live in one registry of this package's own, never
// prometheus.DefaultRegisterer, so nothing another library registers there
// is exposed by accident. Series about a database come from a Collector
// built per store (a test binary opens many stores; a process serves one).
//
// Every label value is bounded: routes are Fiber's registered patterns
// (never the raw path), statuses, job names and fixed outcome words.
package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"cohort/db"
)

// Registry holds the process-wide series.
var Registry = prometheus.NewRegistry()

// UnmatchedRoute is the route label of requests no route handled (404s
// from the catch-all, and requests middleware answered before routing).
const UnmatchedRoute = "unmatched"

var (
	// HTTPRequests counts finished requests by method, route pattern and
	// status code.
	HTTPRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cohort_http_requests_total",
		Help: "HTTP requests by method, route pattern and status.",
	}, []string{"method", "route", "status"})
	// HTTPDuration is request latency by method and route pattern.
	HTTPDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "cohort_http_request_duration_seconds",
		Help:    "HTTP request latency by method and route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route"})
	// HTTPInFlight is the number of requests being served.
	HTTPInFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "cohort_http_requests_in_flight",
		Help: "HTTP requests being served now.",
	})
	// JobRuns counts finished job runs by job and outcome (ok, error,
	// skipped).
	JobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cohort_job_runs_total",
		Help: "Job runs on this instance by job and outcome (ok, error, skipped).",
	}, []string{"job", "outcome"})
	// MailDeliveries counts delivery attempts by outcome: sent, retry (a
	// failure to be tried again), failed (given up), dev (kept for the
	// development outbox).
	MailDeliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cohort_mail_deliveries_total",
		Help: "Outbox delivery attempts by outcome (sent, retry, failed, dev).",
	}, []string{"outcome"})
	// SignIns counts sign-in attempts by method (email, oidc, dev) and
	// outcome (ok, failed).
	SignIns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cohort_sign_ins_total",
		Help: "Sign-in attempts by method (email, oidc, dev) and outcome (ok, failed).",
	}, []string{"method", "outcome"})
	// ParticipantCache counts participant-table cache lookups by result
	// (hit, miss); the hit ratio is hit / (hit + miss).
	ParticipantCache = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cohort_participant_cache_requests_total",
		Help: "Participant-table cache lookups by result (hit, miss).",
	}, []string{"result"})
)

func init() {
	Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		HTTPRequests, HTTPDuration, HTTPInFlight, JobRuns, MailDeliveries, SignIns, ParticipantCache,
	)
	// Start the fixed-outcome series at zero, so a rate() works from the
	// first scrape and a dashboard shows 0 rather than nothing.
	for _, o := range []string{"sent", "retry", "failed", "dev"} {
		MailDeliveries.WithLabelValues(o)
	}
	for _, r := range []string{"hit", "miss"} {
		ParticipantCache.WithLabelValues(r)
	}
}

// SignInOK records a completed sign-in by method.
func SignInOK(method string) { SignIns.WithLabelValues(method, "ok").Inc() }

// SignInFailed records a refused sign-in attempt by method (a wrong or
// spent code, a token that did not verify).
func SignInFailed(method string) { SignIns.WithLabelValues(method, "failed").Inc() }

// ObserveRequest records one finished request.
func ObserveRequest(method, route string, status int, took time.Duration) {
	HTTPRequests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	HTTPDuration.WithLabelValues(method, route).Observe(took.Seconds())
}

// scrapeTimeout bounds the database reads of one scrape.
const scrapeTimeout = 5 * time.Second

// storeCollector reads the store at scrape time.
type storeCollector struct {
	store       *db.Store
	outbox      *prometheus.Desc
	sinceOK     *prometheus.Desc
	scrapeError *prometheus.Desc
}

// NewStoreCollector returns the collector of store's series: outbox depth,
// seconds since each job's last success, and (separately registered by
// Handler) the pool statistics.
func NewStoreCollector(store *db.Store) prometheus.Collector {
	return &storeCollector{
		store: store,
		outbox: prometheus.NewDesc("cohort_mail_outbox_pending",
			"Outbox messages waiting for delivery (first tries and retries).", nil, nil),
		sinceOK: prometheus.NewDesc("cohort_job_seconds_since_last_success",
			"Seconds since the job last finished successfully on any instance.", []string{"job"}, nil),
		scrapeError: prometheus.NewDesc("cohort_metrics_scrape_errors",
			"1 when a database read of this scrape failed.", nil, nil),
	}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.outbox
	ch <- c.sinceOK
	ch <- c.scrapeError
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	failed := 0.0
	if n, err := c.store.PendingMailCount(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, float64(n))
	} else {
		failed = 1
	}
	if last, err := c.store.LastJobSuccesses(ctx); err == nil {
		now := time.Now()
		for job, t := range last {
			ch <- prometheus.MustNewConstMetric(c.sinceOK, prometheus.GaugeValue, now.Sub(t).Seconds(), job)
		}
	} else {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(c.scrapeError, prometheus.GaugeValue, failed)
}

// Handler serves the process-wide series and store's in the Prometheus
// text format.
func Handler(store *db.Store) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewStoreCollector(store))
	for name, pool := range store.Pools() {
		// go_sql_* series with db_name="writer"/"reader" (SQLite) or "main".
		reg.MustRegister(collectors.NewDBStatsCollector(pool, name))
	}
	return promhttp.HandlerFor(prometheus.Gatherers{Registry, reg}, promhttp.HandlerOpts{})
}

// Serve answers GET /metrics with Handler(store) on ln, and 404 to anything
// else, until ctx ends. It is the METRICS_PORT listener: no token, so ln
// must be reachable only from a private network (fly's scraper reaches the
// machine over its 6PN; the port is not in any [[services]] section).
func Serve(ctx context.Context, ln net.Listener, store *db.Store) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", Handler(store))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
