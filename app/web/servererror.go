package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
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
	if herr := s.handleError(c, ferr); herr != nil {
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
