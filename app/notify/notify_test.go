package notify_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"cohort/app/apptest"
	"cohort/app/notify"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestToken(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	tok := notify.Token(secret, 42)
	if id, ok := notify.Verify(secret, tok); !ok || id != 42 {
		t.Fatalf("Verify(Token(42)) = %d, %v", id, ok)
	}
	_, mac, _ := strings.Cut(tok, ".")
	for _, bad := range []string{
		"", "42", "42.", ".xyz", "43." + mac, "042." + mac, "-42." + mac, "42." + mac + "x",
		"42." + strings.Repeat("A", len(mac)), notify.Token("another secret, also 32 chars long", 42),
	} {
		if id, ok := notify.Verify(secret, bad); ok {
			t.Errorf("Verify(%q) = %d, true; want refused", bad, id)
		}
	}
	if u := notify.URL("https://cohort.example/", secret, 42); u != "https://cohort.example/unsubscribe?t="+url.QueryEscape(tok) {
		t.Fatalf("URL = %q", u)
	}
}

// The link in a mail shows a confirm page without signing in; the button
// records the unsubscription. A forged token changes nothing.
func TestUnsubscribePage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		srv := apptest.New(t, s, nil)
		ada := &db.Person{Email: "ada@example.com", Name: "Ada"}
		bob := &db.Person{Email: "bob@example.com", Name: "Bob"}
		for _, p := range []*db.Person{ada, bob} {
			if err := s.CreatePerson(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		secret := srv.Config().SecretKey
		c := apptest.NewClient(t, srv)

		// Forged: Bob's id with Ada's MAC, and a made-up MAC.
		_, adaMAC, _ := strings.Cut(notify.Token(secret, ada.ID), ".")
		forged := []string{strconv.FormatInt(bob.ID, 10) + "." + adaMAC, strconv.FormatInt(bob.ID, 10) + ".AAAA", ""}
		for _, tok := range forged {
			if res := c.Get("/unsubscribe?t=" + url.QueryEscape(tok)); res.StatusCode != http.StatusUnprocessableEntity ||
				!strings.Contains(res.Body, "not valid") {
				t.Fatalf("GET with forged token %q: %d", tok, res.StatusCode)
			}
		}
		c.Get("/") // a CSRF token for the POSTs
		for _, tok := range forged {
			if res := c.PostForm("/unsubscribe", url.Values{"t": {tok}}); res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("POST with forged token %q: %d", tok, res.StatusCode)
			}
		}
		if ok, _ := s.IsUnsubscribed(ctx, bob.ID); ok {
			t.Fatal("a forged token unsubscribed Bob")
		}

		u, err := url.Parse(notify.URL(srv.Config().BaseURL, secret, ada.ID))
		if err != nil {
			t.Fatal(err)
		}
		res := c.Get(u.RequestURI())
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "ada@example.com") ||
			!strings.Contains(res.Body, `<form method="post" action="/unsubscribe">`) {
			t.Fatalf("GET: %d\n%s", res.StatusCode, res.Body)
		}
		if ok, _ := s.IsUnsubscribed(ctx, ada.ID); ok {
			t.Fatal("merely opening the link unsubscribed")
		}
		// Without the CSRF token the POST is refused.
		if res := c.PostForm("/unsubscribe", url.Values{"t": {u.Query().Get("t")}, "_csrf": {"forged"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("POST without CSRF: %d", res.StatusCode)
		}
		if ok, _ := s.IsUnsubscribed(ctx, ada.ID); ok {
			t.Fatal("unsubscribed without a CSRF token")
		}
		res = c.PostForm("/unsubscribe", url.Values{"t": {u.Query().Get("t")}})
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "You are unsubscribed") {
			t.Fatalf("POST: %d\n%s", res.StatusCode, res.Body)
		}
		if ok, err := s.IsUnsubscribed(ctx, ada.ID); !ok || err != nil {
			t.Fatal("not unsubscribed", ok, err)
		}
		if ok, _ := s.IsUnsubscribed(ctx, bob.ID); ok {
			t.Fatal("Bob unsubscribed too")
		}
	})
}
