package auth_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"cohort/app/apptest"
	"cohort/db"
	"cohort/db/dbtest"
)

// Someone else asking for codes for a person's address, from their own
// IP, neither uses up the person's allowance nor voids or spends the
// person's pending code.
func TestEmailCodeThirdPartyCannotLockOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newMailWorld(t, s, map[string]string{
			"RATE_LIMIT_PER_EMAIL": "5", "RATE_LIMIT_PER_IP": "30",
			"TRUSTED_PROXIES": "0.0.0.0", "PROXY_HEADER": "Fly-Client-IP",
		})
		from := func(ip string) *apptest.Client {
			c := apptest.NewClient(t, w.srv)
			c.Header.Set("Fly-Client-IP", ip)
			return c
		}
		const victim = "member@example.com"
		owner := from("198.51.100.10")
		ownerCode := requestCodeFlowOnly(t, w, owner, victim)

		attacker := from("203.0.113.66")
		for i := range 12 {
			res := requestCode(t, attacker, victim)
			want := http.StatusSeeOther
			if i >= 5 {
				want = http.StatusTooManyRequests // the attacker's own address+IP allowance
			}
			if res.StatusCode != want {
				t.Fatalf("attacker's request %d = %d, want %d", i+1, res.StatusCode, want)
			}
		}
		// Guessing from the attacker's browser spends only the attacker's codes.
		for i := range 6 {
			if res := attacker.PostForm("/signin/code", url.Values{"code": {"2222-2222"}}); res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("attacker's guess %d = %d", i+1, res.StatusCode)
			}
		}

		t.Run("the owner's pending code still works", func(t *testing.T) {
			res := owner.PostForm("/signin/code", url.Values{"code": {ownerCode}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("owner's code after the flood = %d: %s", res.StatusCode, res.Body)
			}
		})
		t.Run("the owner can still ask for a code", func(t *testing.T) {
			other := from("198.51.100.10")
			code := requestCodeFlowOnly(t, w, other, victim)
			if res := other.PostForm("/signin/code", url.Values{"code": {code}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("new code = %d", res.StatusCode)
			}
		})
		t.Run("the address's own allowance still bounds the mail from all IPs", func(t *testing.T) {
			// 5 per address+IP, 4 × 5 per address: so far the owner 2, the attacker 5.
			accepted := 7
			for ip := 1; ip <= 10; ip++ {
				c := from(fmt.Sprintf("192.0.2.%d", ip))
				for range 5 {
					res := requestCode(t, c, victim)
					if res.StatusCode == http.StatusSeeOther {
						accepted++
						continue
					}
					if res.StatusCode != http.StatusTooManyRequests || accepted != 20 {
						t.Fatalf("refused with %d after %d accepted, want 429 after 20", res.StatusCode, accepted)
					}
					return
				}
			}
			t.Fatalf("%d requests for one address accepted in one window", accepted)
		})
	})
}

// Asking again in the same browser (the mail is slow) keeps the earlier
// codes alive: any of the last three works, once; each guess costs every
// one of them an attempt.
func TestEmailCodeLastFewStayValid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newMailWorld(t, s, map[string]string{"RATE_LIMIT_PER_EMAIL": "10"})
		const who = "member@example.com"
		t.Run("any of the last three, once", func(t *testing.T) {
			c := apptest.NewClient(t, w.srv)
			var codes []string
			for range 4 {
				codes = append(codes, requestCodeFlowOnly(t, w, c, who))
			}
			if res := c.PostForm("/signin/code", url.Values{"code": {codes[0]}}); res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("fourth-newest code = %d, want 422", res.StatusCode)
			}
			if res := c.PostForm("/signin/code", url.Values{"code": {codes[1]}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("third-newest code = %d, want 303: %s", res.StatusCode, res.Body)
			}
		})
		t.Run("wrong guesses kill them all", func(t *testing.T) {
			w.clock.advance(time.Hour)
			c := apptest.NewClient(t, w.srv)
			first := requestCodeFlowOnly(t, w, c, who)
			second := requestCodeFlowOnly(t, w, c, who)
			for range 5 {
				if res := c.PostForm("/signin/code", url.Values{"code": {"2222-2222"}}); res.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("wrong guess = %d", res.StatusCode)
				}
			}
			for _, code := range []string{first, second} {
				if res := c.PostForm("/signin/code", url.Values{"code": {code}}); res.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("a code after five wrong guesses = %d, want 422", res.StatusCode)
				}
			}
		})
	})
}
