package app_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"cohort/app/apptest"
	"cohort/app/browsertest"
	"cohort/app/demo"
	"cohort/config"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// A person opens the home page in a real browser and signs in as a demo
// person, with JavaScript on and off, then signs out.
func TestBrowserHomeAndDevSignIn(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts browsertest.Options
	}{
		{"javascript", browsertest.Options{}},
		{"no-javascript", browsertest.Options{NoJavaScript: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := dbtest.New(t, config.DialectSQLite)
			if _, err := demo.Seed(context.Background(), s, demo.Options{Participants: 3, Seed: 1}); err != nil {
				t.Fatal(err)
			}
			base := apptest.Serve(t, apptest.New(t, s, nil))
			ctx := browsertest.New(t, tt.opts)

			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
				t.Fatal(err)
			}
			title, err := chromedp.Run(ctx, chromedp.Title())
			if err != nil || title != "Home · Cohort" {
				t.Fatalf("title %q, %v", title, err)
			}
			heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
			if err != nil || !strings.Contains(heading, "Programs that bring people together") {
				t.Fatalf("h1 %q, %v", heading, err)
			}
			if !tt.opts.NoJavaScript {
				// Both scripts ran: the CSP and the SRI digests let them in.
				state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(window.htmx ? htmx.version : "none") + "/" + document.documentElement.dataset.js`))
				if err != nil || state != "2.0.11/on" {
					t.Fatalf("scripts under CSP: %q, %v (want htmx 2.0.11 and app.js)", state, err)
				}
			}
			err = chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`label[for^="dev-person-"]`)), // first demo person: the admin
				chromedp.Click(chromedp.CSS(`.dev-login button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#me-title`)),
			)
			if err != nil {
				t.Fatal("sign in:", err)
			}
			welcome, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#me-title`)))
			if err != nil || welcome != "Welcome, Ada Admin" {
				t.Fatalf("after sign-in: %q, %v", welcome, err)
			}
			err = chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`.account button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#dev-login-title`)),
			)
			if err != nil {
				t.Fatal("sign out:", err)
			}
		})
	}
}

// A person signs in with a code sent by email, reading the code from the
// development outbox like a developer would, then signs out.
func TestBrowserEmailCodeSignIn(t *testing.T) {
	s := dbtest.New(t, config.DialectSQLite)
	if _, err := demo.Seed(context.Background(), s, demo.Options{Participants: 3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	base := apptest.Serve(t, apptest.New(t, s, nil))
	ctx := browsertest.New(t, browsertest.Options{})

	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.Click(chromedp.CSS(`.account a[href="/signin"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), "member@example.com"),
		chromedp.Click(chromedp.CSS(`form[action="/signin/email"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#code`)),
		chromedp.Navigate(base+"/dev/outbox"),
		chromedp.Click(chromedp.CSS(`tbody tr:first-child a`)),
		chromedp.WaitVisible(chromedp.CSS(`pre`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`pre`)))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`[2-9A-Z]{4}-[2-9A-Z]{4}`).FindString(body)
	if m == "" {
		t.Fatalf("no code in the mail: %q", body)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/signin/code"),
		chromedp.WaitVisible(chromedp.CSS(`#code`)),
		chromedp.SendKeys(chromedp.CSS(`#code`), m),
		chromedp.Click(chromedp.CSS(`form[action="/signin/code"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#me-title`)),
	)
	if err != nil {
		t.Fatal("entering the code:", err)
	}
	welcome, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#me-title`)))
	if err != nil || welcome != "Welcome, Mel Member" {
		t.Fatalf("after the code: %q, %v", welcome, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.account button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.account a[href="/signin"]`)),
	)
	if err != nil {
		t.Fatal("sign out:", err)
	}
}
