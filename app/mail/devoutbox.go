package mail

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/web"
	"cohort/db"
)

// devOutboxLimit is how many messages the outbox page lists.
const devOutboxLimit = 50

// Register adds the development outbox pages, /dev/outbox and
// /dev/outbox/:id, when DEV_LOGIN is on. Configuration refuses DEV_LOGIN in
// production, so there the routes do not exist (404): the page shows
// sign-in codes to anyone who asks.
func Register(s *web.Server) {
	if !*s.Config().DevLogin {
		return
	}
	r := s.Router()
	r.Get("/dev/outbox", func(c *fiber.Ctx) error {
		msgs, err := s.Store().ListMail(c.UserContext(), db.MailQuery{Limit: devOutboxLimit})
		if err != nil {
			return err
		}
		return s.Render(c, "pages/dev_outbox", "", fiber.Map{
			"Title": "Development outbox", "Messages": msgs, "Limit": devOutboxLimit,
			"SMTP": s.Config().SMTPHost != "",
		})
	})
	r.Get("/dev/outbox/:id", func(c *fiber.Ctx) error {
		id, err := strconv.ParseInt(c.Params("id"), 10, 64)
		if err != nil || id <= 0 {
			return apperr.New(apperr.NotFound, "There is no such message.")
		}
		m, err := s.Store().MailByID(c.UserContext(), id)
		if errors.Is(err, db.ErrNotFound) {
			return apperr.Wrap(err, apperr.NotFound, "There is no such message.")
		}
		if err != nil {
			return err
		}
		return s.Render(c, "pages/dev_outbox_message", "", fiber.Map{
			"Title": m.Subject + " · Development outbox", "Message": m,
			"SMTP": s.Config().SMTPHost != "",
		})
	})
}
