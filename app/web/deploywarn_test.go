package web_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"cohort/app"
	"cohort/app/apptest"
	"cohort/config"
	"cohort/db/dbtest"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// A browser on plain http by host name, where the cookies need https, and
// a browser at a host other than BASE_URL's, are each logged once, clearly:
// the members see only "This form has expired".
func TestDeploymentMistakesAreLogged(t *testing.T) {
	s := dbtest.New(t, config.DialectSQLite)
	tests := []struct {
		name   string
		env    map[string]string
		host   string
		origin string
		want   string // in the log once; "" for no warning at all
		forbid string
	}{
		{"test env on http by host name", map[string]string{"APP_ENV": "test", "BASE_URL": "http://staging.example.org"},
			"staging.example.org", "http://staging.example.org", "browsers drop Secure __Host- cookies on http", "BASE_URL's"},
		{"production behind a proxy, browser on https", map[string]string{"APP_ENV": "test", "BASE_URL": "https://cohort.example.org"},
			"cohort.example.org", "https://cohort.example.org", "", ""},
		{"http on localhost is fine", map[string]string{"APP_ENV": "test", "BASE_URL": "http://localhost:8080"},
			"localhost:8080", "http://localhost:8080", "", ""},
		{"development on http", map[string]string{"APP_ENV": "development", "BASE_URL": "http://dev.example.org"},
			"dev.example.org", "http://dev.example.org", "", ""},
		{"a link from another site on http", map[string]string{"APP_ENV": "test", "BASE_URL": "https://cohort.example.org"},
			"cohort.example.org", "http://blog.example.net", "", ""},
		{"host other than BASE_URL", map[string]string{"APP_ENV": "test", "BASE_URL": "https://cohort.example.org"},
			"staging.example.org", "https://staging.example.org", "a host other than BASE_URL's", "Secure __Host-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
			srv, err := app.New(apptest.Config(t, tt.env), s, log)
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				req := httptest.NewRequest(http.MethodGet, "http://"+tt.host+"/signin", nil)
				req.Header.Set("Referer", tt.origin+"/")
				res, err := srv.App().Test(req)
				if err != nil {
					t.Fatal(err)
				}
				_ = res.Body.Close()
			}
			got := logs.String()
			if tt.want == "" {
				if strings.Contains(got, "level=WARN") {
					t.Fatalf("unexpected warning: %s", got)
				}
				return
			}
			if n := strings.Count(got, tt.want); n != 1 {
				t.Fatalf("warning %q logged %d times, want once: %s", tt.want, n, got)
			}
			if strings.Contains(got, tt.forbid) {
				t.Errorf("log also says %q: %s", tt.forbid, got)
			}
		})
	}
}
