package web

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/config"
)

// Fiber's BodyLimit is one limit for every request, checked before any
// route is known. BODY_LIMIT (1 MiB) is right for forms and JSON but would
// refuse a 4 MB file on a step that accepts 5 MB, with a bare page and the
// step's other answers lost. So the server-wide limit is hardBodyLimit,
// and limitBody holds every body that is not a multipart form to
// BODY_LIMIT. A multipart body may be larger: its files are checked
// against their field's limit by the handler, which keeps the other answers
// and shows the field's own message. Files up to twice MAX_UPLOAD_SIZE get
// that message; beyond, the request is refused before routing (413).

// hardBodyLimit is the largest body the server reads at all.
func hardBodyLimit(cfg *config.Config) int {
	return 2*cfg.MaxUploadSize + cfg.BodyLimit
}

// limitBody refuses a body over BODY_LIMIT unless it is a multipart form.
func (s *Server) limitBody(c *fiber.Ctx) error {
	if len(c.Request().Body()) <= s.cfg.BodyLimit {
		return c.Next()
	}
	ctype := strings.ToLower(c.Get(fiber.HeaderContentType))
	if strings.HasPrefix(ctype, fiber.MIMEMultipartForm) {
		return c.Next()
	}
	return apperr.New(apperr.TooLarge, fmt.Sprintf("What you sent is too large: the limit is %d KB.", s.cfg.BodyLimit>>10))
}
