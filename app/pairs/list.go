package pairs

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/health"
	"cohort/app/pairing"
	"cohort/app/staffnav"
	"cohort/app/web"
	"cohort/db"
)

// doneMessages are the confirmations a redirect may ask for; anything else
// in ?done= is ignored, so the query string cannot put text on the page.
var doneMessages = map[string]string{
	"created":  "Pair created. It is active now; you can undo it for a few minutes, before anyone is told.",
	"undone":   "Pair undone. It was removed, and the two may still be paired with each other.",
	"accepted": "Pair accepted. It is active now.",
	"ended":    "Pair ended.",
	"mistake":  "Pair ended as made by mistake. The two may be paired with each other again.",
	"proposal": "The chosen pairs were created. They are active now.",
	"handled":  "Marked handled. Answers saved from now on count again.",
}

// pairRow is one pair as the list shows it.
type pairRow struct {
	ID                     int64
	Status                 string
	MentorID, MenteeID     int64
	MentorName, MenteeName string
	Score                  string
	Explanation            string
	Created, Started       string
	Ended, EndReason       string
	CreatedBy              string
	ReasonField            string // the end form's reason input
	// Health of an active pair, with the reasons in words.
	Health        health.State
	HealthLabel   string
	HealthReasons []string
	// Table is the table a re-rendered row goes back into (the status it
	// had when the page showed it).
	Table     string
	Undoable  bool   // inside its undo window
	UndoUntil string // when the undo window closes
}

// option is one entry of a person select.
type option struct {
	ID    int64
	Label string
}

// when formats a stored time for staff: UTC, to the minute.
func when(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04") + " UTC"
}

// score formats a score for reading.
func score(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

func reasonField(id int64) string { return "reason-" + strconv.FormatInt(id, 10) }

// list is the program's pairs with the manual pairing form.
func (h handlers) list(c *fiber.Ctx) error {
	p, err := h.managed(c)
	if err != nil {
		return err
	}
	var flash *web.Flash
	if msg, ok := doneMessages[c.Query("done")]; ok {
		flash = &web.Flash{Kind: "success", Message: msg}
	}
	return h.renderList(c, p, web.NewForm(nil), web.NewForm(nil), nil, flash)
}

// renderList renders the pairs page; an htmx POST (the manual form) gets
// the form's section alone.
func (h handlers) renderList(c *fiber.Ctx, p *db.Program, form, endForm *web.Form, refused []pairing.Refusal, flash *web.Flash) error {
	ctx := c.UserContext()
	views, err := h.s.Store().ListPairs(ctx, db.PairQuery{ProgramID: p.ID})
	if err != nil {
		return err
	}
	healths, err := h.sv.Health(ctx, p, views)
	if err != nil {
		return err
	}
	only := healthFilter(c)
	groups := map[string][]pairRow{}
	for _, v := range views {
		hr := healths[v.ID]
		if v.Status == db.PairActive && only != "" && hr.State != only {
			continue
		}
		groups[v.Status] = append(groups[v.Status], pairRow{
			ID: v.ID, Status: v.Status, MentorID: v.MentorEnrollmentID, MenteeID: v.MenteeEnrollmentID,
			MentorName: v.MentorName, MenteeName: v.MenteeName, Score: score(v.Score), Explanation: v.Explanation,
			Created: when(&v.CreatedAt), Started: when(v.StartedAt), Ended: when(v.EndedAt), EndReason: v.EndReason,
			CreatedBy: v.CreatorName, ReasonField: reasonField(v.ID),
			Health: hr.State, HealthLabel: hr.State.Label(), HealthReasons: hr.Reasons,
			Undoable: Undoable(&v.Pair, h.s.Store().Now()), UndoUntil: untilText(v.CreatedAt),
		})
	}
	pool, err := h.sv.LoadPool(ctx, p)
	if err != nil {
		return err
	}
	var mentors, mentees []option
	for _, m := range pool.Mentors {
		cur, capacity := pool.Load(m.ID)
		mentors = append(mentors, option{m.ID, fmt.Sprintf("%s — %s, %d of %d taken", m.Name, orgOrDash(m.Org), cur, capacity)})
	}
	for _, e := range pool.Mentees {
		label := e.Name + " — " + orgOrDash(e.Org)
		if pair := pool.PairOf(e.ID); pair != nil {
			label += ", " + pair.Status + " pair"
		}
		mentees = append(mentees, option{e.ID, label})
	}
	data := fiber.Map{
		"Title": "Pairs · " + p.Name, "Nav": "staff", "Program": p,
		"Proposed": groups[db.PairProposed], "Active": groups[db.PairActive], "Ended": groups[db.PairEnded],
		"Mentors": mentors, "Mentees": mentees, "Form": form, "EndForm": endForm, "Refusals": refused,
		"MaxReason": MaxEndReason, "HealthStates": health.States, "HealthFilter": only,
	}
	nav, err := staffnav.For(c, h.s, p, "pairs")
	if err != nil {
		return err
	}
	data["ProgramNav"] = nav
	if flash != nil {
		data["Flash"] = flash
	}
	partial := "" // a GET is the whole page, whoever asks
	if c.Method() == fiber.MethodPost {
		partial = "partials/pairs_form"
	}
	return h.s.Render(c, "pages/pairs_list", partial, data)
}

func orgOrDash(org string) string {
	if org == "" {
		return "no org given"
	}
	return org
}

// create makes an active pair from the manual form or a suggestion's
// "Pair" button, if every rule passes; otherwise the form comes back with
// the reasons beside it.
func (h handlers) create(c *fiber.Ctx) error {
	p, err := h.managed(c)
	if err != nil {
		return err
	}
	form := web.NewForm(map[string]string{
		"mentor_id": strings.TrimSpace(c.FormValue("mentor_id")),
		"mentee_id": strings.TrimSpace(c.FormValue("mentee_id")),
	})
	mentorID, ok := ParseID(form.Value("mentor_id"))
	if !ok {
		form.Add("mentor_id", "Choose a mentor.")
	}
	menteeID, ok := ParseID(form.Value("mentee_id"))
	if !ok {
		form.Add("mentee_id", "Choose a mentee.")
	}
	if !form.Valid() {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderList(c, p, form, web.NewForm(nil), nil, nil)
	}
	source := SourceManual
	if c.FormValue("from") == "suggestions" {
		source = SourceSuggestion
	}
	_, refused, err := h.sv.Create(c.UserContext(), actor(c), p, NewPair{MentorID: mentorID, MenteeID: menteeID, Status: db.PairActive, Source: source})
	if errors.Is(err, db.ErrNotFound) {
		return errNotFound // an enrollment of another program, or none
	}
	if err != nil {
		return err
	}
	if len(refused) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderList(c, p, form, web.NewForm(nil), refused, nil)
	}
	return redirect(c, pairsURL(p.Slug)+"?done=created")
}

