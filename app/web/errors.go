package web

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
)

var errorTitles = map[apperr.Code]string{
	apperr.Invalid:         "That did not work",
	apperr.Unauthorized:    "Please sign in",
	apperr.Forbidden:       "Not allowed",
	apperr.NotFound:        "Page not found",
	apperr.Conflict:        "Already exists",
	apperr.TooLarge:        "Too large",
	apperr.BadRequest:      "That did not work",
	apperr.URITooLong:      "Address too long",
	apperr.HeadersTooLarge: "Request too large",
	apperr.RateLimited:     "Slow down",
	apperr.Unavailable:     "Temporarily unavailable",
	apperr.Internal:        "Something went wrong",
}

// handleError is the one place errors become responses: the code decides the
// status, the user sees only the safe message and the request id, and
// anything internal goes to the log.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	// Errors Fiber raises before routing (413, 431, 414) reach here without
	// any middleware having run: no request id, no security headers.
	setRequestID(c)
	s.setSecurityHeaders(c)
	var fe *fiber.Error
	var already *apperr.Error
	if errors.As(err, &fe) && !errors.As(err, &already) {
		// The router's own errors (404, 405, 413 body too large) carry only a
		// status; give them our code and default message.
		err = apperr.Wrap(err, apperr.FromStatus(fe.Code), "")
	}
	ae := apperr.From(err)
	if ae.Code == apperr.Internal && errors.Is(c.UserContext().Err(), context.DeadlineExceeded) {
		// Whatever failed, it failed because the request ran out of time
		// (drivers do not all say so in their errors).
		ae = apperr.Wrap(err, apperr.Unavailable, "")
	}
	status := ae.Status()
	if status >= 500 {
		s.log.Error("request failed", "request_id", RequestID(c), "path", c.Path(), "err", err)
	}
	c.Status(status)
	if status == fiber.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, retryAfterSeconds)
	}
	if wantsJSON(c) {
		body := fiber.Map{"code": ae.Code, "message": ae.Message, "request_id": RequestID(c)}
		if ae.Param != "" {
			body["param"] = ae.Param
		}
		return c.JSON(fiber.Map{"error": body})
	}
	data := fiber.Map{"Error": ae, "ErrorTitle": errorTitles[ae.Code], "Title": errorTitles[ae.Code]}
	if IsHTMX(c) {
		// htmx swaps error responses (see htmx-config) into the flash region,
		// leaving the rest of the page as it was.
		c.Set("HX-Retarget", "#flash")
		c.Set("HX-Reswap", "innerHTML")
	}
	if rerr := s.Render(c, "pages/error", "partials/error", data); rerr != nil {
		s.log.Error("rendering error page", "request_id", RequestID(c), "err", rerr)
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.SendString(ae.Message + " (reference " + RequestID(c) + ")")
	}
	return nil
}

// retryAfterSeconds is what a 503 asks clients to wait: long enough for a
// database failover or restart, short enough that a person retrying by hand
// is not turned away for long.
const retryAfterSeconds = "30"

// wantsJSON is true for the API and for clients that ask for JSON only.
func wantsJSON(c *fiber.Ctx) bool {
	if strings.HasPrefix(c.Path(), "/api/") {
		return true
	}
	accept := c.Get(fiber.HeaderAccept)
	return strings.HasPrefix(accept, fiber.MIMEApplicationJSON)
}
