package app_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"cohort/app/apptest"
	"cohort/app/browsertest"
	"cohort/app/demo"
	"cohort/app/features"
	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

// A member attaches real-size files in a real browser: a 4 MB PDF (under
// the field's 5 MB, over BODY_LIMIT's 1 MiB) is accepted; a 12 MB one
// (over the field and MAX_UPLOAD_SIZE) comes back with the field's own
// message and everything typed on the step still there.
func TestBrowserUploadRealSizeFiles(t *testing.T) {
	s := dbtest.New(t, config.DialectSQLite)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, s, demo.Options{Participants: 3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	p := &db.Program{Slug: "assist", Name: "Assistance", Kind: "application", FormKey: "application",
		Settings: db.ProgramSettings{Flags: map[string]bool{features.Uploads: true}}}
	if err := s.CreateProgram(ctx, p); err != nil {
		t.Fatal(err)
	}
	srv := apptest.New(t, s, map[string]string{"UPLOAD_DIR": t.TempDir()})
	m := &enrollBrowser{t: t, ctx: browsertest.New(t, browsertest.Options{}), base: apptest.Serve(t, srv), js: true}
	m.signIn(demo.MemberEmail, "Mel Member")
	m.do("start the application",
		chromedp.Navigate(m.base+"/programs/assist"),
		chromedp.WaitVisible(chromedp.CSS(`#program-title`)),
		chromedp.Click(chromedp.CSS(`form[action="/programs/assist/enroll"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#step-title`)),
	)
	enr, _, _ := strings.Cut(m.path(), "/steps/")
	// The steps before the one with the file, answered by the same member
	// from another session.
	c := apptest.NewClient(t, srv)
	c.SignInAs(demo.MemberEmail)
	c.Get(enr + "/steps/household")
	for _, st := range []struct {
		key  string
		form url.Values
	}{
		{"household", url.Values{"household_size": {"3"}, "income": {"45000"}, "in_service_area": {"yes"}, "age": {"40"}, "nav": {"next"}}},
		{"benefits", url.Values{"benefits_received": {"none"}, "nav": {"next"}}},
	} {
		if res := c.PostForm(enr+"/steps/"+st.key, st.form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("step %s = %d", st.key, res.StatusCode)
		}
	}
	dir := t.TempDir()
	file := func(name string, size int) string {
		b := bytes.Repeat([]byte("0"), size)
		copy(b, "%PDF-1.4\n")
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	m.do("open the step with the file", chromedp.Navigate(m.base+enr+"/steps/contact"), chromedp.WaitVisible(chromedp.ID("proof_of_income")))
	m.typeInto("full_name", "Mel Member")
	m.typeInto("phone", "+1 555 010 2000")
	m.tick("consent")

	m.do("attach a 12 MB file", chromedp.SetUploadFiles(chromedp.ID("proof_of_income"), []string{file("big.pdf", 12<<20)}))
	m.next()
	m.do("the field's message", chromedp.WaitVisible(chromedp.ID("proof_of_income-error")))
	if got := m.text("#proof_of_income-error"); !strings.Contains(got, "The file is too large: the limit is 5 MB.") {
		t.Fatalf("message by the file field: %q", got)
	}
	if m.value("full_name") != "Mel Member" || m.value("phone") != "+1 555 010 2000" || !m.checked("consent") {
		t.Fatalf("typed answers lost: %q %q %v", m.value("full_name"), m.value("phone"), m.checked("consent"))
	}
	if got := m.text("header"); strings.Contains(got, "Sign in") {
		t.Fatalf("the page no longer knows the member is signed in: %q", got)
	}

	m.do("attach a 4 MB file", chromedp.SetUploadFiles(chromedp.ID("proof_of_income"), []string{file("payslip.pdf", 4<<20)}))
	m.next()
	m.do("the review page", chromedp.WaitVisible(chromedp.ID("review-title")))
	if p := m.path(); p != enr+"/review" {
		t.Fatalf("after the last step: %s", p)
	}
	var id int64
	if _, err := fmt.Sscanf(enr, "/enrollments/%d", &id); err != nil {
		t.Fatal(err)
	}
	us, err := s.UploadsForEnrollment(ctx, id)
	if err != nil || len(us) != 1 || us[0].Size != 4<<20 || us[0].Filename != "payslip.pdf" {
		t.Fatalf("uploads = %+v, %v", us, err)
	}
}
