package web

import (
	"context"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
)

// contentSecurityPolicy allows only our own scripts, styles and images: no
// inline script, no eval (htmx is configured with allowEval:false), no
// framing, and forms post only to us.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	s.setSecurityHeaders(c)
	return c.Next()
}

// setSecurityHeaders is securityHeaders without the chain, for the error
// handler to use on errors raised before any middleware ran.
func (s *Server) setSecurityHeaders(c *fiber.Ctx) {
	h := &c.Response().Header
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// no-referrer would break the CSRF origin check on browsers that send
	// no Origin; strict-origin-when-cross-origin leaks only the origin.
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if s.cfg.SecureCookies() {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

// noStore keeps every page Cohort renders out of browser and proxy caches.
// Pages show a signed-in person's answers, notes and names, and every page
// carries the browser's CSRF token; without this, Back after "Sign out"
// showed a participant's answers again. It runs after the static files and
// health checks, which set their own caching, and before the handler, which
// may still choose otherwise.
func noStore(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

// deadline gives the request's work, its database queries above all, at
// most DB_REQUEST_TIMEOUT: when the database hangs (a lock held, a frozen
// server) the request ends in a 503 instead of waiting as long as the
// database does. Work that must outlive a request (a CSV export's stream,
// a job run from the admin page) sets its own deadline.
func (s *Server) deadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.DBRequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// recoverer turns a panic into a logged 500 with the request id, instead of
// a dropped connection.
func (s *Server) recoverer(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic", "request_id", RequestID(c), "panic", r, "stack", string(debug.Stack()))
			err = apperr.New(apperr.Internal, "")
		}
	}()
	return c.Next()
}

// accessLog writes one structured line per request. It logs the path, never
// the query string, which can carry emails and search terms.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Let the error handler set the status before we read it.
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	path := c.Path()
	if strings.HasPrefix(path, "/static/") || path == "/healthz" || path == "/readyz" {
		level = slog.LevelDebug
	}
	s.log.LogAttrs(c.UserContext(), level, "request",
		slog.String("method", c.Method()),
		slog.String("path", path),
		slog.Int("status", status),
		slog.Float64("ms", float64(time.Since(start).Microseconds())/1000),
		slog.Int("bytes", len(c.Response().Body())),
		slog.String("ip", c.IP()),
		slog.String("request_id", RequestID(c)),
		slog.Bool("htmx", IsHTMX(c)),
	)
	return nil
}
