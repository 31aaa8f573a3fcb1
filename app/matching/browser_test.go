package matching_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"cohort/app/apptest"
	"cohort/app/browsertest"
	"cohort/app/features"
	"cohort/app/matching"
	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

// A mentee requests two mentors in a real browser; one accepts, the other
// request is withdrawn (its mentor sees so), and both people of the pair
// see it. The same loop runs with JavaScript off: the pages are plain
// forms and links.
func TestBrowserMembersChoose(t *testing.T) {
	for _, noJS := range []bool{false, true} {
		name := "javascript"
		if noJS {
			name = "no-javascript"
		}
		t.Run(name, func(t *testing.T) {
			store := dbtest.New(t, config.DialectSQLite)
			f := newFx(t, store, db.ProgramSettings{MatchingMode: matching.ModeMembers,
				MemberFields: []string{"comments"}, Flags: map[string]bool{features.Pairing: true}})
			f.clock = time.Now().UTC()
			store.Now = func() time.Time { return time.Now().UTC() }
			sam := f.personWith("Sam", true, "", morning, map[string]any{"comments": "Loves chess"})
			dee := f.personWith("Dee", true, "", morning, nil)
			ana := f.person("Ana", false, "")
			srv := apptest.New(t, store, nil)
			base := apptest.Serve(t, srv)
			b := browsertest.New(t, browsertest.Options{NoJavaScript: noJS})
			do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				ctx, cancel := context.WithTimeout(b, 20*time.Second)
				defer cancel()
				if err := chromedp.Do(ctx, actions...); err != nil {
					t.Fatalf("%s: %v", what, err)
				}
			}
			text := func(sel string) string {
				t.Helper()
				ctx, cancel := context.WithTimeout(b, 20*time.Second)
				defer cancel()
				s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
				if err != nil {
					t.Fatalf("text of %s: %v", sel, err)
				}
				return s
			}
			// Sign in as someone: the development sign-in lists only the
			// demo people, so the session is made over HTTP and handed to
			// the browser as its cookies.
			as := func(e *db.Enrollment) {
				t.Helper()
				c := apptest.NewClient(t, srv)
				c.SignInAs(f.email(e))
				var cookies []*network.CookieParam
				for _, ck := range c.Cookies {
					cookies = append(cookies, &network.CookieParam{Name: ck.Name, Value: ck.Value, URL: base + "/", Path: "/",
						Secure: ck.Secure, HTTPOnly: ck.HttpOnly})
				}
				ctx, cancel := context.WithTimeout(b, 20*time.Second)
				defer cancel()
				if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
					t.Fatal(err)
				}
				if _, err := chromedp.Call(ctx, network.SetCookies, network.SetCookiesParams{Cookies: cookies}); err != nil {
					t.Fatalf("sign in as %s: %v", e.FullName, err)
				}
			}
			slug := f.prog.Slug
			as(ana)
			for _, m := range []*db.Enrollment{sam, dee} {
				card := `article[data-mentor="` + itoa(m.ID) + `"]`
				do("request "+m.FullName,
					chromedp.Navigate(base+"/programs/"+slug+"/mentor"),
					chromedp.WaitVisible(chromedp.CSS(card)),
					chromedp.SendKeys(chromedp.CSS(card+" textarea"), "Hi "+m.FullName),
					chromedp.Click(chromedp.CSS(card+" button[type=submit]")),
					chromedp.WaitVisible(chromedp.CSS(`.flash-success`)),
				)
			}
			if got := text(`.requests`); strings.Count(got, "pending") != 2 {
				t.Fatalf("Ana's requests: %q", got)
			}
			as(sam)
			do("Sam accepts",
				chromedp.Navigate(base+"/programs/"+slug+"/requests"),
				chromedp.WaitVisible(chromedp.CSS(`form[action$="/accept"] button`)),
				chromedp.Click(chromedp.CSS(`form[action$="/accept"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`#my-mentees`)),
			)
			if got := text(`#my-mentees`); !strings.Contains(got, "Ana") {
				t.Fatalf("Sam's mentees: %q", got)
			}
			as(dee)
			do("Dee's page", chromedp.Navigate(base+"/programs/"+slug+"/requests"), chromedp.WaitVisible(chromedp.CSS(`article[data-request]`)))
			if got := text(`article[data-request]`); !strings.Contains(got, "withdrawn") {
				t.Fatalf("Dee's request: %q", got)
			}
			as(ana)
			do("Ana's page", chromedp.Navigate(base+"/programs/"+slug+"/mentor"), chromedp.WaitVisible(chromedp.CSS(`#my-pair`)))
			if got := text(`#my-pair`); !strings.Contains(got, "Sam") {
				t.Fatalf("Ana's pair: %q", got)
			}
			if got := text(`.requests`); !strings.Contains(got, "accepted") || !strings.Contains(got, "withdrawn") {
				t.Fatalf("Ana's requests: %q", got)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
