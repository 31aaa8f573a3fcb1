package browsertest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"cohort/app/browsertest"
)

// AxeCheck finds what axe-core calls serious or critical, even under a CSP
// that allows no script at all, and finds nothing on a clean page.
func TestAxeCheck(t *testing.T) {
	pages := map[string]string{
		"/bad":  `<!doctype html><html><head><title>Bad</title></head><body><main><img src="x.png"><button></button></main></body></html>`,
		"/good": `<!doctype html><html lang="en"><head><title>Good</title></head><body><main><h1>Fine</h1><p>Text.</p></main></body></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(pages[r.URL.Path]))
	}))
	defer srv.Close()
	b := browsertest.New(t, browsertest.Options{})
	for _, tt := range []struct {
		path string
		want []string
	}{
		{"/bad", []string{"image-alt", "button-name", "html-has-lang"}},
		{"/good", nil},
	} {
		t.Run(tt.path, func(t *testing.T) {
			if _, err := chromedp.Run(b, chromedp.Navigate(srv.URL+tt.path)); err != nil {
				t.Fatal(err)
			}
			vs, err := browsertest.AxeCheck(b)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, v := range vs {
				got[v.ID] = true
			}
			for _, id := range tt.want {
				if !got[id] {
					t.Errorf("axe missed %s: %+v", id, vs)
				}
			}
			if len(vs) != len(tt.want) {
				t.Errorf("violations %+v, want %v", vs, tt.want)
			}
		})
	}
}
