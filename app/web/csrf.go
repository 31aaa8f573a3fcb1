package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
)

// CSRF protection is a signed double-submit token: the browser holds a random
// nonce in an HttpOnly cookie, and every form and htmx request carries
// HMAC(SECRET_KEY, nonce). A cross-site page can neither read the cookie nor
// forge the HMAC. On top of that, a request that names its origin (Origin,
// or else Referer) must come from BASE_URL or from the host it was sent to,
// which also holds behind fly's proxy.

// CSRFField and CSRFHeader are where the token travels.
const (
	CSRFField  = "_csrf"
	CSRFHeader = "X-CSRF-Token"
)

var errCSRF = apperr.New(apperr.Forbidden, "This form has expired or came from another site. Reload the page and try again.")

func (s *Server) csrfCookieName() string {
	if s.cfg.SecureCookies() {
		return "__Host-cohort_csrf"
	}
	return "cohort_csrf"
}

func (s *Server) csrfToken(nonce string) string {
	m := hmac.New(sha256.New, []byte(s.cfg.SecretKey))
	m.Write([]byte("csrf:" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrf checks unsafe methods and makes the token available to templates.
func (s *Server) csrf(c *fiber.Ctx) error {
	if bearerWithoutCookies(c) {
		return c.Next() // no cookie, nothing to forge; see bearerWithoutCookies
	}
	nonce := c.Cookies(s.csrfCookieName())
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
	default:
		if !s.sameOrigin(c) || nonce == "" {
			return errCSRF
		}
		sent := c.Get(CSRFHeader)
		if sent == "" {
			sent = c.FormValue(CSRFField)
		}
		want := s.csrfToken(nonce)
		if subtle.ConstantTimeCompare([]byte(sent), []byte(want)) != 1 {
			return errCSRF
		}
	}
	if nonce == "" {
		nonce = s.setCSRFNonce(c)
	}
	c.Locals(localCSRF, s.csrfToken(nonce))
	return c.Next()
}

// setCSRFNonce issues a fresh nonce (first visit, and at sign-in and
// sign-out so a token seen before authentication is worthless after).
func (s *Server) setCSRFNonce(c *fiber.Ctx) string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	nonce := base64.RawURLEncoding.EncodeToString(b[:])
	c.Cookie(&fiber.Cookie{
		Name:     s.csrfCookieName(),
		Value:    nonce,
		Path:     "/",
		Secure:   s.cfg.SecureCookies(),
		HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode,
		Expires:  time.Now().Add(s.cfg.SessionAbsoluteTimeout),
	})
	c.Locals(localCSRF, s.csrfToken(nonce))
	return nonce
}

// sameOrigin accepts a request whose Origin (or Referer) is BASE_URL's
// origin or the origin the request was addressed to. A request naming
// neither is accepted only over plain HTTP (development, tests): browsers
// always send one of them with a form post over HTTPS.
func (s *Server) sameOrigin(c *fiber.Ctx) bool {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" || origin == "null" {
		if ref := c.Get(fiber.HeaderReferer); ref != "" {
			if u, err := url.Parse(ref); err == nil {
				origin = u.Scheme + "://" + u.Host
			}
		}
	}
	if origin == "" || origin == "null" {
		return c.Protocol() != "https"
	}
	origin = strings.ToLower(origin)
	if origin == strings.ToLower(s.baseOrigin) {
		return true
	}
	return origin == strings.ToLower(c.Protocol()+"://"+c.Hostname())
}

// CSRFToken is the token for forms (hidden field) and htmx (header).
func CSRFToken(c *fiber.Ctx) string {
	t, _ := c.Locals(localCSRF).(string)
	return t
}
