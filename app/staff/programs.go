package staff

import (
	"github.com/gofiber/fiber/v2"

	"cohort/app/access"
	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/web"
	"cohort/db"
)

// programList lists the programs whose participants the person may view:
// the way into the workspace. Signed-in people without any see an empty
// list that says so.
func (h *handlers) programList(c *fiber.Ctx) error {
	if web.CurrentPerson(c) == nil {
		return apperr.New(apperr.Unauthorized, "")
	}
	all, err := h.s.Store().ListPrograms(c.UserContext())
	if err != nil {
		return err
	}
	var mine []*db.Program
	for _, p := range all {
		ok, err := access.Can(c, h.s, authz.ParticipantsView, p.ID)
		if err != nil {
			return err
		}
		if ok {
			mine = append(mine, p)
		}
	}
	return h.s.Render(c, "pages/staff_programs", "", fiber.Map{"Title": "Staff", "Nav": "staff", "Programs": mine})
}
