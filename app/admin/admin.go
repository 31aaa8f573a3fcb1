// Package admin serves the administration pages: finding people, their
// global and program roles, permission overrides and account status,
// programs (create, edit, feature flags), and the audit log. Every route is
// behind access.RequireAdmin, or for programs the equivalent guard on the
// program-scoped program.manage (programs.go), and every change is written
// to the audit log in the same transaction as the change itself, so a
// change without its record cannot happen.
package admin

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cohort/app/access"
	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/formsource"
	"cohort/app/web"
	"cohort/db"
)

// Audit actions written by this package.
const (
	ActionRole        = "person.role"
	ActionProgramRole = "person.program_role"
	ActionOverride    = "person.override"
	ActionStatus      = "person.status"
)

// SubjectPerson is the audit subject type of events about a person.
const SubjectPerson = "person"

// Actions lists the audit actions this package writes (the audit page
// offers them as suggestions).
var Actions = []string{ActionOverride, ActionProgramRole, ActionRole, ActionStatus,
	ActionProgramCreate, ActionProgramFlags, ActionProgramUpdate}

type handlers struct{ s *web.Server }

// Register adds the admin routes, each behind access.RequireAdmin. The guard
// is attached per route rather than as group middleware because Fiber's
// prefix match would also catch unrelated paths such as /administrator.
func Register(s *web.Server, src *formsource.Source) {
	h := handlers{s: s}
	guard := access.RequireAdmin(s, authz.PeopleManage)
	r := s.Router()
	r.Get("/admin", guard, func(c *fiber.Ctx) error { return c.Redirect("/admin/people", fiber.StatusSeeOther) })
	r.Get("/admin/people", guard, h.people)
	r.Get("/admin/people/:id", guard, h.person)
	r.Post("/admin/people/:id/role", guard, h.setRole)
	r.Post("/admin/people/:id/program-roles", guard, h.addProgramRole)
	r.Post("/admin/people/:id/program-roles/:programID/delete", guard, h.removeProgramRole)
	r.Post("/admin/people/:id/overrides", guard, h.addOverride)
	r.Post("/admin/people/:id/overrides/:overrideID/delete", guard, h.removeOverride)
	r.Post("/admin/people/:id/status", guard, h.setStatus)
	r.Get("/admin/audit", access.RequireAdmin(s, authz.AuditView), h.audit)
	registerPrograms(s, src)
}

// pathID parses a positive numeric route parameter; anything else is a
// page that does not exist.
func pathID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "")
	}
	return id, nil
}

// target loads the person named by :id (404 if there is none).
func (h handlers) target(c *fiber.Ctx) (*db.Person, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return h.s.Store().PersonByID(c.UserContext(), id)
}

// record writes the audit event for a change to person, through tx so it
// commits or rolls back with the change.
func record(ctx context.Context, c *fiber.Ctx, tx *db.Store, action string, person *db.Person, programID int64, details map[string]any) error {
	me := web.CurrentPerson(c)
	ev := &db.AuditEvent{
		ActorID:     &me.ID,
		Action:      action,
		SubjectType: SubjectPerson,
		SubjectID:   strconv.FormatInt(person.ID, 10),
		Details:     details,
		RequestID:   web.RequestID(c),
	}
	if programID != 0 {
		ev.ProgramID = &programID
	}
	return tx.RecordAudit(ctx, ev)
}

// backToPerson is the redirect after a successful POST (post/redirect/get);
// done names the confirmation to show, from a fixed list.
func backToPerson(c *fiber.Ctx, id int64, done string) error {
	return c.Redirect("/admin/people/"+strconv.FormatInt(id, 10)+"?done="+done, fiber.StatusSeeOther)
}
