package api

import (
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"cohort/app/access"
	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/features"
	"cohort/app/pairing"
	"cohort/app/pairs"
	"cohort/app/web"
	"cohort/db"
)

// Page sizes of the list endpoints.
const (
	defaultLimit = 50
	maxLimit     = 200
)

type programJSON struct {
	Slug         string   `json:"slug"`
	Name         string   `json:"name"`
	Kind         string   `json:"kind"`
	Pairing      bool     `json:"pairing"`
	Permissions  []string `json:"permissions"`
	Participants string   `json:"participants_url"`
}

type interestsJSON struct {
	Mentor []string `json:"mentor"`
	Mentee []string `json:"mentee"`
}

type participantJSON struct {
	ID                int64         `json:"id"`
	Program           string        `json:"program"`
	Name              string        `json:"name"`
	Email             string        `json:"email"`
	Status            string        `json:"status"`
	Roles             []string      `json:"roles"`
	Org               string        `json:"org"`
	Level             string        `json:"level"`
	TimeZone          string        `json:"time_zone"`
	AvailableHoursUTC []int         `json:"available_hours_utc"`
	DistancePref      string        `json:"distance_preference"`
	TrackChange       string        `json:"track_change"`
	ManagerEmail      string        `json:"manager_email"`
	Interests         interestsJSON `json:"interests"`
	SubmittedAt       *time.Time    `json:"submitted_at"`
	UpdatedAt         time.Time     `json:"updated_at"`
	// Paired: in a pair that has not ended (proposed or active), either
	// side. Always in lists; on one participant where pairing is on.
	Paired *bool      `json:"paired,omitempty"`
	Pairs  []pairJSON `json:"pairs,omitempty"`
}

type personRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type pairJSON struct {
	ID          int64      `json:"id"`
	Program     string     `json:"program"`
	Status      string     `json:"status"`
	Mentor      personRef  `json:"mentor"`
	Mentee      personRef  `json:"mentee"`
	Score       float64    `json:"score"`
	Explanation string     `json:"explanation"`
	CreatedAt   time.Time  `json:"created_at"`
	StartedAt   *time.Time `json:"started_at"`
	EndedAt     *time.Time `json:"ended_at"`
	EndReason   string     `json:"end_reason"`
}

type partJSON struct {
	Factor string  `json:"factor"`
	Value  float64 `json:"value"`
	Text   string  `json:"text"`
}

type suggestionJSON struct {
	Mentor      personRef  `json:"mentor"`
	Mentee      personRef  `json:"mentee"`
	Score       float64    `json:"score"`
	Explanation string     `json:"explanation"`
	Parts       []partJSON `json:"parts"`
}

func participantOut(slug string, p *db.Pairable) participantJSON {
	out := participantJSON{
		ID: p.ID, Program: slug, Name: p.Name(), Email: p.Email, Status: p.Status, Roles: []string{},
		Org: p.Org, Level: p.Level, TimeZone: p.TimeZone, AvailableHoursUTC: []int{},
		DistancePref: p.DistancePref, TrackChange: p.TrackChange, ManagerEmail: p.ManagerEmail,
		Interests:   interestsJSON{Mentor: []string{}, Mentee: []string{}},
		SubmittedAt: p.SubmittedAt, UpdatedAt: p.UpdatedAt,
	}
	if p.IsMentor {
		out.Roles = append(out.Roles, db.SideMentor)
	}
	if p.IsMentee {
		out.Roles = append(out.Roles, db.SideMentee)
	}
	for h := range 24 {
		if p.AvailMask&(1<<h) != 0 {
			out.AvailableHoursUTC = append(out.AvailableHoursUTC, h)
		}
	}
	for _, in := range p.Interests {
		if in.Side == db.SideMentor {
			out.Interests.Mentor = append(out.Interests.Mentor, in.Interest)
		} else {
			out.Interests.Mentee = append(out.Interests.Mentee, in.Interest)
		}
	}
	return out
}

