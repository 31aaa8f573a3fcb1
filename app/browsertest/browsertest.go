// Package browsertest starts a real headless Chromium for end-to-end tests,
// driven with chromedp. Without a Chromium binary the test skips loudly, and
// fails when CI is set (CI installs Debian's chromium).
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// candidates are the names Chromium goes by on Debian and elsewhere.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Find returns the browser binary: $CHROME_PATH, else the first candidate on
// PATH.
func Find() (string, bool) {
	if p := os.Getenv("CHROME_PATH"); p != "" {
		return p, true
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p, true
		}
	}
	return "", false
}

// Options tune one browser.
type Options struct {
	// NoJavaScript disables scripts, to check pages work as plain HTML.
	NoJavaScript bool
}

// New starts a fresh headless browser (own profile directory) and returns a
// context for chromedp.Do and chromedp.Run (chromedp v0.23's generic API:
// selectors are typed, e.g. chromedp.Click(chromedp.CSS("#id"))); everything
// is torn down when the test ends.
func New(t testing.TB, o Options) context.Context {
	t.Helper()
	bin, ok := Find()
	if !ok {
		msg := "!!! Chromium is not installed (apt-get install -y chromium)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " — CI is set, so this is a failure")
		}
		t.Skip(msg + " — SKIPPING browser test")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	if o.NoJavaScript {
		opts = append(opts, chromedp.Flag("blink-settings", "scriptEnabled=false"))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// Start the browser now, on a context without a deadline (a deadline on
	// the first call would bound the browser's whole life), so a broken
	// install fails here, clearly.
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("browsertest: starting %s: %v", bin, err)
	}
	// Every later step is bounded, so a page that never shows what a test
	// waits for fails the test instead of hanging it.
	ctx, cancelTimeout := context.WithTimeout(browserCtx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}
