package web

import (
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// warnEvery bounds how often each deployment warning is logged: often
// enough to be found in the log of a misconfigured instance, rarely enough
// not to flood it.
const warnEvery = time.Minute

// deployWarnings notices, from real requests, two deployment mistakes that
// otherwise show only as "This form has expired" on every form and failed
// sign-ins, with nothing in the log:
//
//   - the browser is on plain http (by host name, not localhost) while the
//     cookies are Secure with the __Host- prefix (any APP_ENV but
//     development on http): browsers drop such cookies, so neither the
//     CSRF nonce nor the session survives;
//   - the browser reached a host other than BASE_URL's: sign-in callbacks
//     and mail links go to BASE_URL, where this browser has no cookies.
//
// It judges by Origin or Referer, which say what the browser's address bar
// holds even behind a TLS proxy whose X-Forwarded-Proto is not trusted.
func (s *Server) deployWarnings(c *fiber.Ctx) error {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" || origin == "null" {
		origin = c.Get(fiber.HeaderReferer)
	}
	if origin == "" {
		return c.Next()
	}
	u, err := url.Parse(origin)
	// Only the browser's view of this very site counts: a link from
	// another site says nothing about ours.
	if err != nil || u.Host == "" || !strings.EqualFold(u.Host, c.Hostname()) {
		return c.Next()
	}
	if s.cfg.SecureCookies() && u.Scheme == "http" && !isLoopback(u.Hostname()) &&
		rateOK(&s.warnedPlainHTTP) {
		s.log.Warn("a browser is using plain http, but the cookies need https: browsers drop Secure __Host- cookies on http, "+
			"so every form will answer \"This form has expired\" and sign-in will not complete. Serve Cohort over https "+
			"(behind a TLS proxy, set TRUSTED_PROXIES so X-Forwarded-Proto is believed), or use APP_ENV=development with an http BASE_URL",
			"origin", u.Scheme+"://"+u.Host, "app_env", s.cfg.Env, "base_url", s.cfg.BaseURL)
	}
	if base, err := url.Parse(s.cfg.BaseURL); err == nil && !strings.EqualFold(u.Host, base.Host) &&
		rateOK(&s.warnedHostMismatch) {
		s.log.Warn("a browser reached Cohort at a host other than BASE_URL's: sign-in callbacks and links in mail go to BASE_URL, "+
			"where this browser has no session, so sign-in will not complete. Set BASE_URL to the address people use",
			"host", u.Host, "base_url", s.cfg.BaseURL)
	}
	return c.Next()
}

// rateOK reports whether a warning last logged at *last may be logged
// again now, and if so records now.
func rateOK(last *atomic.Int64) bool {
	now := time.Now().UnixNano()
	prev := last.Load()
	if prev != 0 && now-prev < int64(warnEvery) {
		return false
	}
	return last.CompareAndSwap(prev, now)
}

// isLoopback is true for the hosts browsers treat as secure even over
// plain http (Secure cookies work there).
func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
