package pairs

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cohort/app/staffnav"
	"cohort/db"
)

// proposalRow is one proposed pair with its checkbox.
type proposalRow struct {
	Value                  string // "mentorID-menteeID", the checkbox value
	MentorName, MenteeName string
	Score, Explanation     string
}

// unmatchedRow is a mentee the proposal left for staff.
type unmatchedRow struct {
	ID   int64
	Name string
}

// proposal runs the whole-program proposal over the free mentors and
// mentees and shows it for review. Nothing is stored.
func (h handlers) proposal(c *fiber.Ctx) error {
	p, err := h.managed(c)
	if err != nil {
		return err
	}
	return h.renderProposal(c, p, nil, "")
}

func (h handlers) renderProposal(c *fiber.Ctx, p *db.Program, refused []Outcome, formError string) error {
	ctx := c.UserContext()
	pool, err := h.sv.LoadPool(ctx, p)
	if err != nil {
		return err
	}
	prop, err := h.sv.Propose(ctx, pool)
	if err != nil {
		return err
	}
	rows := make([]proposalRow, len(prop.Pairs))
	for i, cand := range prop.Pairs {
		rows[i] = proposalRow{
			Value:      pickValue(cand.Mentor.ID, cand.Mentee.ID),
			MentorName: cand.Mentor.Name, MenteeName: cand.Mentee.Name,
			Score: score(cand.Score), Explanation: cand.Explanation,
		}
	}
	var unmatched []unmatchedRow
	for _, id := range prop.Unmatched {
		if e := pool.ByID[id]; e != nil {
			unmatched = append(unmatched, unmatchedRow{id, e.Name()})
		}
	}
	data := fiber.Map{
		"Title": "Proposal · " + p.Name, "Nav": "staff", "Program": p, "Pairs": rows, "Total": score(prop.Total),
		"Unmatched": unmatched, "FreeMentors": len(pool.FreeMentors()), "FreeMentees": len(pool.FreeMentees()),
		"Refused": refused, "FormError": formError,
	}
	nav, err := staffnav.For(c, h.s, p, "proposal")
	if err != nil {
		return err
	}
	data["ProgramNav"] = nav
	return h.s.Render(c, "pages/pairs_proposal", "partials/pairs_proposal", data)
}

func pickValue(mentorID, menteeID int64) string {
	return idString(mentorID) + "-" + idString(menteeID)
}

// acceptProposal makes the checked pairs active, re-checking each. If any
// was refused, the page comes back with the reasons and a fresh proposal
// for whoever is still free.
func (h handlers) acceptProposal(c *fiber.Ctx) error {
	p, err := h.managed(c)
	if err != nil {
		return err
	}
	var picks []Pick
	for _, raw := range c.Request().PostArgs().PeekMulti("pair") {
		m, e, ok := strings.Cut(string(raw), "-")
		mentorID, ok1 := ParseID(m)
		menteeID, ok2 := ParseID(e)
		if !ok || !ok1 || !ok2 {
			return errNotFound // not a value the page offered
		}
		picks = append(picks, Pick{mentorID, menteeID})
	}
	if len(picks) == 0 {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderProposal(c, p, nil, "Choose at least one pair to accept.")
	}
	outcomes, err := h.sv.AcceptProposal(c.UserContext(), actor(c), p, picks)
	if errors.Is(err, db.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	var refused []Outcome
	for _, o := range outcomes {
		if o.Pair == nil {
			refused = append(refused, o)
		}
	}
	if len(refused) == 0 {
		return redirect(c, pairsURL(p.Slug)+"?done=proposal")
	}
	c.Status(fiber.StatusConflict)
	return h.renderProposal(c, p, refused, "")
}

// OutcomeReasons is an outcome's refusals in one sentence (templates).
func (o Outcome) OutcomeReasons() string { return Reasons(o.Refusals) }
