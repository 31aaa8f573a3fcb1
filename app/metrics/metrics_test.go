package metrics_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/jobs"
	"cohort/app/mail"
	"cohort/app/metrics"
	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const token = "metrics-token-for-tests-0123456789abcdef"

// sample is one line of the text exposition format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	lineRe  = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)
	labelRe = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

func parse(t *testing.T, body string) []sample {
	t.Helper()
	var out []sample
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := lineRe.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("unparsable exposition line %q", line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("value in %q: %v", line, err)
		}
		s := sample{name: m[1], labels: map[string]string{}, value: v}
		for _, l := range labelRe.FindAllStringSubmatch(m[2], -1) {
			s.labels[l[1]] = l[2]
		}
		out = append(out, s)
	}
	return out
}

// find returns the samples named name whose labels include want.
func find(samples []sample, name string, want map[string]string) []sample {
	var out []sample
outer:
	for _, s := range samples {
		if s.name != name {
			continue
		}
		for k, v := range want {
			if s.labels[k] != v {
				continue outer
			}
		}
		out = append(out, s)
	}
	return out
}

func sum(samples []sample) float64 {
	var n float64
	for _, s := range samples {
		n += s.value
	}
	return n
}

func scrape(t *testing.T, c *apptest.Client) []sample {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res := c.Do(req)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics with the token: %d %s", res.StatusCode, res.Body)
	}
	return parse(t, res.Body)
}

