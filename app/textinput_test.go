package app_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/web"
	"cohort/db"
	"cohort/db/dbtest"
)

// A NUL or other control character in any text input is refused with 400
// naming the parameter, on every route and on both databases, before the
// handler runs: it used to be a 500 (or a NUL stored on SQLite only), and a
// CSV export that started and then stopped. File contents are not text.
func TestControlCharactersRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		adminC := w.client(t, admin)
		memberC := w.client(t, member)
		participant := w.path("/staff/programs/:slug/participants/:id")
		enr := fmt.Sprintf("/enrollments/%d", w.enrollmentID)
		tests := []struct {
			name  string
			c     *apptest.Client
			req   func(c *apptest.Client) *apptest.Response
			param string
			json  bool
		}{
			{"staff note body", adminC, func(c *apptest.Client) *apptest.Response {
				c.Get(participant)
				return c.PostForm(participant+"/notes", url.Values{"body": {"hello\x00there"}})
			}, "body", false},
			{"admin people search", adminC, func(c *apptest.Client) *apptest.Response {
				return c.Get("/admin/people?q=mel%00")
			}, "q", false},
			{"participants table filter", adminC, func(c *apptest.Client) *apptest.Response {
				return c.Get("/staff/programs/" + demo.ProgramSlug + "/participants?interest=a%00")
			}, "interest", false},
			{"participants CSV filter", adminC, func(c *apptest.Client) *apptest.Response {
				return c.Get("/staff/programs/" + demo.ProgramSlug + "/participants.csv?interest=a%00")
			}, "interest", false},
			{"API filter", adminC, func(c *apptest.Client) *apptest.Response {
				return c.Get("/api/v1/programs/" + demo.ProgramSlug + "/participants?interest=a%00")
			}, "interest", true},
			{"other control character in a query", adminC, func(c *apptest.Client) *apptest.Response {
				return c.Get("/admin/people?q=a%1bb")
			}, "q", false},
			{"invalid UTF-8 in a query", adminC, func(c *apptest.Client) *apptest.Response {
				return c.Get("/admin/people?q=%ff")
			}, "q", false},
			{"withdraw reason", memberC, func(c *apptest.Client) *apptest.Response {
				c.Get(enr)
				return c.PostForm(enr+"/withdraw", url.Values{"reason": {"moving\x00on"}})
			}, "reason", false},
			{"text part of a multipart step", memberC, func(c *apptest.Client) *apptest.Response {
				c.Get(enr + "/steps/about")
				return multipartPost(t, c, enr+"/steps/about", map[string]string{"full_name": "Mel\x00"}, nil)
			}, "full_name", false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := tt.req(tt.c)
				if res.StatusCode != http.StatusBadRequest {
					t.Fatalf("status %d, want 400: %.300s", res.StatusCode, res.Body)
				}
				named := "&#34;" + tt.param + "&#34;"
				if tt.json {
					named = `"param":"` + tt.param + `"`
				}
				if !strings.Contains(res.Body, named) {
					t.Errorf("answer does not name %q: %.400s", tt.param, res.Body)
				}
				if isJSON := strings.HasPrefix(res.Header.Get("Content-Type"), "application/json"); isJSON != tt.json {
					t.Errorf("JSON answer = %v, want %v (%s)", isJSON, tt.json, res.Header.Get("Content-Type"))
				}
			})
		}
		e, err := s.EnrollmentByID(context.Background(), w.enrollmentID)
		if err != nil || e.Status == db.StatusWithdrawn || strings.ContainsRune(e.FullName, 0) {
			t.Fatalf("refused input reached the database: %+v, %v", e, err)
		}
		// Tabs and line breaks are text; a file's bytes are not checked.
		t.Run("clean text and a binary file pass", func(t *testing.T) {
			memberC.Get(enr + "/steps/about")
			res := multipartPost(t, memberC, enr+"/steps/about",
				map[string]string{"full_name": "Mel\tMember", "manager_name": "Max", "manager_email": "max@example.com", "nav": "next"},
				[]byte("%PDF-1.4\x00\x01\x02\x1b binary"))
			if res.StatusCode == http.StatusBadRequest || res.StatusCode >= 500 {
				t.Fatalf("status %d: %.300s", res.StatusCode, res.Body)
			}
			note := adminC.PostForm(participant+"/notes", url.Values{"body": {"line one\r\nline\ttwo"}})
			if note.StatusCode == http.StatusBadRequest || note.StatusCode >= 500 {
				t.Fatalf("note with CR LF and tab = %d", note.StatusCode)
			}
		})
	})
}

// multipartPost posts fields (and a file part "attachment" when file is
// not nil) with the client's CSRF token.
func multipartPost(t *testing.T, c *apptest.Client, path string, fields map[string]string, file []byte) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	_ = mw.WriteField(web.CSRFField, c.CSRF)
	if file != nil {
		fw, err := mw.CreateFormFile("attachment", "a.pdf")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(file)
	}
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}