func pairOut(slug string, v *db.PairView) pairJSON {
	return pairJSON{
		ID: v.ID, Program: slug, Status: v.Status,
		Mentor: personRef{v.MentorEnrollmentID, v.MentorName}, Mentee: personRef{v.MenteeEnrollmentID, v.MenteeName},
		Score: v.Score, Explanation: v.Explanation, CreatedAt: v.CreatedAt, StartedAt: v.StartedAt, EndedAt: v.EndedAt,
		EndReason: v.EndReason,
	}
}

// page reads ?limit= and ?cursor=. A cursor is opaque to clients: the
// last id of the previous page, encoded.
func page(c *fiber.Ctx) (afterID int64, limit int, err error) {
	limit = defaultLimit
	if v := c.Query("limit"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 || n > maxLimit {
			return 0, 0, apperr.New(apperr.Invalid, "limit must be a number from 1 to "+strconv.Itoa(maxLimit)+".")
		}
		limit = n
	}
	if v := c.Query("cursor"); v != "" {
		raw, derr := base64.RawURLEncoding.DecodeString(v)
		id, ok := pairs.ParseID(strings.TrimPrefix(string(raw), "after:"))
		if derr != nil || !ok || !strings.HasPrefix(string(raw), "after:") {
			return 0, 0, apperr.New(apperr.Invalid, "cursor is not valid; use the next_cursor of a previous page.")
		}
		afterID = id
	}
	return afterID, limit, nil
}

func cursorAfter(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("after:" + strconv.FormatInt(id, 10)))
}

// program loads :slug and checks perm there (see pairs.Authorize).
func (h handlers) program(c *fiber.Ctx, perm authz.Permission, needPairing bool) (*db.Program, error) {
	p, err := pairs.ProgramBySlug(c, h.s.Store(), c.Params("slug"))
	if err != nil {
		return nil, err
	}
	return p, pairs.Authorize(c, h.s, p, perm, needPairing)
}

// programs lists the programs whose participants the caller may view.
func (h handlers) programs(c *fiber.Ctx) error {
	all, err := h.s.Store().ListPrograms(c.UserContext())
	if err != nil {
		return err
	}
	sub, err := access.Subject(c, h.s)
	if err != nil {
		return err
	}
	out := []programJSON{}
	for _, p := range all {
		if !authz.Can(sub, authz.ParticipantsView, p.ID) {
			continue
		}
		perms := []string{}
		for _, perm := range authz.Effective(sub, p.ID) {
			if !authz.IsGlobal(perm) {
				perms = append(perms, string(perm))
			}
		}
		out = append(out, programJSON{
			Slug: p.Slug, Name: p.Name, Kind: p.Kind, Pairing: features.For(p.Settings.Flags).On(features.Pairing),
			Permissions: perms, Participants: Prefix + "/programs/" + p.Slug + "/participants",
		})
	}
	return c.JSON(fiber.Map{"programs": out})
}

// enrollment loads participant :id and its program, checking perm there.
func (h handlers) enrollment(c *fiber.Ctx, perm authz.Permission, needPairing bool) (*db.Program, *db.Pairable, error) {
	id, ok := pairs.PathID(c, "id")
	if !ok {
		return nil, nil, apperr.New(apperr.NotFound, "")
	}
	ctx := c.UserContext()
	e, err := h.s.Store().EnrollmentByID(ctx, id)
	if err != nil {
		return nil, nil, err // not found → 404
	}
	p, err := h.s.Store().ProgramByID(ctx, e.ProgramID)
	if err != nil {
		return nil, nil, err
	}
	if err := pairs.Authorize(c, h.s, p, perm, needPairing); err != nil {
		return nil, nil, err
	}
	target, err := h.sv.Target(ctx, p.ID, id)
	return p, target, err
}

// participant is one enrollment with its pairs.
func (h handlers) participant(c *fiber.Ctx) error {
	p, e, err := h.enrollment(c, authz.ParticipantsView, false)
	if err != nil {
		return err
	}
	out := participantOut(p.Slug, e)
	if features.For(p.Settings.Flags).On(features.Pairing) {
		views, err := h.s.Store().ListPairs(c.UserContext(), db.PairQuery{ProgramID: p.ID, EnrollmentID: e.ID})
		if err != nil {
			return err
		}
		out.Pairs = []pairJSON{}
		paired := false
		for _, v := range views {
			out.Pairs = append(out.Pairs, pairOut(p.Slug, v))
			paired = paired || v.Status != db.PairEnded
		}
		out.Paired = &paired
	}
	return c.JSON(fiber.Map{"participant": out})
}

