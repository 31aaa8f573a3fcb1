package app_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cohort/app/apptest"
	"cohort/app/browsertest"
	"cohort/app/demo"
	"cohort/app/jobs"
	"cohort/db"
	"cohort/db/dbtest"
)

// An admin turns a job off, runs another now, and sees its result, in a
// real browser on each database: on /admin/jobs "Switch off" on
// draft-reminders swaps that row in place (no page load: a marker set on
// window survives) to show it off, with focus back on its switch; "Run now"
// on housekeeping swaps its row to show the run's outcome and counts, with
// focus on its "Run now". The store then holds the switch (set by the
// admin) and the manual run, and the page showed exactly the stored counts.
func TestBrowserJobsSwitchOffAndRunNow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		if _, err := demo.Seed(ctx, s, demo.Options{Participants: 3, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		admin, err := s.PersonByEmail(ctx, demo.AdminEmail)
		if err != nil {
			t.Fatal(err)
		}
		// Two sign-in codes that have expired: housekeeping has something to
		// count, so the page's counts are not all zero.
		for _, email := range []string{"gone1@example.com", "gone2@example.com"} {
			if _, err := s.CreateLoginCode(ctx, email, "hash-"+email, -time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		if on, err := s.JobEnabled(ctx, "draft-reminders"); err != nil || !on {
			t.Fatalf("draft-reminders before the test: enabled = %v, %v", on, err)
		}

		base := apptest.Serve(t, apptest.New(t, s, nil))
		b := browsertest.New(t, browsertest.Options{})
		// row is a job row's HTML, for failure messages.
		row := func(name string) string {
			h, _ := chromedp.Run(b, chromedp.Evaluate[string](
				`(document.querySelector("#job-`+name+`") || {outerHTML: "(no row)"}).outerHTML`))
			return h
		}
		wait := func(what string, actions ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			wctx, cancel := context.WithTimeout(b, 25*time.Second)
			defer cancel()
			if err := chromedp.Do(wctx, actions...); err != nil {
				t.Fatalf("%s: %v\ndraft-reminders row: %s\nhousekeeping row: %s",
					what, err, row("draft-reminders"), row("housekeeping"))
			}
		}
		poll := func(what, js string) {
			t.Helper()
			if err := chromedp.Do(b, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
				active, _ := chromedp.Run(b, chromedp.Evaluate[string](
					`document.activeElement ? document.activeElement.outerHTML.slice(0, 300) : "(none)"`))
				t.Fatalf("%s: %v (active element: %s)", what, err, active)
			}
		}
		text := func(css string) string {
			t.Helper()
			v, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(css)))
			if err != nil {
				t.Fatalf("text of %s: %v", css, err)
			}
			return strings.Join(strings.Fields(v), " ")
		}
		noReload := func(when string) {
			t.Helper()
			got, err := chromedp.Run(b, chromedp.Evaluate[int]("window.__jobsMarker || 0"))
			if err != nil || got != 1 {
				t.Fatalf("%s: the page reloaded (marker %d, %v); the row should be swapped in place", when, got, err)
			}
			if loc, err := chromedp.Run(b, chromedp.Location()); err != nil || loc != base+"/admin/jobs" {
				t.Fatalf("%s: location %q, %v; want the jobs page itself", when, loc, err)
			}
		}

		// Sign in as the admin with the development sign-in (trusted as it
		// is: no second factor asked), then open the jobs page.
		wait("signing in as the admin and opening the jobs page",
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(chromedp.CSS(`#dev-login-title`)),
			chromedp.Click(chromedp.CSS(`.dev-login input[value="`+demo.AdminEmail+`"] + label`)),
			chromedp.Click(chromedp.CSS(`.dev-login button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#me-title`)),
			chromedp.Navigate(base+"/admin/jobs"),
			chromedp.WaitVisible(chromedp.CSS(`#job-draft-reminders[data-enabled="true"] .job-toggle`)),
			chromedp.WaitVisible(chromedp.CSS(`#job-housekeeping .job-run`)),
		)
		// At 1280 px every job name stays on one line (an inline element
		// broken across lines has one client rect per line).
		if whole, err := chromedp.Run(b, chromedp.Evaluate[bool](
			`[...document.querySelectorAll(".job-row th code")].every(c => c.getClientRects().length === 1)`)); err != nil || !whole {
			t.Fatalf("a job name breaks across lines at 1280 px (%v)", err)
		}
		if got := text(`#job-draft-reminders .job-status`); got != "on" {
			t.Fatalf("draft-reminders status before: %q, want on", got)
		}
		if got := text(`#job-housekeeping .job-last`); got != "never run" {
			t.Fatalf("housekeeping's last run before: %q, want never run", got)
		}
		if _, err := chromedp.Run(b, chromedp.Evaluate[int]("window.__jobsMarker = 1")); err != nil {
			t.Fatal(err)
		}

		// Switch draft-reminders off.
		wait("switching draft-reminders off",
			chromedp.Click(chromedp.CSS(`#job-draft-reminders .job-toggle`)),
			chromedp.WaitVisible(chromedp.CSS(`#job-draft-reminders[data-enabled="false"]`)),
		)
		if got := text(`#job-draft-reminders .job-status`); got != "off" {
			t.Fatalf("draft-reminders status after switching off: %q, want off", got)
		}
		if got := text(`#job-draft-reminders .job-next`); got != "skipped while off" {
			t.Fatalf("draft-reminders next run while off: %q", got)
		}
		if got := text(`#job-draft-reminders .job-toggle`); got != "Switch on draft-reminders" {
			t.Fatalf("draft-reminders switch after switching off: %q, want Switch on", got)
		}
		noReload("after switching off")
		// Focus returns to the row's switch (the new one: the clicked button
		// left the page with the old row), as the row's Focus asks.
		poll("focus on draft-reminders' switch after the swap",
			`document.activeElement === document.querySelector("#job-draft-reminders .job-toggle")`)

		// Run housekeeping now.
		wait("running housekeeping now",
			chromedp.Click(chromedp.CSS(`#job-housekeeping .job-run`)),
			chromedp.WaitVisible(chromedp.CSS(`#job-housekeeping .job-outcome[data-outcome="ok"]`)),
		)
		noReload("after running housekeeping")
		poll("focus on housekeeping's Run now after the swap",
			`document.activeElement === document.querySelector("#job-housekeeping .job-run")`)
		last := text(`#job-housekeeping .job-last`)
		if !strings.Contains(last, "· ok (manual, ") {
			t.Fatalf("housekeeping's last run: %q, want outcome ok, trigger manual", last)
		}
		shownCounts := text(`#job-housekeeping .job-counts`)
		// The other row kept its state through this swap.
		if got := text(`#job-draft-reminders .job-status`); got != "off" {
			t.Fatalf("draft-reminders status after the run: %q", got)
		}

		// The store: the switch, by the admin, and the manual run.
		settings, err := s.JobSettings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var setting *db.JobSetting
		for _, st := range settings {
			if st.Name == "draft-reminders" {
				setting = st
			}
		}
		if setting == nil || setting.Enabled || setting.UpdatedBy == nil || *setting.UpdatedBy != admin.ID {
			t.Fatalf("job_settings for draft-reminders: %+v (want disabled by admin %d)", setting, admin.ID)
		}
		if on, err := s.JobEnabled(ctx, "housekeeping"); err != nil || !on {
			t.Fatalf("housekeeping enabled = %v, %v; running it must not switch it", on, err)
		}
		runs, err := s.ListJobRuns(ctx, "housekeeping", 10)
		if err != nil || len(runs) != 1 {
			t.Fatalf("housekeeping runs: %d, %v; want 1", len(runs), err)
		}
		run := runs[0]
		if run.Trigger != string(jobs.TriggerManual) || run.Outcome != db.JobOK || run.FinishedAt == nil ||
			run.Error != "" || !strings.HasPrefix(run.Slot, "manual-") {
			t.Fatalf("housekeeping run: %+v; want a finished manual run, outcome ok", run)
		}
		if run.Counts["login_codes"] != 2 {
			t.Fatalf("housekeeping counts: %v; want login_codes 2 (the two expired codes)", run.Counts)
		}
		if want := formatCounts(run.Counts); shownCounts != want {
			t.Fatalf("the row shows counts %q; the stored run has %q", shownCounts, want)
		}
		if other, err := s.ListJobRuns(ctx, "draft-reminders", 10); err != nil || len(other) != 0 {
			t.Fatalf("draft-reminders runs: %d, %v; switching off must not run it", len(other), err)
		}
		evs, err := s.ListAudit(ctx, db.AuditQuery{ActorID: admin.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, ev := range evs {
			if ev.SubjectType == jobs.SubjectJob {
				seen[ev.Action+" "+ev.SubjectID] = true
			}
		}
		if !seen[jobs.ActionEnabled+" draft-reminders"] || !seen[jobs.ActionRun+" housekeeping"] {
			t.Fatalf("audit events about jobs by the admin: %v", seen)
		}
	})
}

// formatCounts writes counts as the jobs row does: by name, "name n",
// comma separated.
func formatCounts(counts map[string]int) string {
	names := make([]string, 0, len(counts))
	for name := range counts {
		names = append(names, name)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = fmt.Sprintf("%s %d", name, counts[name])
	}
	return strings.Join(parts, ", ")
}
