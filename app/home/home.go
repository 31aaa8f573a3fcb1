// Package home serves the landing page: what Cohort is, its programs, and
// the ways to sign in.
package home

import (
	"github.com/gofiber/fiber/v2"

	"cohort/app/demo"
	"cohort/app/web"
)

// Register adds the home page.
func Register(s *web.Server) {
	s.Router().Get("/", func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		programs, err := s.Store().ListPrograms(ctx)
		if err != nil {
			return err
		}
		data := fiber.Map{"Title": "Home", "Nav": "home", "Programs": programs}
		if *s.Config().DevLogin && web.CurrentPerson(c) == nil {
			emails := make([]string, len(demo.Accounts))
			for i, a := range demo.Accounts {
				emails[i] = a.Email
			}
			people, err := s.Store().PeopleByEmails(ctx, emails)
			if err != nil {
				return err
			}
			data["DemoPeople"] = people
		}
		return s.Render(c, "pages/home", "", data)
	})
}
