package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cohort/app/apptest"
	"cohort/app/auth"
	"cohort/app/demo"
	"cohort/app/mail"
	"cohort/app/mail/smtptest"
	"cohort/app/web"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// clock is a settable time for the store (codes, rate limits, sessions).
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// mailWorld is an app whose mail goes through a real SMTP conversation with
// an in-process server.
type mailWorld struct {
	store *db.Store
	srv   *web.Server
	smtp  *smtptest.Server
	disp  *mail.Dispatcher
	clock *clock
}

func newMailWorld(t *testing.T, s *db.Store, overrides map[string]string) *mailWorld {
	t.Helper()
	if _, err := demo.Seed(context.Background(), s, demo.Options{Participants: 3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	s.Now = clk.now
	smtp := smtptest.Start(t, smtptest.Options{})
	vars := map[string]string{
		"SMTP_HOST": smtp.Host(), "SMTP_PORT": fmt.Sprint(smtp.Port()), "SMTP_TLS": "none",
		"MAIL_FROM": "Cohort <cohort@example.org>", "SELF_REGISTRATION": "false",
	}
	for k, v := range overrides {
		vars[k] = v
	}
	cfg := apptest.Config(t, vars)
	sender, err := mail.NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &mailWorld{
		store: s, srv: apptest.New(t, s, vars), smtp: smtp, clock: clk,
		disp: mail.NewDispatcher(cfg, s, sender, apptest.Logger()),
	}
}

var codeRe = regexp.MustCompile(`code is ([2-9A-Z]{4}-[2-9A-Z]{4})`)

// deliver runs the dispatcher and returns the codes mailed to addr so far.
func (w *mailWorld) codesFor(t *testing.T, addr string) []string {
	t.Helper()
	if _, err := w.disp.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, m := range w.smtp.Messages() {
		if len(m.To) == 1 && m.To[0] == addr {
			if c := codeRe.FindStringSubmatch(m.Data); c != nil {
				codes = append(codes, c[1])
			}
		}
	}
	return codes
}

func requestCode(t *testing.T, c *apptest.Client, email string) *apptest.Response {
	t.Helper()
	if c.CSRF == "" {
		c.Get("/signin")
	}
	return c.PostForm("/signin/email", url.Values{"email": {email}})
}

func TestEmailCodeSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newMailWorld(t, s, nil)
		c := apptest.NewClient(t, w.srv)
		res := requestCode(t, c, "Member@Example.com")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin/code" {
			t.Fatalf("request code = %d %s: %s", res.StatusCode, res.Header.Get("Location"), res.Body)
		}
		codes := w.codesFor(t, "member@example.com")
		if len(codes) != 1 {
			t.Fatalf("mailed codes = %v, want one (SMTP got %d messages)", codes, len(w.smtp.Messages()))
		}
		page := c.Get("/signin/code")
		if !strings.Contains(page.Body, "member@example.com") {
			t.Fatal("code page does not say where the code went")
		}
		// Typed in lower case with a space: still the code.
		res = c.PostForm("/signin/code", url.Values{"code": {strings.ToLower(strings.Replace(codes[0], "-", " ", 1))}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Fatalf("verify = %d %s: %s", res.StatusCode, res.Header.Get("Location"), res.Body)
		}
		if !strings.Contains(c.Get("/").Body, "Welcome, Mel Member") {
			t.Fatal("not signed in after a correct code")
		}
		// The code is not stored in clear.
		var stored int
		_ = s.DB().NewRaw("SELECT COUNT(*) FROM login_codes WHERE code_hash LIKE ?", "%"+strings.ReplaceAll(codes[0], "-", "")+"%").Scan(t.Context(), &stored)
		if stored != 0 {
			t.Fatal("login code stored in clear")
		}
		// Single use: after signing out the same code does not work again.
		c.PostForm("/logout", nil)
		requestCodeFlowOnly(t, w, c, "member@example.com")
		res = c.PostForm("/signin/code", url.Values{"code": {codes[0]}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "not valid or has expired") {
			t.Fatalf("reused code = %d", res.StatusCode)
		}
	})
}

// requestCodeFlowOnly asks for a new code (so the browser is on the code
// page) and returns it.
func requestCodeFlowOnly(t *testing.T, w *mailWorld, c *apptest.Client, email string) string {
	t.Helper()
	c.Get("/signin")
	before := len(w.codesFor(t, email))
	if res := requestCode(t, c, email); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("request code = %d: %s", res.StatusCode, res.Body)
	}
	codes := w.codesFor(t, email)
	if len(codes) != before+1 {
		t.Fatalf("expected a new code, have %d (was %d)", len(codes), before)
	}
	c.Get("/signin/code")
	return codes[len(codes)-1]
}

func TestEmailCodeExpiryAttemptsAndValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newMailWorld(t, s, nil)
		t.Run("expired", func(t *testing.T) {
			c := apptest.NewClient(t, w.srv)
			code := requestCodeFlowOnly(t, w, c, "member@example.com")
			w.clock.advance(10*time.Minute + time.Second)
			if res := c.PostForm("/signin/code", url.Values{"code": {code}}); res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("expired code = %d, want 422", res.StatusCode)
			}
		})
		t.Run("attempt limit", func(t *testing.T) {
			w.clock.advance(time.Hour) // fresh rate-limit window
			c := apptest.NewClient(t, w.srv)
			code := requestCodeFlowOnly(t, w, c, "member@example.com")
			for i := range 5 {
				res := c.PostForm("/signin/code", url.Values{"code": {"2222-2222"}})
				if res.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("wrong guess %d = %d", i, res.StatusCode)
				}
				if !strings.Contains(res.Body, `aria-invalid="true"`) || !strings.Contains(res.Body, "error-summary") {
					t.Fatal("error not shown beside the field and in the summary")
				}
			}
			if res := c.PostForm("/signin/code", url.Values{"code": {code}}); res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("right code after the attempts ran out = %d, want 422", res.StatusCode)
			}
		})
		t.Run("bad email is explained beside the field", func(t *testing.T) {
			c := apptest.NewClient(t, w.srv)
			res := requestCode(t, c, "not an email")
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Enter an email address like name@example.com.") ||
				!strings.Contains(res.Body, `value="not an email"`) {
				t.Fatalf("bad email = %d", res.StatusCode)
			}
		})
		t.Run("code page without a request goes back to sign-in", func(t *testing.T) {
			c := apptest.NewClient(t, w.srv)
			if res := c.Get("/signin/code"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
				t.Fatalf("= %d %s", res.StatusCode, res.Header.Get("Location"))
			}
		})
	})
}

func TestEmailCodeRateLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newMailWorld(t, s, map[string]string{"RATE_LIMIT_PER_EMAIL": "3", "RATE_LIMIT_PER_IP": "5"})
		c := apptest.NewClient(t, w.srv)
		for i := range 3 {
			if res := requestCode(t, c, "member@example.com"); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("request %d = %d", i, res.StatusCode)
			}
		}
		if res := requestCode(t, c, "member@example.com"); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("4th request for one address = %d, want 429", res.StatusCode)
		}
		// Other addresses from the same IP: the IP allowance (5) ends it.
		if res := requestCode(t, c, "staff@example.com"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("other address = %d", res.StatusCode)
		}
		if res := requestCode(t, c, "admin@example.com"); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("6th request from one IP = %d, want 429", res.StatusCode)
		}
		// The limits are in the database: a second instance sees them.
		other := apptest.NewClient(t, apptest.New(t, s, map[string]string{"RATE_LIMIT_PER_EMAIL": "3", "SMTP_TLS": "none"}))
		if res := requestCode(t, other, "member@example.com"); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("second instance = %d, want 429", res.StatusCode)
		}
		w.clock.advance(16 * time.Minute)
		if res := requestCode(t, c, "member@example.com"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("after the window = %d", res.StatusCode)
		}
	})
}

// A known and an unknown address get the same answers, and the request does
// the same database work for both; only the known one receives mail.
func TestEmailCodeNoEnumeration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newMailWorld(t, s, nil)
		type seen struct {
			status   int
			location string
			page     string
		}
		try := func(email string) seen {
			c := apptest.NewClient(t, w.srv)
			res := requestCode(t, c, email)
			page := c.Get("/signin/code")
			return seen{res.StatusCode, res.Header.Get("Location"), strings.ReplaceAll(page.Body, email, "EMAIL")}
		}
		known, unknown := try("member@example.com"), try("nobody@example.com")
		// Request ids and tokens differ per request; blank them.
		blank := regexp.MustCompile(`[A-Za-z0-9_-]{24,}`)
		known.page, unknown.page = blank.ReplaceAllString(known.page, "X"), blank.ReplaceAllString(unknown.page, "X")
		if known != unknown {
			t.Fatalf("known and unknown addresses are answered differently:\n%+v\n%+v", known, unknown)
		}
		for _, email := range []string{"member@example.com", "nobody@example.com"} {
			var codes, queued int
			_ = s.DB().NewRaw("SELECT COUNT(*) FROM login_codes WHERE email = ?", email).Scan(t.Context(), &codes)
			_ = s.DB().NewRaw("SELECT COUNT(*) FROM mail_outbox WHERE to_addr = ?", email).Scan(t.Context(), &queued)
			if codes != 1 || queued != 1 {
				t.Errorf("%s: %d codes, %d outbox rows; want the same work for every address", email, codes, queued)
			}
		}
		if got := w.codesFor(t, "nobody@example.com"); len(got) != 0 {
			t.Fatal("a code was mailed to an address without an account")
		}
		if got := w.codesFor(t, "member@example.com"); len(got) != 1 {
			t.Fatalf("member got %d codes", len(got))
		}
	})
}