// accept makes a proposed pair active after checking the rules again.
func (h handlers) accept(c *fiber.Ctx) error {
	pair, p, err := h.managedPair(c)
	if err != nil {
		return err
	}
	_, refused, err := h.sv.Accept(c.UserContext(), actor(c), p, pair.ID)
	if errors.Is(err, ErrNotProposed) {
		return apperr.Wrap(err, apperr.Conflict, "This pair is no longer waiting to be accepted.")
	}
	if err != nil {
		return err
	}
	if len(refused) > 0 {
		c.Status(fiber.StatusConflict)
		return h.renderList(c, p, web.NewForm(nil), web.NewForm(nil), nil, &web.Flash{Kind: "error",
			Message: "The pair was not accepted: " + Reasons(refused) + "."})
	}
	return redirect(c, pairsURL(p.Slug)+"?done=accepted")
}

// end ends a proposed or active pair; the reason is required.
func (h handlers) end(c *fiber.Ctx) error {
	pair, p, err := h.managedPair(c)
	if err != nil {
		return err
	}
	field := reasonField(pair.ID)
	reason, msg := endReason(c)
	if msg != "" {
		form := web.NewForm(map[string]string{field: c.FormValue("reason")})
		form.Add(field, msg)
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderList(c, p, web.NewForm(nil), form, nil, nil)
	}
	_, err = h.sv.End(c.UserContext(), actor(c), p, pair.ID, reason)
	if errors.Is(err, ErrEnded) {
		return apperr.Wrap(err, apperr.Conflict, "This pair has ended already.")
	}
	if err != nil {
		return err
	}
	if IsMistake(reason) {
		return redirect(c, pairsURL(p.Slug)+"?done=mistake")
	}
	return redirect(c, pairsURL(p.Slug)+"?done=ended")
}

// endReason is the reason of an end form: what staff typed, or with the
// "made by mistake" button ReasonMistake, followed by what they typed if
// anything. msg is the problem, if any.
func endReason(c *fiber.Ctx) (reason, msg string) {
	typed := c.FormValue("reason")
	if c.FormValue("mistake") != "" && !IsMistake(typed) {
		if strings.TrimSpace(typed) == "" {
			typed = ReasonMistake
		} else {
			typed = ReasonMistake + ": " + strings.TrimSpace(typed)
		}
	}
	return CleanReason(typed)
}

// untilText is when the undo window of a pair made at created closes.
func untilText(created time.Time) string {
	return created.Add(db.PairUndoWindow).UTC().Format("15:04") + " UTC"
}

// undo removes a pair made moments ago (see Service.Undo). Afterwards
// staff return to the suggestions they paired from, or the pairs list.
func (h handlers) undo(c *fiber.Ctx) error {
	pair, p, err := h.managedPair(c)
	if err != nil {
		return err
	}
	_, err = h.sv.Undo(c.UserContext(), actor(c), p, pair.ID)
	if errors.Is(err, ErrUndoExpired) {
		return apperr.Wrap(err, apperr.Conflict, "This pair can no longer be undone: the few minutes for that have passed. End it instead, with the reason \""+ReasonMistake+"\" if it should not have been made.")
	}
	if errors.Is(err, db.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	pairChanged(c, pair)
	back := c.FormValue("back")
	if prefix := "/staff/programs/" + p.Slug + "/participants/"; strings.HasPrefix(back, prefix) && !strings.ContainsAny(back, "\\\r\n") && !strings.Contains(back, "//") {
		return redirect(c, back)
	}
	return redirect(c, pairsURL(p.Slug)+"?done=undone")
}

// CleanReason trims an end reason and checks it: required, plain text, at
// most MaxEndReason characters. msg is the problem, if any.
func CleanReason(s string) (reason, msg string) {
	reason = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return "", "Say why the pair ends."
	case n > MaxEndReason:
		return "", fmt.Sprintf("Keep the reason to %d characters or fewer (it has %d).", MaxEndReason, n)
	}
	if !utf8.ValidString(reason) {
		return "", "Use plain text."
	}
	for _, r := range reason {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return "", "Use plain text."
		}
	}
	return reason, ""
}
