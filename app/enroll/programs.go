package enroll

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/features"
	"cohort/app/forms"
	"cohort/app/web"
	"cohort/db"
)

type programRow struct {
	P    *db.Program
	Mine *db.Enrollment
}

// programs lists the programs open for enrollment now.
func (h *handlers) programs(c *fiber.Ctx) error {
	ctx := c.UserContext()
	all, err := h.s.Store().ListPrograms(ctx)
	if err != nil {
		return err
	}
	mine := map[int64]*db.Enrollment{}
	if me := web.CurrentPerson(c); me != nil {
		es, err := h.s.Store().EnrollmentsByPerson(ctx, me.ID)
		if err != nil {
			return err
		}
		for _, e := range es {
			mine[e.ProgramID] = e
		}
	}
	now := h.s.Store().Now()
	var rows []programRow
	for _, p := range all {
		if p.IsOpen(now) || mine[p.ID] != nil {
			rows = append(rows, programRow{P: p, Mine: mine[p.ID]})
		}
	}
	return h.s.Render(c, "pages/programs", "", fiber.Map{"Title": "Programs", "Nav": "programs", "Programs": rows})
}

// program says who the program is for and what the form will ask.
func (h *handlers) program(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, err := h.s.Store().ProgramBySlug(ctx, c.Params("slug"))
	if err != nil {
		return err
	}
	data := fiber.Map{"Title": p.Name, "Nav": "programs", "Program": p, "Open": p.IsOpen(h.s.Store().Now()),
		"Flags": features.For(p.Settings.Flags)}
	def, err := h.src.Current(ctx, p)
	if err != nil {
		return err
	}
	data["Def"] = def
	if me := web.CurrentPerson(c); me != nil {
		e, err := h.s.Store().EnrollmentFor(ctx, p.ID, me.ID)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return err
		}
		if err == nil {
			data["Mine"] = e
		}
		data["NoSelfRegistration"] = !selfRegistrationAllowed(me, p)
	}
	return h.s.Render(c, "pages/program", "", data)
}

// start creates (or finds) the member's enrollment and sends them to the
// step they should be on.
func (h *handlers) start(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, err := h.s.Store().ProgramBySlug(ctx, c.Params("slug"))
	if err != nil {
		return err
	}
	me := web.CurrentPerson(c)
	_, err = h.s.Store().EnrollmentFor(ctx, p.ID, me.ID)
	if errors.Is(err, db.ErrNotFound) && !p.IsOpen(h.s.Store().Now()) {
		return apperr.New(apperr.Forbidden, "Enrollment in "+p.Name+" is closed.")
	}
	if errors.Is(err, db.ErrNotFound) && !selfRegistrationAllowed(me, p) {
		return errNoSelfRegistration(p)
	}
	e, created, err := h.s.Store().StartEnrollment(ctx, p.ID, me.ID, me.Name)
	if err != nil {
		return err
	}
	if def, err := h.src.At(ctx, p, e.FormVersion); err == nil && created {
		// Start from what we know: the name from sign-in.
		if f, ok := def.ColumnField(forms.ColFullName); ok && me.Name != "" {
			if _, err := h.s.Store().UpdateEnrollment(ctx, e.ID, func(e *db.Enrollment) error {
				e.Answers[f.Key] = me.Name
				return nil
			}); err != nil {
				return err
			}
		}
	}
	return c.Redirect("/enrollments/"+itoa(e.ID), fiber.StatusSeeOther)
}

// mine lists the current person's enrollments.
func (h *handlers) mine(c *fiber.Ctx) error {
	ctx := c.UserContext()
	es, err := h.s.Store().EnrollmentsByPerson(ctx, web.CurrentPerson(c).ID)
	if err != nil {
		return err
	}
	type row struct {
		E      *db.Enrollment
		P      *db.Program
		Status string
	}
	rows := make([]row, 0, len(es))
	for _, e := range es {
		p, err := h.s.Store().ProgramByID(ctx, e.ProgramID)
		if err != nil {
			return err
		}
		rows = append(rows, row{e, p, statusLabels[e.Status]})
	}
	return h.s.Render(c, "pages/my_enrollments", "", fiber.Map{"Title": "Your enrollments", "Nav": "mine", "Rows": rows})
}

// selfRegistrationAllowed reports whether p takes a new enrollment from
// me: an account created by confirming an emailed code needs the
// program's self-registration flag.
func selfRegistrationAllowed(me *db.Person, p *db.Program) bool {
	return !me.SelfRegistered || features.For(p.Settings.Flags).On(features.SelfRegistration)
}

func errNoSelfRegistration(p *db.Program) error {
	return apperr.New(apperr.Forbidden, p.Name+" takes enrollments only from people the program team knows. "+
		"Sign in with your organization's account, or ask the program team to add you.")
}
