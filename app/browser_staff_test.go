package app_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cohort/app/apptest"
	"cohort/app/browsertest"
	"cohort/app/demo"
	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

// Staff filter the participant table in a real browser: typing an interest
// and picking a time-zone range update the rows in place (no page load:
// a marker set on window survives), the URL carries the filters so a
// reload or a shared link shows the same, and a row opens inline.
func TestBrowserStaffFilters(t *testing.T) {
	s, prog := staffWorld(t)
	ctx := context.Background()
	// What the filtered table must show, from the store.
	want, err := s.ListParticipants(ctx, db.ParticipantPage{Limit: 1000, Filter: db.ParticipantFilter{
		ProgramID: prog.ID, Interests: []string{"leadership"}, TZMinMinutes: ptrInt(-300), TZMaxMinutes: ptrInt(120)}})
	if err != nil || len(want) == 0 {
		t.Fatalf("expected rows: %d, %v", len(want), err)
	}
	base := apptest.Serve(t, apptest.New(t, s, nil))
	b := browsertest.New(t, browsertest.Options{})
	poll := func(what, js string) {
		t.Helper()
		if err := chromedp.Do(b, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			search, _ := chromedp.Run(b, chromedp.Evaluate[string]("location.search"))
			t.Fatalf("%s: %v (location.search %q)", what, err, search)
		}
	}

	err = chromedp.Do(b, openStaffTable(base)...)
	if err != nil {
		t.Fatal("opening the participant table:", err)
	}
	if _, err := chromedp.Run(b, chromedp.Evaluate[int]("window.__marker = 1")); err != nil {
		t.Fatal(err)
	}
	// Type an interest: the debounced input asks htmx for the results.
	err = chromedp.Do(b, chromedp.SendKeys(chromedp.CSS(`#f-interest-other`), "leadership"))
	if err != nil {
		t.Fatal(err)
	}
	poll("the interest in the URL", `location.search.includes("interest=leadership")`)
	// Pick a time-zone range, as a person choosing from the selects does.
	for sel, v := range map[string]string{"#f-tz-min": "-5", "#f-tz-max": "2"} {
		js := `(() => { const s = document.querySelector("` + sel + `"); s.value = "` + v + `";
			s.dispatchEvent(new Event("input", {bubbles: true}));
			s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`
		if _, err := chromedp.Run(b, chromedp.Evaluate[bool](js)); err != nil {
			t.Fatal(err)
		}
	}
	poll("the range in the URL", `location.search.includes("tz_min=-5") && location.search.includes("tz_max=2")`)
	count := strconv.Itoa(len(want))
	poll("the filtered count", `document.querySelector("#staff-count strong").textContent === "`+count+`"`)

	marker, err := chromedp.Run(b, chromedp.Evaluate[int]("window.__marker || 0"))
	if err != nil || marker != 1 {
		t.Fatalf("the page reloaded (marker %d, %v): the rows should update in place", marker, err)
	}
	first, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`#staff-results tbody tr[id^="row-"] th a`)))
	if err != nil {
		t.Fatal(err)
	}
	if name := want[0].FullName; strings.TrimSpace(first) != name {
		t.Fatalf("first row %q, want %q", first, name)
	}
	interests, err := chromedp.Run(b, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("#staff-results tbody tr[id^='row-'] td:nth-child(9)")].map(td => td.textContent)`))
	if err != nil || len(interests) == 0 {
		t.Fatalf("interest cells: %v, %v", interests, err)
	}
	for _, in := range interests {
		if !strings.Contains(in, "Leadership") {
			t.Fatalf("a row without the interest: %q", in)
		}
	}

	// A row opens inline, below itself, still without a page load.
	id := strconv.FormatInt(want[0].ID, 10)
	wctx, cancel := context.WithTimeout(b, 15*time.Second)
	defer cancel()
	err = chromedp.Do(wctx,
		chromedp.Click(chromedp.CSS(`#row-`+id+` th a`)),
		chromedp.WaitVisible(chromedp.CSS(`tr#detail-`+id+`.participant-detail h2`)),
	)
	if err != nil {
		t.Fatal("opening the row:", err)
	}
	heading, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`tr#detail-`+id+` h2`)))
	if err != nil || strings.TrimSpace(heading) != want[0].FullName {
		t.Fatalf("detail heading %q, %v", heading, err)
	}
	hours, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`tr#detail-`+id+` .participant-grid section p`)))
	if err != nil || !strings.Contains(hours, "in UTC") || !strings.Contains(hours, ":00") {
		t.Fatalf("detail hours %q, %v", hours, err)
	}
	after, err := chromedp.Run(b, chromedp.Evaluate[bool](
		`window.__marker === 1 && document.querySelector("#row-`+id+`").nextElementSibling.id === "detail-`+id+`"`))
	if err != nil || !after {
		t.Fatalf("the detail is not below its row, or the page reloaded: %v", err)
	}

	// The URL reproduces the view: loading it afresh shows the same count.
	loc, err := chromedp.Run(b, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(b, chromedp.Navigate(loc), chromedp.WaitVisible(chromedp.CSS(`#staff-results table`)))
	if err != nil {
		t.Fatal(err)
	}
	again, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`#staff-count strong`)))
	if err != nil || again != count {
		t.Fatalf("reloaded count %q, want %s (%v)", again, count, err)
	}
	checked, err := chromedp.Run(b, chromedp.Evaluate[string](`document.querySelector("#f-tz-min").value`))
	if err != nil || checked != "-5" {
		t.Fatalf("the reloaded form lost the range: %q, %v", checked, err)
	}
}

func ptrInt(n int) *int { return &n }

// staffWorld is the demo program with 200 participants, for the staff
// journeys.
func staffWorld(t *testing.T) (*db.Store, *db.Program) {
	t.Helper()
	s := dbtest.New(t, config.DialectSQLite)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, s, demo.Options{Participants: 200, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	prog, err := s.ProgramBySlug(ctx, demo.ProgramSlug)
	if err != nil {
		t.Fatal(err)
	}
	return s, prog
}

// openStaffTable signs in as demo staff and opens the participant table
// from the staff page, as a person would.
func openStaffTable(base string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/"),
		chromedp.Click(chromedp.CSS(`input[name="email"][value="` + demo.StaffEmail + `"]`)),
		chromedp.Click(chromedp.CSS(`.dev-login button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#me-title`)),
		chromedp.Navigate(base + "/staff"),
		chromedp.Click(chromedp.CSS(`a[href="/staff/programs/` + demo.ProgramSlug + `/participants"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#staff-results table`)),
	}
}