// TestScrape drives requests, sign-ins, a job, a mail pass and the staff
// table, then checks every family the endpoint promises is there with the
// labels it promises, and that raw paths never become label values.
func TestScrape(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		if _, err := demo.Seed(ctx, s, demo.Options{Participants: 5, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		srv := apptest.New(t, s, map[string]string{"METRICS_TOKEN": token})
		c := apptest.NewClient(t, srv)
		before := scrape(t, c)
		slugRoute := map[string]string{"route": "/programs/:slug"}
		for i := 1; i <= 50; i++ {
			c.Get(fmt.Sprintf("/programs/x%d", i))
			c.Get(fmt.Sprintf("/no/such/page/%d", i))
		}
		// A method Fiber does not know never reaches the counters.
		c.Do(httptest.NewRequest("FROB", "/", nil))
		// Sign-ins: a wrong emailed code, then the development sign-in.
		c.Get("/signin")
		c.PostForm("/signin/email", url.Values{"email": {"staff@example.com"}})
		c.Get("/signin/code")
		if res := c.PostForm("/signin/code", url.Values{"code": {"WRONGCOD"}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong code: %d", res.StatusCode)
		}
		c.SignInAs("staff@example.com")
		table := "/staff/programs/" + demo.ProgramSlug + "/participants"
		for range 2 {
			if res := c.Get(table); res.StatusCode != http.StatusOK {
				t.Fatalf("table: %d", res.StatusCode)
			}
		}
		cfg := apptest.Config(t, nil)
		runner, err := jobs.Default(jobs.Deps{Config: cfg, Store: s})
		if err != nil {
			t.Fatal(err)
		}
		if run, err := runner.RunNow(ctx, "housekeeping", jobs.TriggerCLI); err != nil || run.Outcome != db.JobOK {
			t.Fatalf("housekeeping: %+v %v", run, err)
		}
		// The code mail goes to the development outbox (no SMTP here).
		if res, err := mail.NewDispatcher(cfg, s, nil, nil).RunOnce(ctx); err != nil || res.Dev == 0 {
			t.Fatalf("dispatch: %+v %v", res, err)
		}

		after := scrape(t, c)
		if got := sum(find(after, "cohort_http_requests_total", slugRoute)) - sum(find(before, "cohort_http_requests_total", slugRoute)); got < 50 {
			t.Errorf("requests counted under /programs/:slug grew by %v, want ≥ 50", got)
		}
		unmatched := map[string]string{"route": metrics.UnmatchedRoute, "status": "404"}
		if got := sum(find(after, "cohort_http_requests_total", unmatched)) - sum(find(before, "cohort_http_requests_total", unmatched)); got < 50 {
			t.Errorf("unmatched 404s grew by %v, want ≥ 50", got)
		}
		// Bounded labels: every route value is a registered pattern or
		// "unmatched", whatever paths were asked for.
		patterns := map[string]bool{metrics.UnmatchedRoute: true}
		for _, r := range srv.App().GetRoutes() {
			patterns[r.Path] = true
		}
		for _, name := range []string{"cohort_http_requests_total", "cohort_http_request_duration_seconds_count"} {
			for _, smp := range find(after, name, nil) {
				if r := smp.labels["route"]; !patterns[r] || strings.Contains(r, "x1") || strings.Contains(r, "/no/such") {
					t.Errorf("%s has route label %q, not a registered pattern", name, r)
				}
				switch smp.labels["method"] {
				case "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH":
				default:
					t.Errorf("%s has method label %q", name, smp.labels["method"])
				}
				if _, err := strconv.Atoi(smp.labels["status"]); name == "cohort_http_requests_total" && err != nil {
					t.Errorf("status label %q", smp.labels["status"])
				}
			}
		}
		if len(find(after, "cohort_http_request_duration_seconds_bucket", slugRoute)) == 0 {
			t.Error("no latency histogram for /programs/:slug")
		}
		if len(find(after, "cohort_http_requests_in_flight", nil)) != 1 {
			t.Error("no in-flight gauge")
		}
		pools := []string{"main"}
		if s.Dialect() == config.DialectSQLite {
			pools = []string{"writer", "reader"}
		}
		for _, p := range pools {
			for _, name := range []string{"go_sql_open_connections", "go_sql_in_use_connections", "go_sql_wait_count_total", "go_sql_max_open_connections"} {
				if len(find(after, name, map[string]string{"db_name": p})) != 1 {
					t.Errorf("no %s{db_name=%q}", name, p)
				}
			}
		}
		checks := []struct {
			name   string
			labels map[string]string
		}{
			{"cohort_job_runs_total", map[string]string{"job": "housekeeping", "outcome": "ok"}},
			{"cohort_job_seconds_since_last_success", map[string]string{"job": "housekeeping"}},
			{"cohort_mail_deliveries_total", map[string]string{"outcome": "dev"}},
			{"cohort_sign_ins_total", map[string]string{"method": "dev", "outcome": "ok"}},
			{"cohort_sign_ins_total", map[string]string{"method": "email", "outcome": "failed"}},
			{"cohort_participant_cache_requests_total", map[string]string{"result": "hit"}},
			{"cohort_participant_cache_requests_total", map[string]string{"result": "miss"}},
		}
		for _, ch := range checks {
			got := find(after, ch.name, ch.labels)
			if len(got) != 1 || got[0].value-sum(find(before, ch.name, ch.labels)) <= 0 && ch.name != "cohort_job_seconds_since_last_success" {
				t.Errorf("%s%v: %+v, want one series that grew", ch.name, ch.labels, got)
			}
		}
		if since := find(after, "cohort_job_seconds_since_last_success", map[string]string{"job": "housekeeping"}); len(since) == 1 && (since[0].value < 0 || since[0].value > 60) {
			t.Errorf("seconds since housekeeping last succeeded = %v", since[0].value)
		}
		if got := find(after, "cohort_mail_outbox_pending", nil); len(got) != 1 || got[0].value != 0 {
			t.Errorf("outbox depth after the pass = %+v, want 0", got)
		}
		if got := find(after, "cohort_metrics_scrape_errors", nil); len(got) != 1 || got[0].value != 0 {
			t.Errorf("scrape errors = %+v", got)
		}
	})
}

// TestEndpointIsNeverPublic: without METRICS_TOKEN there is no /metrics on
// the main port; with it, only the exact Bearer token opens it.
func TestEndpointIsNeverPublic(t *testing.T) {
	s := dbtest.New(t, config.DialectSQLite)
	if _, err := demo.Seed(context.Background(), s, demo.Options{Participants: 1, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	plain := apptest.NewClient(t, apptest.New(t, s, nil))
	if res := plain.Get("/metrics"); res.StatusCode != http.StatusNotFound || strings.Contains(res.Body, "cohort_http") {
		t.Errorf("without METRICS_TOKEN: %d, want 404 and no metrics", res.StatusCode)
	}
	c := apptest.NewClient(t, apptest.New(t, s, map[string]string{"METRICS_TOKEN": token}))
	c.SignInAs("admin@example.com") // a session is no substitute for the token
	for _, auth := range []string{"", "Bearer", "Bearer " + token[:len(token)-1], "Bearer " + token + "x", "Basic " + token, token} {
		t.Run(fmt.Sprintf("%q", auth), func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			res := c.Do(req)
			if res.StatusCode != http.StatusUnauthorized || strings.Contains(res.Body, "cohort_http") {
				t.Errorf("status %d, want 401 without metrics", res.StatusCode)
			}
		})
	}
}

// TestServe is the METRICS_PORT listener: /metrics answers, nothing else
// does, and it stops with its context.
func TestServe(t *testing.T) {
	s := dbtest.New(t, config.DialectSQLite)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- metrics.Serve(ctx, ln, s) }()
	base := "http://" + ln.Addr().String()
	get := func(path string) (int, string) {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/metrics"); code != http.StatusOK || !strings.Contains(body, "go_sql_open_connections{db_name=\"writer\"}") {
		t.Errorf("/metrics: %d\n%.300s", code, body)
	}
	if code, _ := get("/"); code != http.StatusNotFound {
		t.Errorf("/ on the metrics port: %d, want 404", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}
