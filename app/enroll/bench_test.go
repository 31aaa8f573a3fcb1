package enroll_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/web"
	"cohort/db/dbtest"
)

// BenchmarkSaveStep is one "Save and continue" through the whole stack —
// session, CSRF, ownership, parsing, the serialised update — without a
// socket. The load harness measures the same request over HTTP.
func BenchmarkSaveStep(b *testing.B) {
	for _, dialect := range dbtest.Dialects {
		b.Run(dialect, func(b *testing.B) { benchmarkSaveStep(b, dialect) })
	}
}

func benchmarkSaveStep(b *testing.B, dialect string) {
	s := dbtest.New(b, dialect)
	w := &world{store: s}
	if _, err := demo.Seed(b.Context(), s, demo.Options{Participants: 3, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	w.srv = apptest.New(b, s, nil)
	c := apptest.NewClient(b, w.srv)
	c.SignInAs(demo.MemberEmail)
	c.Get("/programs/" + demo.ProgramSlug)
	res := c.PostForm("/programs/"+demo.ProgramSlug+"/enroll", nil)
	path := res.Header.Get("Location") + "/steps/about"
	cookie := ""
	for _, ck := range c.Cookies {
		cookie += ck.Name + "=" + ck.Value + "; "
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		form := url.Values{"full_name": {fmt.Sprint("Mel ", i)}, "manager_name": {"Max"}, "manager_email": {"max@example.com"}, "nav": {"next"}}
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", cookie)
		req.Header.Set(web.CSRFHeader, c.CSRF)
		res, err := w.srv.App().Test(req, -1)
		if err != nil || res.StatusCode != http.StatusSeeOther {
			b.Fatal(err, res.StatusCode)
		}
	}
}
