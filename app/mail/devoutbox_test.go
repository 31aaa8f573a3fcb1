package mail_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"cohort/app/apptest"
	"cohort/app/mail"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestDevOutboxPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		srv := apptest.New(t, s, nil)
		o := mail.NewOutbox(srv.Config(), s)
		if err := o.Enqueue(ctx, mail.Message{To: "ada@example.com", Subject: "Your sign-in code <b>", Text: "Your code is 123456.\n<script>alert(1)</script>", Kind: "login_code", Sensitive: true}); err != nil {
			t.Fatal(err)
		}
		msg, err := s.ListMail(ctx, db.MailQuery{})
		if err != nil || len(msg) != 1 {
			t.Fatalf("ListMail = %v, %v", msg, err)
		}
		id := msg[0].ID
		c := apptest.NewClient(t, srv)
		tests := []struct {
			name   string
			path   string
			status int
			want   []string
			not    []string
		}{
			{"list", "/dev/outbox", http.StatusOK,
				[]string{"<caption", `<th scope="col">Subject</th>`, "ada@example.com", "login_code", "pending",
					fmt.Sprintf(`href="/dev/outbox/%d"`, id), "Your sign-in code &lt;b&gt;", "Development only"},
				[]string{"123456", "<b>"}},
			{"message", fmt.Sprintf("/dev/outbox/%d", id), http.StatusOK,
				[]string{"<pre>Your code is 123456.\n&lt;script&gt;", "ada@example.com", "Development only"},
				[]string{"<script>alert"}},
			{"missing message", "/dev/outbox/999999", http.StatusNotFound, nil, nil},
			{"not a number", "/dev/outbox/abc", http.StatusNotFound, nil, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := c.Get(tt.path)
				if res.StatusCode != tt.status {
					t.Fatalf("GET %s = %d, want %d", tt.path, res.StatusCode, tt.status)
				}
				for _, w := range tt.want {
					if !strings.Contains(res.Body, w) {
						t.Errorf("GET %s lacks %q", tt.path, w)
					}
				}
				for _, n := range tt.not {
					if strings.Contains(res.Body, n) {
						t.Errorf("GET %s contains %q", tt.path, n)
					}
				}
			})
		}
	})
}

// In production the pages do not exist at all.
func TestDevOutboxAbsentInProduction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		secret := strings.Repeat("p", 40)
		srv := apptest.New(t, s, map[string]string{
			"APP_ENV": "production", "BASE_URL": "https://x.example",
			"SECRET_KEY": secret, "PAIR_ID_HASH_SECRET": strings.Repeat("q", 40),
			"SMTP_HOST": "smtp.example.org", "DEV_LOGIN": "false",
		})
		c := apptest.NewClient(t, srv)
		if res := c.Get("/"); res.StatusCode != http.StatusOK {
			t.Fatalf("GET / in production = %d: the app itself is not answering", res.StatusCode)
		}
		for _, path := range []string{"/dev/outbox", "/dev/outbox/1"} {
			if res := c.Get(path); res.StatusCode != http.StatusNotFound {
				t.Fatalf("GET %s in production = %d, want 404", path, res.StatusCode)
			}
		}
	})
}
