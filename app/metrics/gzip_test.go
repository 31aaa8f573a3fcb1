package metrics_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cohort/app/apptest"
	"cohort/config"
	"cohort/db/dbtest"
)

// TestScrapeGzipped: scrapers ask for gzip; the answer must be compressed
// once (promhttp and the app's compression middleware must not both do it).
func TestScrapeGzipped(t *testing.T) {
	s := dbtest.New(t, config.DialectSQLite)
	srv := apptest.New(t, s, map[string]string{"METRICS_TOKEN": token})
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := srv.App().Test(req, 10000)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "go_sql_open_connections") {
		t.Fatalf("%.200q", b)
	}
}
