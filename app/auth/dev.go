// Package auth signs people in and out: the development sign-in for now;
// SSO (OIDC) and email codes build on the same Server.SignIn.
package auth

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/web"
	"cohort/db"
)

// Register adds sign-out, and the development sign-in when DEV_LOGIN is on
// (configuration refuses DEV_LOGIN in production, so the route cannot exist
// there).
func Register(s *web.Server) {
	r := s.Router()
	if *s.Config().DevLogin {
		r.Post("/dev/login", devLogin(s))
	}
	r.Post("/logout", func(c *fiber.Ctx) error {
		if err := s.SignOut(c); err != nil {
			return err
		}
		return c.Redirect("/", fiber.StatusSeeOther)
	})
}

func devLogin(s *web.Server) fiber.Handler {
	return func(c *fiber.Ctx) error {
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
		s.Log().Info("dev sign-in", "person_id", p.ID, "request_id", web.RequestID(c))
		return c.Redirect("/", fiber.StatusSeeOther)
	}
}
