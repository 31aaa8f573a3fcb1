package web

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"cohort/app/apperr"
)

// serverError replaces Fiber's handler for the errors fasthttp meets while
// reading a request, before routing and middleware. Fiber turns every
// "small read buffer" into 431 and anything it does not know into 400,
// which our error mapping then showed as 422; here an over-long request
// line becomes 414 and over-large headers 431, and the page goes through
// handleError, which adds the request id and the security headers.
func (s *Server) serverError(fctx *fasthttp.RequestCtx, err error) {
	c := s.app.AcquireCtx(fctx)
	defer s.app.ReleaseCtx(c)
	ferr := classifyServerError(err)
	var shown error = ferr
	if ferr.Code == fiber.StatusRequestEntityTooLarge {
		// Past the server-wide limit: almost always a file far too big.
		shown = apperr.Wrap(ferr, apperr.TooLarge, fmt.Sprintf(
			"What you sent is too large: a file may be at most %s. Go back and choose a smaller one.",
			SizeLabel(int64(s.cfg.MaxUploadSize))))
	}
	if herr := s.handleError(c, shown); herr != nil {
		_ = c.SendStatus(fiber.StatusInternalServerError)
	}
	s.log.Warn("request refused before routing", "status", c.Response().StatusCode(),
		"request_id", RequestID(c), "ip", c.IP(), "reason", ferr.Message)
}

// classifyServerError maps a fasthttp read error to the status it deserves.
func classifyServerError(err error) *fiber.Error {
	var small *fasthttp.ErrSmallBuffer
	var netErr interface{ Timeout() bool }
	switch {
	case errors.As(err, &small):
		if requestLineOverflowed(err.Error()) {
			return fiber.NewError(fiber.StatusRequestURITooLong, "request line longer than the read buffer")
		}
		return fiber.NewError(fiber.StatusRequestHeaderFieldsTooLarge, "headers larger than the read buffer")
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, "body larger than the server's hard limit")
	case errors.As(err, &netErr) && netErr.Timeout(), strings.Contains(err.Error(), "timeout"):
		return fiber.NewError(fiber.StatusRequestTimeout, "timed out reading the request")
	case errors.Is(err, fasthttp.ErrGetOnly):
		return fiber.NewError(fiber.StatusMethodNotAllowed, "method not allowed")
	}
	return fiber.NewError(fiber.StatusBadRequest, "malformed request")
}

// requestLineOverflowed tells, from fasthttp's "small read buffer" error,
// whether the request line itself did not fit. The error quotes the first
// and last 200 bytes of the buffer; when neither holds a line break, the
// buffer was all request line (a huge query string), not headers.
func requestLineOverflowed(msg string) bool {
	_, contents, ok := strings.Cut(msg, "contents: ")
	if !ok {
		return false
	}
	// %q renders a line feed as the two characters \n.
	return !strings.Contains(contents, `\n`)
}

// SizeLabel renders a byte count for people: "10 MB", "1.5 MB", "512 KB"
// (a limit under a megabyte is not "0 MB").
func SizeLabel(n int64) string {
	switch {
	case n < 1<<20:
		return fmt.Sprintf("%d KB", n>>10)
	case n%(1<<20) != 0:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d MB", n>>20)
}
