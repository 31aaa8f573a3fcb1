package web

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/gofiber/fiber/v2"
)

// Locals keys.
const (
	localRequestID  = "request_id"
	localPerson     = "person"
	localCSRF       = "csrf"
	localAuth       = "auth"
	localEnrollment = "enrollment"
)

// HeaderRequestID carries the request id both ways.
const HeaderRequestID = "X-Request-ID"

// requestID tags each request with an id for logs and error pages. An id
// from the client (or fly's proxy) is kept when it looks like one, so a
// request can be followed across hops; anything else is replaced.
func requestID(c *fiber.Ctx) error {
	setRequestID(c)
	return c.Next()
}

// setRequestID gives c its id unless it has one: the middleware calls it,
// and so does the error handler for the errors Fiber raises before any
// middleware runs (body or headers too large), whose pages must still
// carry a reference.
func setRequestID(c *fiber.Ctx) {
	if RequestID(c) != "" {
		return
	}
	id := c.Get(HeaderRequestID)
	if !validRequestID(id) {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Locals(localRequestID, id)
	c.Set(HeaderRequestID, id)
}

func validRequestID(id string) bool {
	if len(id) < 8 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// RequestID is the current request's id.
func RequestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}