// suggestions ranks partners for a participant (?as=mentor|mentee for
// someone who is both; ?limit= up to 50).
func (h handlers) suggestions(c *fiber.Ctx) error {
	p, e, err := h.enrollment(c, authz.PairsManage, true)
	if err != nil {
		return err
	}
	limit := pairs.SuggestLimit
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 50 {
			return apperr.New(apperr.Invalid, "limit must be a number from 1 to 50.")
		}
		limit = n
	}
	side := c.Query("as")
	switch {
	case side == "" && e.IsMentee:
		side = db.SideMentee
	case side == "" && e.IsMentor:
		side = db.SideMentor
	case side == db.SideMentee && e.IsMentee, side == db.SideMentor && e.IsMentor:
	default:
		return apperr.New(apperr.Invalid, e.Name()+" did not enroll as "+orRole(side)+".")
	}
	pool, err := h.sv.LoadPool(c.UserContext(), p)
	if err != nil {
		return err
	}
	cands, err := h.sv.Suggest(c.UserContext(), pool, e, side == db.SideMentee, limit)
	if err != nil {
		return err
	}
	out := make([]suggestionJSON, len(cands))
	for i, cand := range cands {
		out[i] = suggestionOut(cand)
	}
	return c.JSON(fiber.Map{"participant": e.ID, "as": side, "suggestions": out})
}

func orRole(side string) string {
	switch side {
	case db.SideMentor:
		return "a mentor"
	case db.SideMentee:
		return "a mentee"
	}
	return "a mentor or a mentee"
}

func suggestionOut(c pairing.Candidate) suggestionJSON {
	out := suggestionJSON{
		Mentor: personRef{c.Mentor.ID, c.Mentor.Name}, Mentee: personRef{c.Mentee.ID, c.Mentee.Name},
		Score: roundScore(c.Score), Explanation: c.Explanation, Parts: make([]partJSON, len(c.Parts)),
	}
	for i, pt := range c.Parts {
		out.Parts[i] = partJSON{pt.Factor, roundScore(pt.Value), pt.Text}
	}
	return out
}

func roundScore(f float64) float64 {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	r, _ := strconv.ParseFloat(s, 64)
	return r
}

var pairStatuses = []string{db.PairProposed, db.PairActive, db.PairEnded}

// pairs lists a program's pairs (?status=), one page at a time.
func (h handlers) pairs(c *fiber.Ctx) error {
	p, err := h.program(c, authz.ParticipantsView, true)
	if err != nil {
		return err
	}
	afterID, limit, err := page(c)
	if err != nil {
		return err
	}
	q := db.PairQuery{ProgramID: p.ID, AfterID: afterID, Limit: limit + 1}
	if status := c.Query("status"); status != "" {
		if !slices.Contains(pairStatuses, status) {
			return apperr.New(apperr.Invalid, "status must be one of "+strings.Join(pairStatuses, ", ")+".")
		}
		q.Status = status
	}
	views, err := h.s.Store().ListPairs(c.UserContext(), q)
	if err != nil {
		return err
	}
	var next any
	if len(views) > limit {
		views = views[:limit]
		next = cursorAfter(views[len(views)-1].ID)
	}
	out := make([]pairJSON, len(views))
	for i, v := range views {
		out[i] = pairOut(p.Slug, v)
	}
	return c.JSON(fiber.Map{"pairs": out, "next_cursor": next})
}

type createPairIn struct {
	MentorID int64  `json:"mentor_id" form:"mentor_id"`
	MenteeID int64  `json:"mentee_id" form:"mentee_id"`
	Status   string `json:"status" form:"status"`
}

