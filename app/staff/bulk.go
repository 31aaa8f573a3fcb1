package staff

import (
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/staffnav"
	"cohort/app/web"
)

// maxBulk bounds one bulk decision (a page holds 50; a crafted request
// cannot make one transaction touch the whole program).
const maxBulk = 500

// bulk approves, waitlists or declines the selected participants, each
// change with its own audit event, all in one transaction. A selection
// naming anyone outside this program is refused whole (422): nothing is
// changed, so a tampered list cannot half-apply. Participants who may not
// be decided (drafts, withdrawn) are skipped and counted.
func (h *handlers) bulk(c *fiber.Ctx) error {
	sc, err := h.load(c, authz.ParticipantsEdit)
	if err != nil {
		return err
	}
	to, ok := decisions[c.FormValue("action")]
	if !ok {
		return apperr.New(apperr.Invalid, "Choose approve, waitlist or decline.")
	}
	var ids []int64
	for _, raw := range c.Request().PostArgs().PeekMulti("id") {
		id, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || id <= 0 {
			return apperr.New(apperr.Invalid, "The selection is not valid. Nothing was changed.")
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		return apperr.New(apperr.Invalid, "Select at least one participant first.")
	case len(ids) > maxBulk:
		return apperr.New(apperr.Invalid, "Select at most "+strconv.Itoa(maxBulk)+" participants at a time.")
	}
	ctx := c.UserContext()
	n, err := h.s.Store().CountProgramEnrollments(ctx, sc.p.ID, ids)
	if err != nil {
		return err
	}
	if n != len(ids) {
		return apperr.New(apperr.Invalid, "Some of the selected participants are not in this program. Nothing was changed.")
	}
	if to == "declined" && c.FormValue("confirm") != "yes" {
		return h.confirmDecline(c, sc, ids)
	}
	changed, skipped, err := h.decide(ctx, c, sc, ids, to, false)
	if err != nil {
		return err
	}
	q := postedView(c)
	if !web.IsHTMX(c) {
		return c.Redirect(sc.base()+qs(q)+sep(q)+"done=bulk&n="+strconv.Itoa(changed), fiber.StatusSeeOther)
	}
	msg := strconv.Itoa(changed) + " " + plural(changed, "participant", "participants") + " " + pastTense[to] + "."
	if skipped > 0 {
		msg += " " + strconv.Itoa(skipped) + " skipped: only submitted or already decided enrollments can be decided."
	}
	// The table again, as of after the change: the version read before it
	// is stale (the cache would otherwise answer with the old rows).
	if sc.version, err = h.s.Store().ParticipantsStamp(ctx, sc.p.ID); err != nil {
		return err
	}
	data, err := h.tableData(c, sc, q, web.NewForm(nil))
	if err != nil {
		return err
	}
	data["Flash"] = &web.Flash{Kind: "success", Message: msg}
	return h.s.Render(c, "pages/staff_participants", "partials/staff_results", data)
}

var pastTense = map[string]string{"approved": "approved", "waitlisted": "waitlisted", "declined": "declined"}

// confirmDecline asks before declining a selection: a page (or, with htmx,
// the results region) naming how many, whose button posts the same
// selection again with confirm=yes. It works the same without JavaScript.
func (h *handlers) confirmDecline(c *fiber.Ctx, sc *scope, ids []int64) error {
	q := postedView(c)
	data := fiber.Map{
		"Title": "Decline participants? · " + sc.p.Name, "Nav": "staff", "Program": sc.p,
		"IDs": ids, "N": len(ids), "Noun": plural(len(ids), "participant", "participants"),
		"View": c.FormValue("view"), "Base": sc.base(), "ListURL": sc.base() + qs(q),
	}
	nav, err := staffnav.For(c, h.s, sc.p, "participants")
	if err != nil {
		return err
	}
	data["ProgramNav"] = nav
	return h.s.Render(c, "pages/staff_bulk_confirm", "partials/staff_bulk_confirm", data)
}
