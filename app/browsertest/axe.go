package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core (see axe/README.md). Evaluated through the DevTools
// protocol, it runs whatever the page's CSP says.
//
//go:embed axe/axe.min.js
var axeSource string

// AxeViolation is one failed axe-core rule: its id, impact, help text and
// the elements (CSS selectors) that fail it.
type AxeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axeRun runs axe-core on the current document and returns the serious and
// critical violations as JSON.
const axeRun = `(async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return JSON.stringify(r.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.map(n => n.target.join(" ")).slice(0, 5)})));
})()`

// AxeCheck runs axe-core on the page ctx shows and returns its serious and
// critical violations.
func AxeCheck(ctx context.Context) ([]AxeViolation, error) {
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		return nil, err
	}
	if !loaded {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeSource+";true")); err != nil {
			return nil, fmt.Errorf("loading axe-core: %w", err)
		}
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("running axe-core: %w", err)
	}
	var vs []AxeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		return nil, err
	}
	return vs, nil
}

// Axe fails the test (without stopping it) for every serious or critical
// axe-core violation on the page ctx shows; what names the page.
func Axe(t testing.TB, ctx context.Context, what string) {
	t.Helper()
	vs, err := AxeCheck(ctx)
	if err != nil {
		t.Errorf("axe on %s: %v", what, err)
		return
	}
	for _, v := range vs {
		t.Errorf("axe on %s: %s (%s): %s at %s", what, v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
	}
}

// Screenshot writes a PNG of the viewport of the page ctx shows to
// dir/name.png (the README links the committed ones).
func Screenshot(t testing.TB, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
