// Package designer serves the program form designer: admins holding
// program.manage in a program edit its form as a draft, preview each step
// with the templates members see, try sample answers, and publish
// immutable versions. The edit operations (edit.go, field.go) are pure
// functions on a forms.Document; the handlers parse one change per
// request, apply it, check the result with forms.Build and save the draft
// under a revision check, so two admins never overwrite each other.
package designer

import (
	"context"
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cohort/app/access"
	"cohort/app/admin"
	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/forms"
	"cohort/app/web"
	"cohort/db"
)

// Source is what the designer needs from app/formsource: the built-in
// forms to start from and a program's current published form.
// *formsource.Source satisfies it.
type Source interface {
	Builtin() *forms.Registry
	Current(ctx context.Context, p *db.Program) (*forms.Definition, error)
}

type handlers struct {
	s   *web.Server
	src Source
}

// Register adds the designer routes under /admin/programs/SLUG/form. Each
// needs program.manage in that program: the admin pages' guard lets
// through whoever holds it somewhere (and has passed the second factor),
// and the handler answers 404 for a program that is not theirs.
func Register(s *web.Server, src Source) {
	h := &handlers{s: s, src: src}
	g := admin.RequireProgramManage(s)
	r := s.Router()
	const base = "/admin/programs/:slug/form"
	r.Get(base, g, h.page)
	r.Get(base+"/preview", g, h.preview)
	r.Post(base+"/try", g, h.try)
	r.Get(base+"/versions", g, h.versions)
	r.Get(base+"/export", g, h.export)
	r.Post(base+"/start", g, h.start)
	r.Post(base+"/publish", g, h.publish)
	r.Post(base+"/discard", g, h.discard)
	r.Post(base+"/details", g, h.details)
	r.Post(base+"/eligibility", g, h.eligibility)
	r.Post(base+"/benefits", g, h.addBenefit)
	r.Post(base+"/benefits/:b/delete", g, h.deleteBenefit)
	r.Post(base+"/benefits/:b/rules", g, h.addRule)
	r.Post(base+"/benefits/:b/rules/:list/:k/delete", g, h.deleteRule)
	r.Post(base+"/steps", g, h.addStep)
	r.Post(base+"/steps/:i", g, h.saveStep)
	r.Post(base+"/steps/:i/move", g, h.moveStep)
	r.Post(base+"/steps/:i/delete", g, h.deleteStep)
	r.Post(base+"/steps/:i/fields", g, h.addField)
	r.Post(base+"/steps/:i/fields/:j", g, h.saveField)
	r.Post(base+"/steps/:i/fields/:j/preview", g, h.previewField)
	r.Post(base+"/steps/:i/fields/:j/move", g, h.moveField)
	r.Post(base+"/steps/:i/fields/:j/delete", g, h.deleteField)
}

// managed loads the program named by :slug when the current person may
// manage it; otherwise 404, as the other admin program pages answer.
func (h *handlers) managed(c *fiber.Ctx) (*db.Program, error) {
	return admin.ManagedProgram(c, h.s)
}

// otherManaged loads another program by slug, only if the current person
// may manage it too (a draft may start from its form).
func (h *handlers) otherManaged(c *fiber.Ctx, slug string) (*db.Program, error) {
	p, err := h.s.Store().ProgramBySlug(c.UserContext(), slug)
	if err != nil {
		return nil, err
	}
	ok, err := access.Can(c, h.s, authz.ProgramManage, p.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, db.ErrNotFound
	}
	return p, nil
}

// state is a program's form as the designer edits it: the draft when
// there is one, else a copy of the current published (or built-in) form.
type state struct {
	p        *db.Program
	doc      forms.Document
	rev      int  // the draft's revision; 0 when there is no draft
	hasDraft bool // a draft exists (otherwise doc is the published form)
	// broken holds the decoding problems of a stored draft that no longer
	// reads (it never should); the page shows them and offers a fresh start.
	broken forms.Problems
}

func (h *handlers) load(c *fiber.Ctx) (*state, error) {
	p, err := h.managed(c)
	if err != nil {
		return nil, err
	}
	st := &state{p: p}
	d, err := h.s.Store().FormDraft(c.UserContext(), p.ID)
	switch {
	case err == nil:
		st.rev, st.hasDraft = d.Revision, true
		st.doc, st.broken = forms.ImportDocument("draft", []byte(d.Definition))
		return st, nil
	case !errors.Is(err, db.ErrNotFound):
		return nil, err
	}
	def, err := h.src.Current(c.UserContext(), p)
	if err != nil {
		return nil, err
	}
	st.doc = def.Document()
	return st, nil
}

// baseRevision is the draft revision the page was showing when the admin
// submitted, from the hidden input every designer form carries.
func baseRevision(c *fiber.Ctx) int {
	n, err := strconv.Atoi(c.FormValue("revision"))
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// pathIndex reads a step or field index from the path.
func pathIndex(c *fiber.Ctx, name string) (int, error) {
	n, err := strconv.Atoi(c.Params(name))
	if err != nil || n < 0 || n > 1000 {
		return 0, apperr.New(apperr.NotFound, "")
	}
	return n, nil
}

// formLink is the designer page of p, with a query and a fragment.
func formLink(p *db.Program, query, fragment string) string {
	u := "/admin/programs/" + p.Slug + "/form"
	if query != "" {
		u += "?" + query
	}
	if fragment != "" {
		u += "#" + fragment
	}
	return u
}
