package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"cohort/db"
)

// MethodToken is the Auth.Method of a request authenticated by a personal
// API token rather than a session.
const MethodToken = "token"

// SetCurrentPerson makes p the person the request acts for, as the session
// loader does for a signed-in browser. The JSON API calls it after checking
// a bearer token, so permission checks (app/access) see the token's owner
// exactly as they would see the owner's session. Call it before the first
// permission check of the request: access caches what it loads.
func SetCurrentPerson(c *fiber.Ctx, p *db.Person, a Auth) {
	c.Locals(localPerson, p)
	c.Locals(localAuth, a)
}

// BearerToken returns the token of an "Authorization: Bearer …" header, and
// whether the request has an Authorization header at all (a request that
// sends some other scheme, or an empty token, is refused, not treated as
// anonymous).
func BearerToken(c *fiber.Ctx) (token string, present bool) {
	h := strings.TrimSpace(c.Get(fiber.HeaderAuthorization))
	if h == "" {
		return "", false
	}
	scheme, rest, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(rest), true
}

// bearerWithoutCookies is the one exemption from CSRF checks: a request to
// the JSON API that authenticates with a bearer token and carries no cookie
// at all. CSRF abuses credentials a browser attaches by itself; such a
// request has none (a cross-site page cannot set an Authorization header
// without a CORS preflight we never grant), so there is nothing to forge.
// With any cookie present the request is treated like a browser's and
// checked as usual, whatever else it carries.
func bearerWithoutCookies(c *fiber.Ctx) bool {
	if !strings.HasPrefix(c.Path(), "/api/") {
		return false
	}
	if tok, present := BearerToken(c); !present || tok == "" {
		return false
	}
	return len(c.Request().Header.Peek(fiber.HeaderCookie)) == 0
}
