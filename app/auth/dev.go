package auth

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/metrics"
	"cohort/app/web"
	"cohort/db"
)

// devLogin signs in as any existing person, without a password. It is only
// registered when DEV_LOGIN is on, which configuration refuses in
// production.
func (h *handlers) devLogin(c *fiber.Ctx) error {
	s := h.s
	p, err := s.Store().PersonByEmail(c.UserContext(), c.FormValue("email"))
	if errors.Is(err, db.ErrNotFound) {
		return apperr.New(apperr.Invalid, "There is no demo person with that email.")
	}
	if err != nil {
		return err
	}
	if p.Status != db.PersonActive {
		return apperr.New(apperr.Forbidden, "That account is disabled.")
	}
	if err := s.SignIn(c, p, web.MethodDev, nil); err != nil {
		return err
	}
	metrics.SignInOK(web.MethodDev)
	s.Log().Info("signed in", "method", web.MethodDev, "person_id", p.ID, "request_id", web.RequestID(c))
	return c.Redirect(after(c.FormValue("next")), fiber.StatusSeeOther)
}
