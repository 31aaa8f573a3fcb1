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
	"time"

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
// the field's 5 MB, over BODY_LIMIT's 1 MiB) is accepted; a 6 MB one comes
// back with the field's own message and everything typed on the step still
// there. (A 12 MB file, over MAX_UPLOAD_SIZE too, is TestRealSizeUploads'
// in app/enroll; here it would not fit the browser test's minute under the
// race detector.)
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
	base := apptest.Serve(t, srv)
	// Everything before the step with the file is done by the same member
	// from another session, before the browser starts: its steps must fit
	// the browser test's minute.
	c := apptest.NewClient(t, srv)
	c.SignInAs(demo.MemberEmail)
	c.Get("/programs/assist")
	started := c.PostForm("/programs/assist/enroll", nil)
	enr, _, _ := strings.Cut(started.Header.Get("Location"), "/steps/")
	if started.StatusCode != http.StatusSeeOther || !strings.HasPrefix(enr, "/enrollments/") {
		t.Fatalf("starting = %d %q", started.StatusCode, started.Header.Get("Location"))
	}
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
	big, fits := file("big.pdf", 6<<20), file("payslip.pdf", 4<<20)
	m := &enrollBrowser{t: t, ctx: browsertest.New(t, browsertest.Options{}), base: base, js: true}
	m.signIn(demo.MemberEmail, "Mel Member")
	m.do("open the step with the file", chromedp.Navigate(m.base+enr+"/steps/contact"), chromedp.WaitVisible(chromedp.ID("proof_of_income")))
	m.typeInto("full_name", "Mel Member")
	m.typeInto("phone", "+1 555 010 2000")
	m.tick("consent")

	m.do("attach a 6 MB file", chromedp.SetUploadFiles(chromedp.ID("proof_of_income"), []string{big}))
	m.next()
	m.slowly("the field's message", chromedp.WaitVisible(chromedp.ID("proof_of_income-error")))
	if got := m.text("#proof_of_income-error"); !strings.Contains(got, "The file is too large: the limit is 5 MB.") {
		t.Fatalf("message by the file field: %q", got)
	}
	if m.value("full_name") != "Mel Member" || m.value("phone") != "+1 555 010 2000" || !m.checked("consent") {
		t.Fatalf("typed answers lost: %q %q %v", m.value("full_name"), m.value("phone"), m.checked("consent"))
	}
	if got := m.text("header"); strings.Contains(got, "Sign in") {
		t.Fatalf("the page no longer knows the member is signed in: %q", got)
	}

	m.do("attach a 4 MB file", chromedp.SetUploadFiles(chromedp.ID("proof_of_income"), []string{fits}))
	m.next()
	m.slowly("the review page", chromedp.WaitVisible(chromedp.ID("review-title")))
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

// slowly is do with room for megabytes to cross a loaded machine under
// the race detector.
func (m *enrollBrowser) slowly(what string, steps ...chromedp.Action[chromedp.Void]) {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(m.ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		m.t.Fatalf("%s: %v", what, err)
	}
}
