// Package auth signs people in and out: by the organization's OpenID
// Connect provider (via goth, with the ID token verified here), by a code
// sent by email, and — in development only — as a demo person. Admins who
// sign in by email code also confirm a TOTP second factor.
package auth

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	cmail "cohort/app/mail"
	"cohort/app/web"
)

type handlers struct {
	s      *web.Server
	outbox *cmail.Outbox
	oidc   *oidcClient // nil when SSO is not configured
	sealer sealer
}

// Register adds the sign-in, sign-out and second-factor routes.
func Register(s *web.Server, outbox *cmail.Outbox) {
	cfg := s.Config()
	h := &handlers{s: s, outbox: outbox, sealer: newSealer(cfg.SecretKey)}
	r := s.Router()
	r.Get("/signin", h.signInPage)
	if cfg.EmailLogin {
		r.Post("/signin/email", h.requestCode)
		r.Get("/signin/code", h.codePage)
		r.Post("/signin/code", h.verifyCode)
	}
	if cfg.OIDCEnabled() {
		h.oidc = newOIDCClient(cfg)
		// Once, at start-up: what decides roles, so an operator can check
		// the groups were read as meant (names only, nothing personal).
		s.Log().Info("sso roles from groups", "groups_claim", cfg.GroupsClaim,
			"staff_groups", cfg.StaffGroups, "admin_groups", cfg.AdminGroups, "scopes", strings.Join(cfg.OIDCScopes, " "))
		r.Get("/auth/oidc/login", h.oidcLogin)
		r.Get("/auth/oidc/callback", h.oidcCallback)
	}
	if *cfg.DevLogin {
		r.Post("/dev/login", h.devLogin)
	}
	r.Post("/logout", h.logout)
	r.Get("/account/mfa", h.mfaPage)
	r.Post("/account/mfa/setup", h.mfaSetup)
	r.Post("/account/mfa/verify", h.mfaVerify)
}

// signInPage offers every configured way in.
func (h *handlers) signInPage(c *fiber.Ctx) error {
	if web.CurrentPerson(c) != nil {
		return c.Redirect(after(c.Query("next")), fiber.StatusSeeOther)
	}
	return h.renderSignIn(c, web.NewForm(nil), fiber.StatusOK)
}

func (h *handlers) renderSignIn(c *fiber.Ctx, form *web.Form, status int) error {
	cfg := h.s.Config()
	c.Status(status)
	return h.s.Render(c, "pages/signin", "", fiber.Map{
		"Title": "Sign in", "Nav": "signin", "Form": form,
		"OIDC": cfg.OIDCEnabled(), "OIDCName": cfg.OIDCName, "EmailLogin": cfg.EmailLogin,
		// Where the person was going, kept through whichever way they sign in.
		"Next": SafeNext(c.FormValue("next")), // the query string or a re-rendered form
	})
}

// logout ends our session and, for an SSO session whose provider offers
// it, the provider's session too (RP-initiated logout).
//
// The provider is reached by a page that navigates there, not by a
// redirect: the sign-out form's CSP (form-action 'self') also governs the
// redirects answering it, so a browser refuses a redirect to the provider
// and the provider session survives — the next "Sign in" would sign the
// same person straight back in. A meta refresh (and the link beside it, for
// the rare browser that ignores it) is a new navigation, works without
// JavaScript, and leaves the CSP strict.
func (h *handlers) logout(c *fiber.Ctx) error {
	endSession := ""
	if h.oidc != nil && web.CurrentAuth(c).Method == web.MethodOIDC {
		idToken, err := h.s.Flow(c, flowIDToken)
		if err != nil {
			return err
		}
		if u, ok := h.oidc.endSessionURL(c.UserContext(), idToken, h.s.Config().BaseURL+"/"); ok {
			endSession = u
		}
	}
	if err := h.s.SignOut(c); err != nil {
		return err
	}
	if endSession == "" {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	// The URL carries the ID token as a hint: keep the page out of caches.
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.s.Render(c, "pages/signout", "", fiber.Map{
		"Title": "Signing you out", "NavigateTo": endSession, "ProviderName": h.s.Config().OIDCName,
	})
}
