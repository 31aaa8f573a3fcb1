package pairs

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"cohort/app/staffnav"
	"cohort/db"
)

// suggestionRow is one ranked partner.
type suggestionRow struct {
	Rank               int
	PartnerID          int64
	PartnerName        string
	PartnerOrg         string
	Score, Explanation string
	MentorID, MenteeID int64
}

// suggestions ranks partners for one participant: mentors for a mentee,
// mentees for a mentor (?as= picks the side of someone who is both). An
// htmx request gets the list alone, to show beside the participant.
func (h handlers) suggestions(c *fiber.Ctx) error {
	p, err := h.managed(c)
	if err != nil {
		return err
	}
	id, ok := PathID(c, "id")
	if !ok {
		return errNotFound
	}
	ctx := c.UserContext()
	target, err := h.sv.Target(ctx, p.ID, id)
	if errors.Is(err, db.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	side := c.Query("as")
	if (side == db.SideMentee && !target.IsMentee) || (side == db.SideMentor && !target.IsMentor) || (side != db.SideMentee && side != db.SideMentor) {
		switch {
		case target.IsMentee:
			side = db.SideMentee
		case target.IsMentor:
			side = db.SideMentor
		default:
			side = ""
		}
	}
	data := fiber.Map{
		"Title": "Suggestions for " + target.Name() + " · " + p.Name, "Nav": "staff", "Program": p, "Target": target,
		"TargetName": target.Name(), "Side": side, "Both": target.IsMentor && target.IsMentee,
		"CanPair": Pairable(target.Status),
	}
	nav, err := staffnav.For(c, h.s, p, "participants")
	if err != nil {
		return err
	}
	data["ProgramNav"] = nav
	if !Pairable(target.Status) {
		data["Note"] = fmt.Sprintf("%s's enrollment is %s: it can be paired once it is submitted or approved.", target.Name(), target.Status)
	}
	if side == "" {
		data["Note"] = target.Name() + " did not enroll as a mentor or as a mentee."
		return h.s.Render(c, "pages/pairs_suggestions", "partials/pairs_suggestions", data)
	}
	pool, err := h.sv.LoadPool(ctx, p)
	if err != nil {
		return err
	}
	if side == db.SideMentee {
		if pair := pool.PairOf(target.ID); pair != nil {
			data["Note"] = fmt.Sprintf("%s already has %s pair; end it before pairing again.", target.Name(), withArticle(pair.Status))
			data["CanPair"] = false
		}
	} else if cur, capacity := pool.Load(target.ID); cur >= capacity {
		data["Note"] = fmt.Sprintf("%s has no capacity left (%d of %d taken).", target.Name(), cur, capacity)
	}
	cands, err := h.sv.Suggest(ctx, pool, target, side == db.SideMentee, SuggestLimit)
	if err != nil {
		return err
	}
	rows := make([]suggestionRow, len(cands))
	for i, cand := range cands {
		partner := cand.Mentor
		if side == db.SideMentor {
			partner = cand.Mentee
		}
		rows[i] = suggestionRow{
			Rank: i + 1, PartnerID: partner.ID, PartnerName: partner.Name, PartnerOrg: orgOrDash(partner.Org),
			Score: score(cand.Score), Explanation: cand.Explanation, MentorID: cand.Mentor.ID, MenteeID: cand.Mentee.ID,
		}
	}
	data["Suggestions"] = rows
	return h.s.Render(c, "pages/pairs_suggestions", "partials/pairs_suggestions", data)
}
