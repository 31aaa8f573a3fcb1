// Package enroll is the member's side of a program: the programs open for
// enrollment, the multi-step form (saved at every step and as the member
// types), review and submit, and afterwards the status page with edit,
// withdraw and renew. The form itself is data (app/forms); this package
// only moves answers between HTTP and the store.
package enroll

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/features"
	"cohort/app/forms"
	"cohort/app/web"
	"cohort/db"
)

type handlers struct {
	s            *web.Server
	forms        *forms.Registry
	programCache programCache
}

// Register adds the member's routes.
func Register(s *web.Server, reg *forms.Registry) {
	h := &handlers{s: s, forms: reg}
	r := s.Router()
	r.Get("/programs", h.programs)
	r.Get("/programs/:slug", h.program)
	r.Post("/programs/:slug/enroll", h.signedIn, h.start)
	r.Get("/enrollments", h.signedIn, h.mine)
	r.Get("/enrollments/:id", h.signedIn, h.status)
	r.Get("/enrollments/:id/steps/:step", h.signedIn, h.stepPage)
	r.Post("/enrollments/:id/steps/:step", h.signedIn, h.saveStep)
	r.Post("/enrollments/:id/steps/:step/autosave", h.signedIn, h.autosave)
	r.Get("/enrollments/:id/review", h.signedIn, h.review)
	r.Post("/enrollments/:id/submit", h.signedIn, h.submit)
	r.Post("/enrollments/:id/withdraw", h.signedIn, h.withdraw)
	r.Post("/enrollments/:id/renew", h.signedIn, h.renew)
	r.Get("/uploads/:id", h.signedIn, h.download)
	s.ReadEnrollmentWithSession(enrollmentInPath)
}

// enrollmentInPath is the :id of the /enrollments/:id routes above (0 for
// any other path), which the session middleware reads with the session.
func enrollmentInPath(path string) int64 {
	rest, ok := strings.CutPrefix(path, "/enrollments/")
	if !ok {
		return 0
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

func (h *handlers) signedIn(c *fiber.Ctx) error {
	if web.CurrentPerson(c) == nil {
		return apperr.New(apperr.Unauthorized, "")
	}
	return c.Next()
}

// own is one of the current person's enrollments with its program and form.
type own struct {
	e    *db.Enrollment
	p    *db.Program
	def  *forms.Definition
	flag features.Set
}

var errNoEnrollment = apperr.New(apperr.NotFound, "We could not find that enrollment.")

// loadOwn loads enrollment :id if it belongs to the current person. Someone
// else's enrollment is answered exactly like a missing one, so ids reveal
// nothing.
func (h *handlers) loadOwn(c *fiber.Ctx) (*own, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, errNoEnrollment
	}
	ctx := c.UserContext()
	e, read := web.SessionEnrollment(c, id)
	if !read {
		e, err = h.s.Store().EnrollmentByID(ctx, id)
	} else if e == nil {
		err = db.ErrNotFound
	}
	if errors.Is(err, db.ErrNotFound) || (err == nil && e.PersonID != web.CurrentPerson(c).ID) {
		return nil, errNoEnrollment
	}
	if err != nil {
		return nil, err
	}
	p, err := h.programCache.get(ctx, h.s.Store(), e.ProgramID)
	if err != nil {
		return nil, err
	}
	def, err := h.definition(p)
	if err != nil {
		return nil, err
	}
	return &own{e: e, p: p, def: def, flag: features.For(p.Settings.Flags)}, nil
}

func (h *handlers) definition(p *db.Program) (*forms.Definition, error) {
	def, ok := h.forms.Get(p.FormKey)
	if !ok {
		return nil, apperr.Wrap(errors.New("program "+p.Slug+" uses unknown form "+p.FormKey), apperr.Internal, "")
	}
	return def, nil
}

// answers is the enrollment's answers as the forms package expects them.
func (o *own) answers() forms.Answers { return forms.Answers(o.e.Answers) }

func (o *own) stepLink(key string) string {
	return "/enrollments/" + strconv.FormatInt(o.e.ID, 10) + "/steps/" + key
}

func (o *own) link(suffix string) string {
	return "/enrollments/" + strconv.FormatInt(o.e.ID, 10) + suffix
}
