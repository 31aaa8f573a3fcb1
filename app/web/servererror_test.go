package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"cohort/app/apptest"
	"cohort/db"
	"cohort/db/dbtest"
)

// Errors fasthttp meets before routing (no middleware has run) still get
// the right status, the security headers and a request id on the page.
func TestErrorsBeforeRouting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := apptest.New(t, s, map[string]string{"BODY_LIMIT": "2048", "MAX_UPLOAD_SIZE": "4096"})
		// A real socket: fiber's in-memory Test reports these as errors
		// instead of returning the response the client gets.
		base := apptest.Serve(t, srv)
		tests := []struct {
			name   string
			req    func() *http.Request
			status int
			says   string
		}{
			{"20 KB cookie header", func() *http.Request {
				r, _ := http.NewRequest(http.MethodGet, base+"/", nil)
				r.Header.Set("Cookie", "big="+strings.Repeat("c", 20<<10))
				return r
			}, http.StatusRequestHeaderFieldsTooLarge, "cookies"},
			{"150 KB query string", func() *http.Request {
				r, _ := http.NewRequest(http.MethodGet, base+"/staff?q="+strings.Repeat("q", 150<<10), nil)
				return r
			}, http.StatusRequestURITooLong, "address is too long"},
			{"body over the hard limit", func() *http.Request {
				r, _ := http.NewRequest(http.MethodPost, base+"/logout", strings.NewReader(strings.Repeat("x", 64<<10)))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				return r
			}, http.StatusRequestEntityTooLarge, "a file may be at most 4 KB"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, err := http.DefaultClient.Do(tt.req())
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				body := readAll(t, res)
				if res.StatusCode != tt.status {
					t.Fatalf("status = %d, want %d: %s", res.StatusCode, tt.status, body)
				}
				id := res.Header.Get("X-Request-ID")
				if id == "" || !strings.Contains(body, "<code>"+id+"</code>") {
					t.Errorf("request id %q not on the page: %s", id, body)
				}
				if !strings.Contains(body, tt.says) {
					t.Errorf("page does not say %q: %s", tt.says, body)
				}
				for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
					if res.Header.Get(h) == "" {
						t.Errorf("no %s header", h)
					}
				}
			})
		}
	})
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
