package auth_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/features"
	"cohort/db"
	"cohort/db/dbtest"
)

// TestSignInKeepsNext: "Sign in to enroll" comes back to the program page
// through every way of signing in; a destination off the site is dropped.
func TestSignInKeepsNext(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		p := startProvider(t)
		vars := ssoConfig(p)
		vars["SELF_REGISTRATION"] = "true"
		w := newMailWorld(t, s, vars)
		const next = "/programs/" + demo.ProgramSlug
		program := apptest.NewClient(t, w.srv).Get(next)
		if !strings.Contains(program.Body, `href="/signin?next=`+next+`"`) {
			t.Fatalf("program page does not link to sign-in with next: %s", program.Body)
		}
		page := apptest.NewClient(t, w.srv).Get("/signin?next=" + url.QueryEscape(next))
		for _, want := range []string{`name="next" value="` + next + `"`, `/auth/oidc/login?next=%2fprograms%2f` + demo.ProgramSlug} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("sign-in page lacks %q: %s", want, page.Body)
			}
		}
		tests := []struct {
			name, next, want string
			signIn           func(c *apptest.Client, next string) *apptest.Response
		}{
			{"email code", next, next, func(c *apptest.Client, next string) *apptest.Response {
				c.Get("/signin?next=" + url.QueryEscape(next))
				c.PostForm("/signin/email", url.Values{"email": {demo.MemberEmail}, "next": {next}})
				codes := w.codesFor(t, demo.MemberEmail)
				return c.PostForm("/signin/code", url.Values{"code": {codes[len(codes)-1]}})
			}},
			{"email code, off-site next", "//evil.example/x", "/", func(c *apptest.Client, next string) *apptest.Response {
				c.Get("/signin")
				c.PostForm("/signin/email", url.Values{"email": {demo.MemberEmail}, "next": {next}})
				codes := w.codesFor(t, demo.MemberEmail)
				return c.PostForm("/signin/code", url.Values{"code": {codes[len(codes)-1]}})
			}},
			{"dev sign-in", next, next, func(c *apptest.Client, next string) *apptest.Response {
				c.Get("/signin")
				return c.PostForm("/dev/login", url.Values{"email": {demo.MemberEmail}, "next": {next}})
			}},
			{"dev sign-in, absolute next", "https://evil.example/", "/", func(c *apptest.Client, next string) *apptest.Response {
				c.Get("/signin")
				return c.PostForm("/dev/login", url.Values{"email": {demo.MemberEmail}, "next": {next}})
			}},
			{"SSO", next, next, func(c *apptest.Client, next string) *apptest.Response {
				return ssoSignInFrom(t, c, p, ssoUser{sub: "n-1", email: "sso.member@example.org", name: "Sso Member", claim: groupsClaim},
					"/auth/oidc/login?next="+url.QueryEscape(next))
			}},
			{"SSO, scheme-relative next", `/\evil.example`, "/", func(c *apptest.Client, next string) *apptest.Response {
				return ssoSignInFrom(t, c, p, ssoUser{sub: "n-1", email: "sso.member@example.org", name: "Sso Member", claim: groupsClaim},
					"/auth/oidc/login?next="+url.QueryEscape(next))
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := tt.signIn(apptest.NewClient(t, w.srv), tt.next)
				if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tt.want {
					t.Fatalf("after sign-in = %d %q, want %q", res.StatusCode, res.Header.Get("Location"), tt.want)
				}
			})
		}
	})
}

// TestSelfRegistrationFlag: with the program's "Self-registration by
// email" switch off, a brand-new address can sign up (SELF_REGISTRATION)
// but cannot enroll in that program; with it on, it can. No name is made
// up from the address. SSO vouches for the account afterwards.
func TestSelfRegistrationFlag(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		p := startProvider(t)
		vars := ssoConfig(p)
		vars["SELF_REGISTRATION"] = "true"
		w := newMailWorld(t, s, vars)
		open := &db.Program{Slug: "open-door", Name: "Open door", Kind: "mentoring", FormKey: "mentoring",
			Settings: db.ProgramSettings{Flags: map[string]bool{features.SelfRegistration: true}}}
		closed := &db.Program{Slug: "closed-door", Name: "Closed door", Kind: "mentoring", FormKey: "mentoring",
			Settings: db.ProgramSettings{Flags: map[string]bool{}}}
		for _, pr := range []*db.Program{open, closed} {
			if err := s.CreateProgram(t.Context(), pr); err != nil {
				t.Fatal(err)
			}
		}
		const email = "new.person.87488@example.org"
		c := apptest.NewClient(t, w.srv)
		code := requestCodeFlowOnly(t, w, c, email)
		if res := c.PostForm("/signin/code", url.Values{"code": {code}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("verify = %d", res.StatusCode)
		}
		person, err := s.PersonByEmail(t.Context(), email)
		if err != nil || person.Name != "" || !person.SelfRegistered {
			t.Fatalf("self-registered person = %+v, %v", person, err)
		}
		if page := c.Get("/programs/closed-door"); !strings.Contains(page.Body, `id="no-self-registration"`) ||
			strings.Contains(page.Body, "/programs/closed-door/enroll") {
			t.Fatalf("the closed program offers enrollment to a self-registered account: %s", page.Body)
		}
		if res := c.PostForm("/programs/closed-door/enroll", nil); res.StatusCode != http.StatusForbidden {
			t.Fatalf("enroll with the flag off = %d, want 403", res.StatusCode)
		}
		c.Get("/programs/open-door")
		res := c.PostForm("/programs/open-door/enroll", nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("enroll with the flag on = %d", res.StatusCode)
		}
		if step := c.Get(res.Header.Get("Location") + "/steps/about"); !strings.Contains(step.Body, `name="full_name"`) || strings.Contains(step.Body, `value="new.person.87488"`) {
			t.Fatal("full name prefilled from the email address")
		}
		// Someone the organization knows (SSO with the same address) is
		// no longer held back.
		sso := apptest.NewClient(t, w.srv)
		ssoSignIn(t, sso, p, ssoUser{sub: "np-1", email: email, name: "New Person", claim: groupsClaim})
		sso.Get("/programs/closed-door")
		if res := sso.PostForm("/programs/closed-door/enroll", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("enroll after SSO = %d", res.StatusCode)
		}
	})
}
