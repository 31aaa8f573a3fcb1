// Package staff is the program committee's workspace: the participant
// table of a program (filters in the URL, facet counts, free-text search,
// keyset pages, htmx updates as staff type), a participant opened inline
// with every answer, notes, decisions and history, bulk decisions, and the
// CSV export of exactly what is filtered.
//
// Every route is program-scoped. Someone who may not view a program's
// participants gets 404 for all of its pages, as if it did not exist;
// someone who may view but not edit or export gets 403 for those actions.
// The filter logic itself is pure and lives in app/participants; the SQL in
// db/participants.go. Reading pages and facet counts through the
// version-keyed cache is Results, which the JSON API (app/api) lists
// participants through as well.
package staff

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cohort/app/access"
	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/forms"
	"cohort/app/formsource"
	"cohort/app/web"
	"cohort/db"
)

// Audit actions written by this package. Their subject is the enrollment.
const (
	ActionStatus = "enrollment.status"
	ActionNote   = "enrollment.note"
	ActionExport = "participants.export"
)

// SubjectEnrollment is the audit subject type of events about an
// enrollment (the member's own events use it too).
const SubjectEnrollment = "enrollment"

// pageSize is how many participants a page of the table shows.
const pageSize = 50

// cacheEntries bounds the result cache. The largest entries are rendered
// results partials and API pages (about 50 KB for 50 rows), so the cache
// stays under about 15 MB; entries of superseded data versions age out
// first.
const cacheEntries = 256

type handlers struct {
	s       *web.Server
	results *Results
}

// Register adds the staff routes and returns the table's Results, for the
// JSON API to read through the same query and cache.
func Register(s *web.Server, src *formsource.Source) *Results {
	h := &handlers{s: s, results: NewResults(s.Store(), src)}
	r := s.Router()
	r.Get("/staff", h.programList)
	r.Get("/staff/programs/:slug/participants", h.list)
	r.Get("/staff/programs/:slug/participants.csv", h.export)
	r.Post("/staff/programs/:slug/participants/bulk", h.bulk)
	r.Get("/staff/programs/:slug/participants/:id", h.detail)
	r.Post("/staff/programs/:slug/participants/:id/status", h.setStatus)
	r.Post("/staff/programs/:slug/participants/:id/notes", h.addNote)
	return h.results
}

// scope is the program a request is about, what the person may do in it,
// and the program's data version when it was read.
type scope struct {
	p         *db.Program
	def       *forms.Definition
	version   string // db.ParticipantsStamp
	canEdit   bool
	canExport bool
}

// base is the participant table's path.
func (sc *scope) base() string { return "/staff/programs/" + sc.p.Slug + "/participants" }

// load resolves :slug and checks need (plus participants.view, which
// every staff page needs). Anonymous: 401. A program the person may not
// view, or that does not exist: 404, the same answer, so the page does
// not reveal which programs exist. Viewing but lacking need: 403.
func (h *handlers) load(c *fiber.Ctx, need authz.Permission) (*scope, error) {
	if web.CurrentPerson(c) == nil {
		return nil, apperr.New(apperr.Unauthorized, "")
	}
	p, err := h.results.Program(c.UserContext(), c.Params("slug"))
	if errors.Is(err, db.ErrNotFound) {
		return nil, apperr.New(apperr.NotFound, "")
	}
	if err != nil {
		return nil, err
	}
	can := func(perm authz.Permission) (bool, error) { return access.Can(c, h.s, perm, p.ID) }
	view, err := can(authz.ParticipantsView)
	if err != nil {
		return nil, err
	}
	if !view {
		return nil, apperr.New(apperr.NotFound, "")
	}
	sc := &scope{p: p}
	if sc.canEdit, err = can(authz.ParticipantsEdit); err != nil {
		return nil, err
	}
	if sc.canExport, err = can(authz.ParticipantsExport); err != nil {
		return nil, err
	}
	switch {
	case need == authz.ParticipantsEdit && !sc.canEdit, need == authz.ParticipantsExport && !sc.canExport:
		return nil, apperr.New(apperr.Forbidden, "")
	}
	// Read after the permission checks, so a refused request costs no more.
	snap, err := h.results.Snapshot(c.UserContext(), p)
	if err != nil {
		return nil, err
	}
	sc.def, sc.version = snap.Def, snap.Version
	return sc, nil
}

// snapshot is the program and data version the scope was read at.
func (sc *scope) snapshot() Snapshot {
	return Snapshot{Program: sc.p, Def: sc.def, Version: sc.version}
}

// enrollmentID parses :id; anything but a positive number is a page that
// does not exist.
func enrollmentID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "")
	}
	return id, nil
}

// statusLabels are the statuses as staff read them (shorter than the
// member's wording in app/enroll).
var statusLabels = map[string]string{
	db.StatusDraft:      "Draft",
	db.StatusSubmitted:  "Submitted",
	db.StatusApproved:   "Approved",
	db.StatusWaitlisted: "Waitlisted",
	db.StatusDeclined:   "Declined",
	db.StatusActive:     "Active",
	db.StatusEnded:      "Ended",
	db.StatusWithdrawn:  "Withdrawn",
}

func statusLabel(s string) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return s
}

// decisions are the status actions staff take, by the word on the button.
var decisions = map[string]string{
	"approve":  db.StatusApproved,
	"waitlist": db.StatusWaitlisted,
	"decline":  db.StatusDeclined,
}

// decidable says which statuses a decision may change: a submitted
// enrollment and one already decided (staff change their minds). Drafts
// are not finished, and withdrawn, active or ended enrollments have moved
// on.
func decidable(status string) bool {
	switch status {
	case db.StatusSubmitted, db.StatusApproved, db.StatusWaitlisted, db.StatusDeclined:
		return true
	}
	return false
}
