package pairs

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/web"
	"cohort/db"
)

// The htmx forms of the pairing pages. Without JavaScript the same forms
// post as before (create, end: a redirect, or the page with its errors);
// with htmx a "Pair" button beside a participant and an "End pair" form in
// the list answer with the piece of page they change, so the page around
// them stays.

// createOrPair routes the pairs form: a suggestion's "Pair" button sent
// by htmx is answered in place; anything else is create.
func (h handlers) createOrPair(c *fiber.Ctx) error {
	if !web.IsHTMX(c) || c.FormValue("from") != "suggestions" {
		return h.create(c)
	}
	p, err := h.managed(c)
	if err != nil {
		return err
	}
	mentorID, ok1 := ParseID(strings.TrimSpace(c.FormValue("mentor_id")))
	menteeID, ok2 := ParseID(strings.TrimSpace(c.FormValue("mentee_id")))
	if !ok1 || !ok2 {
		return apperr.New(apperr.Invalid, "Choose a mentor and a mentee.")
	}
	// The list the button was in: a mentee's mentors (the default) or a
	// mentor's mentees. The answer replaces that list and links back to it.
	viewer, side := menteeID, db.SideMentee
	if c.FormValue("as") == db.SideMentor {
		viewer, side = mentorID, db.SideMentor
	}
	data := fiber.Map{"Program": p, "Key": viewer}
	pair, refused, err := h.sv.Create(c.UserContext(), actor(c), p, NewPair{MentorID: mentorID, MenteeID: menteeID,
		Status: db.PairActive, Source: SourceSuggestion})
	if errors.Is(err, db.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	if len(refused) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
		data["Refused"] = true
		data["Message"] = "Not paired: " + Reasons(refused) + "."
		data["Back"] = "/staff/programs/" + p.Slug + "/participants/" + idString(viewer) + "/suggestions?as=" + side
		return h.s.Render(c, "pages/pairs_suggestions", "partials/pairs_created", data)
	}
	row, err := h.pairRow(c, p.ID, pair.ID)
	if err != nil {
		return err
	}
	data["Message"] = row.MenteeName + " is paired with " + row.MentorName + "."
	data["PairID"], data["UndoUntil"] = pair.ID, untilText(pair.CreatedAt)
	data["UndoBack"] = "/staff/programs/" + p.Slug + "/participants/" + idString(viewer) + "/suggestions?as=" + side
	pairChanged(c, pair)
	return h.s.Render(c, "pages/pairs_suggestions", "partials/pairs_created", data)
}

// endOrRow routes the end form: htmx gets the pair's row back, ended (or
// with the reason's error); without htmx it is end.
func (h handlers) endOrRow(c *fiber.Ctx) error {
	if !web.IsHTMX(c) {
		return h.end(c)
	}
	pair, p, err := h.managedPair(c)
	if err != nil {
		return err
	}
	field := reasonField(pair.ID)
	form := web.NewForm(nil)
	justEnded := false
	reason, msg := endReason(c)
	if msg != "" {
		form = web.NewForm(map[string]string{field: c.FormValue("reason")})
		form.Add(field, msg)
		c.Status(fiber.StatusUnprocessableEntity)
	} else {
		ended, err := h.sv.End(c.UserContext(), actor(c), p, pair.ID, reason)
		if errors.Is(err, ErrEnded) {
			return apperr.Wrap(err, apperr.Conflict, "This pair has ended already.")
		}
		if err != nil {
			return err
		}
		pairChanged(c, ended)
		justEnded = true // focus moves to the row's new status
	}
	row, err := h.pairRow(c, p.ID, pair.ID)
	if err != nil {
		return err
	}
	// The row goes back into the table it came from; the active table has
	// a health column.
	row.Table = pair.Status
	if row.Status == db.PairActive {
		hs, err := h.sv.Health(c.UserContext(), p, []*db.PairView{{Pair: db.Pair{ID: row.ID}}})
		if err != nil {
			return err
		}
		row.Health, row.HealthLabel, row.HealthReasons = hs[row.ID].State, hs[row.ID].State.Label(), hs[row.ID].Reasons
	}
	return h.s.Render(c, "pages/pairs_list", "partials/pairs_row", fiber.Map{
		"Program": p, "Pair": row, "EndForm": form, "MaxReason": MaxEndReason, "JustEnded": justEnded,
	})
}

// pairRow is one pair as the list shows it.
func (h handlers) pairRow(c *fiber.Ctx, programID, id int64) (*pairRow, error) {
	views, err := h.s.Store().ListPairs(c.UserContext(), db.PairQuery{ProgramID: programID, ID: id})
	if err != nil {
		return nil, err
	}
	if len(views) == 0 {
		return nil, errNotFound
	}
	v := views[0]
	return &pairRow{
		ID: v.ID, Status: v.Status, MentorID: v.MentorEnrollmentID, MenteeID: v.MenteeEnrollmentID,
		MentorName: v.MentorName, MenteeName: v.MenteeName, Score: score(v.Score), Explanation: v.Explanation,
		Created: when(&v.CreatedAt), Started: when(v.StartedAt), Ended: when(v.EndedAt), EndReason: v.EndReason,
		CreatedBy: v.CreatorName, ReasonField: reasonField(v.ID),
		Undoable: Undoable(&v.Pair, h.s.Store().Now()), UndoUntil: untilText(v.CreatedAt),
	}, nil
}

// pairChanged tells the page (HX-Trigger) whose pairs changed: an open
// participant-table row of either person refreshes itself on
// pair-changed-ID.
func pairChanged(c *fiber.Ctx, p *db.Pair) {
	if p == nil {
		return
	}
	ev, _ := json.Marshal(map[string]bool{
		"pair-changed-" + idString(p.MentorEnrollmentID): true,
		"pair-changed-" + idString(p.MenteeEnrollmentID): true,
	})
	c.Set("HX-Trigger", string(ev))
}
