package app_test

import (
	"context"
	"fmt"
	"net/url"
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

// A member hears of the staff's decision (the mail is read from the
// outbox, and the status page says the same), withdraws through the
// confirm dialog, and rejoins with the same answers, at desktop and phone
// sizes.
func TestBrowserMemberDecisionAndRejoin(t *testing.T) {
	for _, size := range []struct{ w, h int64 }{{1280, 800}, {390, 844}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			s := dbtest.New(t, config.DialectSQLite)
			ctx := context.Background()
			if _, err := demo.Seed(ctx, s, demo.Options{Participants: 3, Seed: 1}); err != nil {
				t.Fatal(err)
			}
			prog := &db.Program{Slug: "bt-members", Name: "Browser members", Kind: "mentoring", FormKey: "mentoring",
				Description: "Members hear what the program team decides.",
				Settings:    db.ProgramSettings{Flags: map[string]bool{}}}
			if err := s.CreateProgram(ctx, prog); err != nil {
				t.Fatal(err)
			}
			member, err := s.PersonByEmail(ctx, demo.MemberEmail)
			if err != nil {
				t.Fatal(err)
			}
			sub := s.Now().UTC().Add(-time.Hour).Truncate(time.Second)
			e := &db.Enrollment{ProgramID: prog.ID, PersonID: member.ID, Status: db.StatusSubmitted, SubmittedAt: &sub,
				FullName: "Mel Member", IsMentee: true, TimeZone: "UTC",
				Answers: map[string]any{"full_name": "Mel Member", "roles": []string{"learner"}, "time_zone": "UTC"}}
			if err := s.CreateEnrollments(ctx, []*db.Enrollment{e}); err != nil {
				t.Fatal(err)
			}
			srv := apptest.New(t, s, nil)
			base := apptest.Serve(t, srv)

			// Staff approve (the staff pages have their own browser tests).
			staff := apptest.NewClient(t, srv)
			staff.SignInAs(demo.StaffEmail)
			staff.Get(fmt.Sprintf("/staff/programs/%s/participants/%d", prog.Slug, e.ID))
			if res := staff.PostForm(fmt.Sprintf("/staff/programs/%s/participants/%d/status", prog.Slug, e.ID), url.Values{"action": {"approve"}}); res.StatusCode != 303 {
				t.Fatalf("approve = %d: %.300s", res.StatusCode, res.Body)
			}

			b := browsertest.New(t, browsertest.Options{})
			status := fmt.Sprintf("%s/enrollments/%d", base, e.ID)
			err = chromedp.Do(b,
				chromedp.EmulateViewport(size.w, size.h),
				chromedp.Navigate(base+"/"),
				chromedp.Click(chromedp.CSS(`input[name="email"][value="`+demo.MemberEmail+`"]`)),
				chromedp.Click(chromedp.CSS(`.dev-login button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#me-title`)),
				// A program card is a link as a whole: a click on its
				// description opens the program.
				chromedp.Click(chromedp.CSS(`ul.cards li.card:has(a[href="/programs/bt-members"]) p:last-child`)),
				chromedp.WaitVisible(chromedp.CSS(`#program-title`)),
				chromedp.Navigate(status),
				chromedp.WaitVisible(chromedp.CSS(`#decision`)),
			)
			if err != nil {
				t.Fatal("opening the status page:", err)
			}
			text, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`#decision`)))
			if err != nil || !strings.Contains(text, "accepted you") {
				t.Fatalf("status page says %q (%v)", text, err)
			}
			// Withdraw: the confirm dialog is answered yes (a stub, as the
			// person clicking OK), which adds the proof the server wants.
			err = chromedp.Do(b,
				chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
				chromedp.SendKeys(chromedp.CSS(`#reason`), "Too busy this term"),
				chromedp.Click(chromedp.CSS(`button[data-confirm-field]`)),
				chromedp.WaitVisible(chromedp.CSS(`#rejoin-title`)),
			)
			if err != nil {
				t.Fatal("withdrawing:", err)
			}
			err = chromedp.Do(b,
				chromedp.Click(chromedp.CSS(`form[action$="/rejoin"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`#withdraw-title`)),
			)
			if err != nil {
				t.Fatal("rejoining:", err)
			}
			notice, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`.flash`)))
			if err != nil || !strings.Contains(notice, "rejoined") {
				t.Fatalf("after rejoin the page says %q (%v)", notice, err)
			}
			width, err := chromedp.Run(b, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
			if err != nil || width > size.w {
				t.Fatalf("the status page is %d px wide at %d (%v)", width, size.w, err)
			}
			got, err := s.EnrollmentByID(ctx, e.ID)
			if err != nil || got.Status != db.StatusSubmitted || got.Answers["full_name"] != "Mel Member" {
				t.Fatalf("after rejoin: %+v, %v", got, err)
			}
			msgs, err := s.ListMail(ctx, db.MailQuery{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for i := len(msgs) - 1; i >= 0; i-- {
				if msgs[i].To == demo.MemberEmail && strings.HasPrefix(msgs[i].Kind, "member_") {
					kinds = append(kinds, msgs[i].Kind)
				}
			}
			if strings.Join(kinds, ",") != "member_approved,member_withdrawn" {
				t.Fatalf("member's mail in the outbox: %v", kinds)
			}
		})
	}
}
