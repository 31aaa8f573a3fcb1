// Package api is Cohort's JSON API under /api/v1, for scripts and other
// systems: programs, participants (filtered, cursor-paginated), suggestions,
// and pairs. A request authenticates with a personal token
// ("Authorization: Bearer cohort_…", made at /account/tokens or with
// `cohort token create`) or with a browser session, and acts with exactly
// its person's permissions, decided by app/access like every page. Errors
// are JSON: {"error":{"code","message","request_id"}}. openapi.json (served
// at /api/openapi.json) describes every route.
package api

import (
	_ "embed"
	"errors"

	"github.com/gofiber/fiber/v2"

	"cohort/app/access"
	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/pairs"
	"cohort/app/staff"
	"cohort/app/web"
	"cohort/db"
)

// Prefix is where the API's routes live.
const Prefix = "/api/v1"

//go:embed openapi.json
var openAPI []byte

// OpenAPI is the API's description (OpenAPI 3.1), as served.
func OpenAPI() []byte { return openAPI }

type handlers struct {
	s  *web.Server
	sv *pairs.Service
	// results is the staff table's reader and cache: the participant list
	// answers from it.
	results *staff.Results
}

// Register adds the API routes and the token pages. results is the staff
// table's (staff.Register): the participant list reads through its query
// and cache.
func Register(s *web.Server, sv *pairs.Service, results *staff.Results) {
	h := handlers{s: s, sv: sv, results: results}
	r := s.Router()
	r.Get("/api/openapi.json", h.openapi)
	auth := h.authenticate
	r.Get(Prefix+"/programs", auth, h.programs)
	r.Get(Prefix+"/programs/:slug/participants", auth, h.participants)
	r.Get(Prefix+"/participants/:id", auth, h.participant)
	r.Get(Prefix+"/participants/:id/suggestions", auth, h.suggestions)
	r.Get(Prefix+"/programs/:slug/pairs", auth, h.pairs)
	r.Post(Prefix+"/programs/:slug/pairs", auth, h.createPair)
	r.Post(Prefix+"/pairs/:id/end", auth, h.endPair)
	registerTokens(s)
}

func (h handlers) openapi(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(openAPI)
}

// authenticate finds who the request acts for: the owner of a bearer
// token, else the session's person. A request that sends an Authorization
// header is judged by it alone, so a bad token is never rescued by a
// session cookie. The API serves people who may view some program's
// participants; anyone else gets 403.
func (h handlers) authenticate(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	token, present := web.BearerToken(c)
	if present {
		p, err := h.tokenOwner(c, token)
		if err != nil {
			return err
		}
		web.SetCurrentPerson(c, p, web.Auth{Method: web.MethodToken})
	} else if web.CurrentPerson(c) == nil {
		return unauthorized(c, "Send a token as \"Authorization: Bearer <token>\", or sign in.")
	}
	sub, err := access.Subject(c, h.s)
	if err != nil {
		return err
	}
	if !ViewsSome(sub) {
		return apperr.New(apperr.Forbidden, "You may not view any program's participants, so the API has nothing for you.")
	}
	return c.Next()
}

const errBadToken = "The token is not valid: it is unknown, revoked, or its owner's account is disabled."

// tokenOwner checks a bearer token and returns its active owner.
func (h handlers) tokenOwner(c *fiber.Ctx, token string) (*db.Person, error) {
	if token == "" {
		return nil, unauthorized(c, "Send a token as \"Authorization: Bearer <token>\".")
	}
	ctx := c.UserContext()
	store := h.s.Store()
	t, err := store.APITokenByToken(ctx, token)
	if errors.Is(err, db.ErrNotFound) || (err == nil && t.Revoked()) {
		return nil, unauthorized(c, errBadToken)
	}
	if err != nil {
		return nil, err
	}
	p, err := store.PersonByID(ctx, t.PersonID)
	if errors.Is(err, db.ErrNotFound) || (err == nil && p.Status != db.PersonActive) {
		return nil, unauthorized(c, errBadToken)
	}
	if err != nil {
		return nil, err
	}
	if err := store.TouchAPIToken(ctx, t); err != nil {
		h.s.Log().Warn("recording token use", "request_id", web.RequestID(c), "err", err)
	}
	return p, nil
}

func unauthorized(c *fiber.Ctx, msg string) error {
	c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="cohort"`)
	return apperr.New(apperr.Unauthorized, msg)
}

// ViewsSome reports whether sub may view the participants of at least one
// program: the global role or an all-program grant, else a program role or
// a program grant (revokes still decide, through authz.Can).
func ViewsSome(sub authz.Subject) bool {
	if authz.Can(sub, authz.ParticipantsView, authz.AllPrograms) {
		return true
	}
	for id := range sub.ProgramRoles {
		if authz.Can(sub, authz.ParticipantsView, id) {
			return true
		}
	}
	for _, o := range sub.Overrides {
		if o.Grant && o.Permission == authz.ParticipantsView && authz.Can(sub, authz.ParticipantsView, o.ProgramID) {
			return true
		}
	}
	return false
}
