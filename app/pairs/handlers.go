package pairs

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cohort/app/access"
	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/features"
	"cohort/app/web"
	"cohort/db"
)

type handlers struct {
	s  *web.Server
	sv *Service
}

// Register adds the staff pairing pages. Each checks pairs.manage in the
// program it touches, and answers 404 when the program does not use
// pairing.
func Register(s *web.Server, sv *Service) {
	h := handlers{s: s, sv: sv}
	r := s.Router()
	r.Get("/staff/programs/:slug/pairs", signedIn, h.list)
	r.Post("/staff/programs/:slug/pairs", signedIn, h.createOrPair)
	r.Get("/staff/programs/:slug/participants/:id/suggestions", signedIn, h.suggestions)
	r.Get("/staff/programs/:slug/proposal", signedIn, h.proposal)
	r.Post("/staff/programs/:slug/proposal/accept", signedIn, h.acceptProposal)
	r.Post("/staff/pairs/:id/accept", signedIn, h.accept)
	r.Post("/staff/pairs/:id/end", signedIn, h.endOrRow)
	r.Post("/staff/pairs/:id/handled", signedIn, h.handled)
	r.Post("/staff/pairs/:id/undo", signedIn, h.undo)
}

func signedIn(c *fiber.Ctx) error {
	if web.CurrentPerson(c) == nil {
		return apperr.New(apperr.Unauthorized, "")
	}
	return c.Next()
}

// errNotFound answers unknown programs, pairs and enrollments, and those
// the person may not see, alike: ids and slugs reveal nothing.
var errNotFound = apperr.New(apperr.NotFound, "")

// Authorize decides whether the current person may do perm in program p:
// nil if they may; 404 if the program does not use pairing (needPairing)
// or they may not even view its participants, so its existence is not
// confirmed; 403 if they may view its participants but not do perm.
func Authorize(c *fiber.Ctx, s *web.Server, p *db.Program, perm authz.Permission, needPairing bool) error {
	if needPairing && !features.For(p.Settings.Flags).On(features.Pairing) {
		return errNotFound
	}
	ok, err := access.Can(c, s, perm, p.ID)
	if err != nil || ok {
		return err
	}
	if perm != authz.ParticipantsView {
		view, err := access.Can(c, s, authz.ParticipantsView, p.ID)
		if err != nil {
			return err
		}
		if view {
			return apperr.New(apperr.Forbidden, "")
		}
	}
	return errNotFound
}

// ProgramBySlug loads a program for a route, answering an unknown slug
// with the same 404 as one the person may not see.
func ProgramBySlug(c *fiber.Ctx, store *db.Store, slug string) (*db.Program, error) {
	if slug == "" || len(slug) > 64 {
		return nil, errNotFound
	}
	p, err := store.ProgramBySlug(c.UserContext(), slug)
	if errors.Is(err, db.ErrNotFound) {
		return nil, errNotFound
	}
	return p, err
}

// managed loads the program named by :slug if the person may manage its
// pairs.
func (h handlers) managed(c *fiber.Ctx) (*db.Program, error) {
	p, err := ProgramBySlug(c, h.s.Store(), c.Params("slug"))
	if err != nil {
		return nil, err
	}
	if err := Authorize(c, h.s, p, authz.PairsManage, true); err != nil {
		return nil, err
	}
	return p, nil
}

// managedPair loads pair :id and its program if the person may manage the
// program's pairs.
func (h handlers) managedPair(c *fiber.Ctx) (*db.Pair, *db.Program, error) {
	id, ok := PathID(c, "id")
	if !ok {
		return nil, nil, errNotFound
	}
	ctx := c.UserContext()
	pair, err := h.s.Store().PairByID(ctx, id)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil, errNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	p, err := h.s.Store().ProgramByID(ctx, pair.ProgramID)
	if err != nil {
		return nil, nil, err
	}
	if err := Authorize(c, h.s, p, authz.PairsManage, true); err != nil {
		return nil, nil, err
	}
	return pair, p, nil
}

// PathID parses a positive numeric route parameter.
func PathID(c *fiber.Ctx, name string) (int64, bool) {
	return ParseID(c.Params(name))
}

// ParseID parses a positive id.
func ParseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// actor is the current person and request, for the audit log.
func actor(c *fiber.Ctx) Actor {
	a := Actor{RequestID: web.RequestID(c)}
	if me := web.CurrentPerson(c); me != nil {
		a.PersonID = me.ID
	}
	return a
}

// pairsURL is the program's pairs page.
func pairsURL(slug string) string { return "/staff/programs/" + slug + "/pairs" }

// redirect ends a successful POST: 303 to url, or for htmx a full-page
// navigation there (the page around the form changed too).
func redirect(c *fiber.Ctx, url string) error {
	if web.IsHTMX(c) {
		c.Set("HX-Redirect", url)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(url, fiber.StatusSeeOther)
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }
