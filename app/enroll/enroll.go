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
	"cohort/app/formsource"
	"cohort/app/web"
	"cohort/db"
)

type handlers struct {
	s   *web.Server
	src *formsource.Source
}

// Register adds the member's routes; src gives each program's form.
func Register(s *web.Server, src *formsource.Source) {
	h := &handlers{s: s, src: src}
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
	r.Post("/enrollments/:id/rejoin", h.signedIn, h.rejoin)
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
	// version is the form version def is: the enrollment's own once it
	// is submitted, the program's current one for a draft (which moves to
	// it with its next save, see moveDraft).
	version int
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
	// The program (and with it its current form version) comes from the
	// source's cache, and the parsed form too: no query beyond the
	// enrollment's own read.
	p, err := h.src.Program(ctx, e.ProgramID)
	if err != nil {
		return nil, err
	}
	version := formVersion(e, p)
	def, err := h.src.At(ctx, p, version)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "")
	}
	return &own{e: e, p: p, def: def, flag: features.For(p.Settings.Flags), version: version}, nil
}

// formVersion is the form version an enrollment is shown and saved with:
// a submitted enrollment keeps the version it was answered under, so a
// member is never sent back to answer questions added since; a draft
// takes the program's current form (added fields and steps appear;
// answers to removed fields stay in the JSON). Never backwards: a program
// row cached a moment before a publish must not undo a move.
func formVersion(e *db.Enrollment, p *db.Program) int {
	if e.Status == db.StatusDraft && p.FormVersion > e.FormVersion {
		return p.FormVersion
	}
	return e.FormVersion
}

// moveDraft records on e, inside a save, the version o's form is, when e
// is still a draft: the save that answers under the newer form also says
// so, in the same UPDATE.
func (o *own) moveDraft(e *db.Enrollment) {
	if e.Status == db.StatusDraft && o.version > e.FormVersion {
		e.FormVersion = o.version
	}
}

// answers is the enrollment's answers as the forms package expects them.
func (o *own) answers() forms.Answers { return forms.Answers(o.e.Answers) }

func (o *own) stepLink(key string) string {
	return "/enrollments/" + strconv.FormatInt(o.e.ID, 10) + "/steps/" + key
}

func (o *own) link(suffix string) string {
	return "/enrollments/" + strconv.FormatInt(o.e.ID, 10) + suffix
}