// createPair makes a pair (active unless "status":"proposed") if every
// rule passes; a refusal is 422 with the reasons.
func (h handlers) createPair(c *fiber.Ctx) error {
	p, err := h.program(c, authz.PairsManage, true)
	if err != nil {
		return err
	}
	var in createPairIn
	if err := parseBody(c, &in); err != nil {
		return err
	}
	switch {
	case in.MentorID <= 0 || in.MenteeID <= 0:
		return apperr.New(apperr.Invalid, "mentor_id and mentee_id are required: the enrollment ids of the mentor and the mentee.")
	case in.Status == "":
		in.Status = db.PairActive
	case in.Status != db.PairActive && in.Status != db.PairProposed:
		return apperr.New(apperr.Invalid, "status must be active or proposed.")
	}
	ctx := c.UserContext()
	pair, refused, err := h.sv.Create(ctx, actor(c), p, pairs.NewPair{MentorID: in.MentorID, MenteeID: in.MenteeID, Status: in.Status, Source: pairs.SourceAPI})
	if err != nil {
		return err // an enrollment outside the program is 404
	}
	if len(refused) > 0 {
		return refusal(c, refused)
	}
	return h.sendPair(c, fiber.StatusCreated, p, pair.ID)
}

// refusal answers a pair that breaks a rule: 422 in the usual error shape,
// with every reason listed.
func refusal(c *fiber.Ctx, rs []pairing.Refusal) error {
	type refusalJSON struct {
		Code   string `json:"code"`
		Reason string `json:"reason"`
	}
	list := make([]refusalJSON, len(rs))
	for i, r := range rs {
		list[i] = refusalJSON{r.Code, r.Reason}
	}
	return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"error": fiber.Map{
		"code": apperr.Invalid, "message": "The pair cannot be made: " + pairs.Reasons(rs) + ".",
		"request_id": requestID(c), "refusals": list,
	}})
}

type endPairIn struct {
	Reason string `json:"reason" form:"reason"`
}

// endPair ends a proposed or active pair with a reason.
func (h handlers) endPair(c *fiber.Ctx) error {
	id, ok := pairs.PathID(c, "id")
	if !ok {
		return apperr.New(apperr.NotFound, "")
	}
	ctx := c.UserContext()
	pair, err := h.s.Store().PairByID(ctx, id)
	if err != nil {
		return err
	}
	p, err := h.s.Store().ProgramByID(ctx, pair.ProgramID)
	if err != nil {
		return err
	}
	if err := pairs.Authorize(c, h.s, p, authz.PairsManage, true); err != nil {
		return err
	}
	var in endPairIn
	if err := parseBody(c, &in); err != nil {
		return err
	}
	reason, msg := pairs.CleanReason(in.Reason)
	if msg != "" {
		return apperr.New(apperr.Invalid, "reason: "+msg)
	}
	if _, err := h.sv.End(ctx, actor(c), p, id, reason); errors.Is(err, pairs.ErrEnded) {
		return apperr.Wrap(err, apperr.Conflict, "The pair has ended already.")
	} else if err != nil {
		return err
	}
	return h.sendPair(c, fiber.StatusOK, p, id)
}

func (h handlers) sendPair(c *fiber.Ctx, status int, p *db.Program, id int64) error {
	views, err := h.s.Store().ListPairs(c.UserContext(), db.PairQuery{ID: id})
	if err != nil {
		return err
	}
	if len(views) != 1 {
		return apperr.New(apperr.NotFound, "")
	}
	return c.Status(status).JSON(fiber.Map{"pair": pairOut(p.Slug, views[0])})
}

// parseBody reads a JSON (or form) body; an empty body is an empty object.
func parseBody(c *fiber.Ctx, v any) error {
	if len(c.Body()) == 0 {
		return nil
	}
	if err := c.BodyParser(v); err != nil {
		return apperr.Wrap(err, apperr.Invalid, "The body must be a JSON object (Content-Type: application/json).")
	}
	return nil
}

// actor is the current person and request, for the audit log.
func actor(c *fiber.Ctx) pairs.Actor {
	a := pairs.Actor{RequestID: web.RequestID(c)}
	if me := web.CurrentPerson(c); me != nil {
		a.PersonID = me.ID
	}
	return a
}

func requestID(c *fiber.Ctx) string { return web.RequestID(c) }