func TestEmailCodeSelfRegistration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newMailWorld(t, s, map[string]string{"SELF_REGISTRATION": "true"})
		c := apptest.NewClient(t, w.srv)
		code := requestCodeFlowOnly(t, w, c, "new.person@example.org")
		if res := c.PostForm("/signin/code", url.Values{"code": {code}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("verify = %d: %s", res.StatusCode, res.Body)
		}
		p, err := s.PersonByEmail(t.Context(), "new.person@example.org")
		if err != nil || p.Role != db.RoleMember {
			t.Fatalf("self-registered person = %+v, %v", p, err)
		}
	})
}

func TestAdminTOTPAndRecoveryCodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newMailWorld(t, s, nil)
		signIn := func() *apptest.Client {
			c := apptest.NewClient(t, w.srv)
			code := requestCodeFlowOnly(t, w, c, "admin@example.com")
			res := c.PostForm("/signin/code", url.Values{"code": {code}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/mfa" {
				t.Fatalf("admin email sign-in = %d %s, want the second-factor page", res.StatusCode, res.Header.Get("Location"))
			}
			return c
		}
		c := signIn()
		if res := c.Get("/admin/people"); res.StatusCode == http.StatusOK {
			t.Fatal("admin pages open to an email-code admin without a second factor")
		}
		setup := c.Get("/account/mfa")
		m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(setup.Body)
		if m == nil {
			t.Fatalf("set-up page shows no secret: %s", setup.Body)
		}
		secret := m[1]
		if res := c.PostForm("/account/mfa/setup", url.Values{"code": {"000000"}}); res.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(res.Body, secret) {
			t.Fatalf("wrong first code = %d (the same secret must stay on the page)", res.StatusCode)
		}
		now, _ := auth.TOTPCode(secret, w.clock.now())
		res := c.PostForm("/account/mfa/setup", url.Values{"code": {now}})
		recovery := regexp.MustCompile(`<code>([2-9A-Z]{5}-[2-9A-Z]{5})</code>`).FindAllStringSubmatch(res.Body, -1)
		if res.StatusCode != 200 || len(recovery) != auth.RecoveryCodeCount {
			t.Fatalf("set-up confirm = %d with %d recovery codes", res.StatusCode, len(recovery))
		}
		if r := c.Get("/admin/people"); r.StatusCode != http.StatusOK {
			t.Fatalf("admin after second factor = %d", r.StatusCode)
		}

		// Next sign-in asks for a code; a recovery code works once.
		w.clock.advance(time.Hour)
		c2 := signIn()
		if page := c2.Get("/account/mfa"); !strings.Contains(page.Body, "Confirm it") {
			t.Fatal("second sign-in does not ask for the authenticator code")
		}
		if r := c2.PostForm("/account/mfa/verify", url.Values{"code": {"123456"}}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong TOTP = %d", r.StatusCode)
		}
		if r := c2.PostForm("/account/mfa/verify", url.Values{"code": {recovery[0][1]}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("recovery code = %d: %s", r.StatusCode, r.Body)
		}
		if r := c2.Get("/admin/people"); r.StatusCode != http.StatusOK {
			t.Fatalf("admin after recovery code = %d", r.StatusCode)
		}
		w.clock.advance(time.Hour)
		c3 := signIn()
		c3.Get("/account/mfa")
		if r := c3.PostForm("/account/mfa/verify", url.Values{"code": {recovery[0][1]}}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("reused recovery code = %d, want 422", r.StatusCode)
		}
		current, _ := auth.TOTPCode(secret, w.clock.now())
		if r := c3.PostForm("/account/mfa/verify", url.Values{"code": {current}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("current TOTP = %d", r.StatusCode)
		}
	})
}
