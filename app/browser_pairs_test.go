package app_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"cohort/app/apptest"
	"cohort/app/browsertest"
	"cohort/app/demo"
	"cohort/app/pairs"
	"cohort/db"
)

// Staff pair a mentee from the participant table without leaving it: the
// row opens inline, its partner suggestions load in place, "Pair" with the
// top one updates the row to show the person paired (no page load: a
// marker on window survives), and on the pairs list the pair ends with a
// reason, again in place.
func TestBrowserStaffPairs(t *testing.T) {
	s, prog := staffWorld(t)
	ctx := context.Background()
	// A mentee (only) with at least one suggestion, as the service ranks them.
	sv := pairs.NewService(s, "browser-test-secret")
	pool, err := sv.LoadPool(ctx, prog)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.ListParticipants(ctx, db.ParticipantPage{Limit: 1000, Filter: db.ParticipantFilter{
		ProgramID: prog.ID, Role: "mentee", Statuses: []string{db.StatusSubmitted, db.StatusApproved}}})
	if err != nil {
		t.Fatal(err)
	}
	var mentee *db.ParticipantRow
	for i := range rows {
		r := &rows[i]
		if r.IsMentor || r.Paired || r.FullName == "" {
			continue
		}
		target, err := sv.Target(ctx, prog.ID, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		cands, err := sv.Suggest(ctx, pool, target, true, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(cands) > 0 {
			mentee = r
			break
		}
	}
	if mentee == nil {
		t.Fatal("no mentee with suggestions in the demo data")
	}
	id := strconv.FormatInt(mentee.ID, 10)

	base := apptest.Serve(t, apptest.New(t, s, nil))
	b := browsertest.New(t, browsertest.Options{})
	wait := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		wctx, cancel := context.WithTimeout(b, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(wctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	poll := func(what, js string) {
		t.Helper()
		if err := chromedp.Do(b, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	marker := func(want int) {
		t.Helper()
		got, err := chromedp.Run(b, chromedp.Evaluate[int]("window.__marker || 0"))
		if err != nil || got != want {
			t.Fatalf("the page reloaded (marker %d, want %d, %v)", got, want, err)
		}
	}

	list := "/staff/programs/" + demo.ProgramSlug + "/participants"
	wait("signing in and opening the table", openStaffTable(base)...)
	browsertest.Axe(t, b, "the participant table")
	// Sorting and paging swap the results in place; focus lands on their
	// summary (in view), not on <body>.
	onSummary := `document.activeElement && document.activeElement.id === "staff-count" &&
		(() => { const r = document.activeElement.getBoundingClientRect(); return r.top >= -1 && r.bottom <= innerHeight; })()`
	wait("sorting by another column", chromedp.Click(chromedp.CSS(`#staff-results thead th[aria-sort="none"] a`)))
	poll("focus on the results summary after sorting", onSummary)
	wait("the next page", chromedp.Click(chromedp.CSS(`#staff-results .pager a[rel=next]`)))
	poll("focus on the results summary after paging", onSummary)
	// The skip link leads to the results summary; from there the first
	// person is a dozen Tabs away (the CSV link, the table region, the
	// select-all box, the sort links, the row's box), not dozens.
	tabs, err := chromedp.Run(b, chromedp.Evaluate[int](`(() => {
		const focusable = [...document.querySelectorAll("a[href], button, input, select, textarea, [tabindex]")]
			.filter(e => e.tabIndex >= 0 && !e.disabled && !e.hidden && e.getClientRects().length > 0);
		const skip = document.querySelector('a.skip-link[href="#staff-count"]');
		const first = document.querySelector('#staff-results tbody tr[id^="row-"] th a');
		if (!skip || !first) return -1;
		const after = focusable.filter(e => document.getElementById("staff-count").compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING);
		return after.indexOf(first) + 1;
	})()`))
	if err != nil || tabs <= 0 || tabs > 12 {
		t.Fatalf("Tabs from the results summary to the first participant: %d, %v", tabs, err)
	}
	wait("the unpaired mentees, narrowed to this one by name (a shared link of the filtered table)",
		chromedp.Navigate(base+list+"?role=mentee&paired=no&q="+url.QueryEscape(mentee.FullName)),
		chromedp.WaitVisible(chromedp.CSS(`#row-`+id)),
	)
	browsertest.Axe(t, b, "the filtered participant table")
	if _, err := chromedp.Run(b, chromedp.Evaluate[int]("window.__marker = 1")); err != nil {
		t.Fatal(err)
	}
	if badge, err := chromedp.Run(b, chromedp.Evaluate[bool](`!!document.querySelector("#paired-`+id+`")`)); err != nil || badge {
		t.Fatalf("an unpaired mentee shows a Paired badge (%v)", err)
	}

	wait("opening the row",
		chromedp.Click(chromedp.CSS(`#row-`+id+` th a`)),
		chromedp.WaitVisible(chromedp.CSS(`tr#detail-`+id+` h2`)),
	)
	wait("opening the suggestions",
		chromedp.Click(chromedp.CSS(`#suggest-`+id)),
		chromedp.WaitVisible(chromedp.CSS(`#suggestions-`+id+` .pair-suggestions tbody tr`)),
	)
	// Keyboard users land on the list's heading, not on the removed link.
	poll("focus on the suggestions heading", `document.activeElement && document.activeElement.id === "suggestions-title-`+id+`"`)
	marker(1)
	browsertest.Axe(t, b, "the table with a row and its suggestions open")
	partner, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`.pair-suggestions tbody tr:first-child td:nth-child(2)`)))
	if err != nil || strings.TrimSpace(partner) == "" {
		t.Fatalf("top suggestion: %q, %v", partner, err)
	}
	partner = strings.TrimSpace(partner)

	wait("pairing with the top suggestion",
		chromedp.Click(chromedp.CSS(`.pair-suggestions tbody tr:first-child button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#pair-created`)),
	)
	msg, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`#pair-created`)))
	if err != nil || !strings.Contains(msg, partner) || !strings.Contains(msg, mentee.FullName) {
		t.Fatalf("confirmation %q, %v (partner %q)", msg, err, partner)
	}
	poll("focus on the confirmation's heading", `document.activeElement && document.activeElement.id === "suggestions-title-`+id+`"`)
	// The row refreshes itself and shows the person paired.
	poll("the Paired badge on the row", `!!document.querySelector("#row-`+id+` #paired-`+id+`")`)
	marker(1)
	// The pair can be undone for a few minutes: the control is right there.
	poll("an Undo control after pairing", `!!document.querySelector(".pair-suggestions form.undo-pair button")`)
	browsertest.Axe(t, b, "the table after pairing")

	// The open row closes: Escape inside it, and its Close button; focus
	// goes back to the name that opened it, which says it is collapsed.
	closed := `(() => { const a = document.getElementById("name-` + id + `");
		return !document.querySelector("tr#detail-` + id + `.participant-detail") &&
			document.activeElement === a && a.getAttribute("aria-expanded") === "false"; })()`
	poll("the opener says expanded", `document.getElementById("name-`+id+`").getAttribute("aria-expanded") === "true"`)
	wait("Escape in the open row", chromedp.SendKeys(chromedp.CSS(`tr#detail-`+id+` h2`), kb.Escape))
	poll("the row closed by Escape, focus on its opener", closed)
	wait("opening the row again",
		chromedp.Click(chromedp.CSS(`#name-`+id)),
		chromedp.WaitVisible(chromedp.CSS(`tr#detail-`+id+` button[data-close-detail]`)),
	)
	poll("the opener says expanded again", `document.getElementById("name-`+id+`").getAttribute("aria-expanded") === "true"`)
	wait("the Close button", chromedp.Click(chromedp.CSS(`tr#detail-`+id+` button[data-close-detail]`)))
	poll("the row closed by its button, focus on its opener", closed)
	marker(1)

	open, err := s.ListPairs(ctx, db.PairQuery{ProgramID: prog.ID, EnrollmentID: mentee.ID})
	if err != nil || len(open) != 1 || open[0].Status != db.PairActive || open[0].MentorName != partner {
		t.Fatalf("stored pairs: %+v, %v", open, err)
	}
	pid := strconv.FormatInt(open[0].ID, 10)

	// The pairs list, through the program's navigation: end the pair with
	// a reason, in place.
	wait("opening the pairs list",
		chromedp.Click(chromedp.CSS(`nav.program-nav a[href="/staff/programs/`+demo.ProgramSlug+`/pairs"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#pair-`+pid+` details.end-pair > summary`)),
	)
	browsertest.Axe(t, b, "the pairs list")
	if _, err := chromedp.Run(b, chromedp.Evaluate[int]("window.__marker = 2")); err != nil {
		t.Fatal(err)
	}
	// Ending takes two steps: "End…" opens the reason and the buttons.
	wait("ending the pair",
		chromedp.Click(chromedp.CSS(`#pair-`+pid+` details.end-pair > summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#reason-`+pid)),
		chromedp.SendKeys(chromedp.CSS(`#reason-`+pid), "Schedules no longer overlap"),
		chromedp.Click(chromedp.CSS(`#pair-`+pid+` button.danger`)),
		chromedp.WaitVisible(chromedp.CSS(`#pair-`+pid+` .status-ended`)),
	)
	poll("focus on the ended pair's status", `document.activeElement && document.activeElement.id === "ended-`+pid+`"`)
	ended, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`#pair-`+pid)))
	if err != nil || !strings.Contains(strings.ToLower(ended), "ended") || !strings.Contains(ended, "Schedules no longer overlap") {
		t.Fatalf("ended row %q, %v", ended, err)
	}
	marker(2)
	browsertest.Axe(t, b, "the pairs list after ending")
	p, err := s.PairByID(ctx, open[0].ID)
	if err != nil || p.Status != db.PairEnded || p.EndReason != "Schedules no longer overlap" {
		t.Fatalf("stored pair after ending: %+v, %v", p, err)
	}

	// The main staff pages at a laptop's and a phone's size: the program's
	// navigation reaches each, axe finds nothing serious, and a screenshot
	// of each goes to testdata/screenshots (linked from the README).
	for _, size := range []struct {
		name string
		w, h int64
	}{{"1280x800", 1280, 800}, {"390x844", 390, 844}} {
		if err := chromedp.Do(b, chromedp.EmulateViewport(size.w, size.h)); err != nil {
			t.Fatal(err)
		}
		for _, page := range []string{"participants", "pairs", "proposal"} {
			path := "/staff/programs/" + demo.ProgramSlug + "/" + page
			wait("opening "+page+" at "+size.name,
				chromedp.Navigate(base+path),
				chromedp.WaitVisible(chromedp.CSS(`nav.program-nav a[aria-current="page"][href="`+path+`"]`)),
			)
			browsertest.Axe(t, b, page+" at "+size.name)
			browsertest.Screenshot(t, b, "testdata/screenshots", "staff-"+page+"-"+size.name)
		}
	}
	// On the proposal (the page shown last), "select all" clears and
	// checks every pair at once.
	n, err := chromedp.Run(b, chromedp.Evaluate[int](`(() => {
		const all = document.querySelector("#proposal-pairs input[data-select-all]");
		const boxes = () => [...document.querySelectorAll("#proposal-pairs input[name=pair]")];
		if (!all || all.hidden || boxes().length === 0 || !boxes().every(b => b.checked)) return -1;
		all.click();
		if (boxes().some(b => b.checked)) return -2;
		all.click();
		return boxes().every(b => b.checked) ? boxes().length : -3;
	})()`))
	if err != nil || n <= 0 {
		t.Fatalf("select all on the proposal: %d, %v", n, err)
	}
}
