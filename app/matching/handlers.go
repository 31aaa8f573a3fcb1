package matching

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/features"
	"cohort/app/formsource"
	"cohort/app/pairs"
	"cohort/app/web"
	"cohort/db"
)

type handlers struct {
	s   *web.Server
	sv  *Service
	src *formsource.Source
}

// Register adds the member pages (a mentee's "Find a mentor", a mentor's
// requests) and the staff requests view. Member pages answer 404 unless
// the program takes requests and the person is enrolled in the role the
// page is for; a request is reached only through its own mentor or mentee.
func Register(s *web.Server, sv *Service, src *formsource.Source) {
	h := handlers{s: s, sv: sv, src: src}
	r := s.Router()
	r.Get("/programs/:slug/mentor", signedIn, h.find)
	r.Post("/programs/:slug/mentor/requests", signedIn, h.request)
	r.Get("/programs/:slug/requests", signedIn, h.mentorPage)
	r.Post("/programs/:slug/requests/prefs", signedIn, h.prefs)
	r.Post("/programs/:slug/requests/:id/accept", signedIn, h.accept)
	r.Post("/programs/:slug/requests/:id/decline", signedIn, h.decline)
	r.Get("/staff/programs/:slug/requests", signedIn, h.staff)
	r.Post("/staff/programs/:slug/requests/:id/cancel", signedIn, h.cancel)
	registerAdmin(s)
}

func signedIn(c *fiber.Ctx) error {
	if web.CurrentPerson(c) == nil {
		return apperr.New(apperr.Unauthorized, "")
	}
	return c.Next()
}

var errNotFound = apperr.New(apperr.NotFound, "")

// member loads the program and the person's own enrollment in it, in
// role (db.SideMentor or db.SideMentee), when the program takes requests.
func (h handlers) member(c *fiber.Ctx, role string) (*db.Program, *db.Enrollment, error) {
	p, err := pairs.ProgramBySlug(c, h.s.Store(), c.Params("slug"))
	if err != nil {
		return nil, nil, err
	}
	if !ConfigFor(p).MembersRequest() || !features.For(p.Settings.Flags).On(features.Pairing) {
		return nil, nil, errNotFound
	}
	e, err := h.s.Store().EnrollmentFor(c.UserContext(), p.ID, web.CurrentPerson(c).ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil, errNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	if !pairs.Pairable(e.Status) || (role == db.SideMentor && !e.IsMentor) || (role == db.SideMentee && !e.IsMentee) {
		return nil, nil, errNotFound
	}
	return p, e, nil
}

func (h handlers) labels(c *fiber.Ctx, p *db.Program) FieldLabels {
	fl := FieldLabels{Labels: map[string]string{}}
	def, err := h.src.Current(c.UserContext(), p)
	if err != nil {
		return fl
	}
	for _, f := range def.Fields() {
		fl.Keys = append(fl.Keys, f.Key)
		fl.Labels[f.Key] = f.Label
	}
	return fl
}

// find is a mentee's "Find a mentor": their pair or their requests, and a
// page of suggestions.
func (h handlers) find(c *fiber.Ctx) error {
	p, e, err := h.member(c, db.SideMentee)
	if err != nil {
		return err
	}
	return h.renderFind(c, p, e, "", "")
}

func (h handlers) renderFind(c *fiber.Ctx, p *db.Program, e *db.Enrollment, errMsg, okMsg string) error {
	ctx := c.UserContext()
	pairsNow, err := h.s.Store().ListPairs(ctx, db.PairQuery{ProgramID: p.ID, EnrollmentID: e.ID})
	if err != nil {
		return err
	}
	var open *db.PairView
	for _, pr := range pairsNow {
		if pr.Status != db.PairEnded && pr.MenteeEnrollmentID == e.ID {
			open = pr
		}
	}
	mine, err := h.s.Store().ListMatchRequests(ctx, db.MatchRequestQuery{MenteeID: e.ID, Limit: 50})
	if err != nil {
		return err
	}
	data := fiber.Map{"Title": "Find a mentor", "Program": p, "Pair": open, "Requests": rows(mine, h.s.Store().Now(), false),
		"Error": errMsg, "OK": okMsg, "Config": ConfigFor(p), "Interest": c.Query("interest")}
	if open == nil {
		page, _ := strconv.Atoi(c.Query("page"))
		sg, err := h.sv.Suggestions(ctx, p, e.ID, c.Query("interest"), page, h.labels(c, p))
		if err != nil {
			return err
		}
		data["Suggestions"] = sg
	}
	return h.s.Render(c, "pages/match_find", "", data)
}

// request sends a request to one of the mentee's suggested mentors.
func (h handlers) request(c *fiber.Ctx) error {
	p, e, err := h.member(c, db.SideMentee)
	if err != nil {
		return err
	}
	mentorID, ok := pairs.ParseID(c.FormValue("mentor_id"))
	if !ok {
		return h.renderFind(c, p, e, "Choose a mentor from your suggestions.", "")
	}
	ctx := c.UserContext()
	in, err := h.sv.Suggested(ctx, p, e.ID, mentorID)
	if err != nil {
		return err
	}
	if !in {
		return h.renderFind(c, p, e, "You can request only mentors from your suggestions.", "")
	}
	_, rs, err := h.sv.Request(ctx, p, e.ID, mentorID, c.FormValue("message"))
	if err != nil {
		return err
	}
	if len(rs) > 0 {
		return h.renderFind(c, p, e, Reasons(rs), "")
	}
	return h.renderFind(c, p, e, "", "Your request is sent. You will get a mail when the mentor answers.")
}

// mentorPage is a mentor's requests and their own settings.
func (h handlers) mentorPage(c *fiber.Ctx) error {
	p, e, err := h.member(c, db.SideMentor)
	if err != nil {
		return err
	}
	return h.renderMentor(c, p, e, "", "")
}

func (h handlers) renderMentor(c *fiber.Ctx, p *db.Program, e *db.Enrollment, errMsg, okMsg string) error {
	ctx := c.UserContext()
	mine, err := h.s.Store().ListMatchRequests(ctx, db.MatchRequestQuery{MentorID: e.ID, Limit: 100})
	if err != nil {
		return err
	}
	pref, err := h.s.Store().MentorPrefOf(ctx, e.ID)
	if err != nil {
		return err
	}
	prs, err := h.s.Store().ListPairs(ctx, db.PairQuery{ProgramID: p.ID, EnrollmentID: e.ID})
	if err != nil {
		return err
	}
	var mentees []*db.PairView
	for _, pr := range prs {
		if pr.Status != db.PairEnded && pr.MentorEnrollmentID == e.ID {
			mentees = append(mentees, pr)
		}
	}
	cfg := ConfigFor(p)
	return h.s.Render(c, "pages/match_requests", "", fiber.Map{"Title": "Mentoring requests", "Program": p, "Mentees": mentees,
		"Requests": rows(mine, h.s.Store().Now(), true), "Pref": pref, "Capacity": cfg.OwnCapacity(pref),
		"Limit": cfg.Capacity, "Error": errMsg, "OK": okMsg})
}

func (h handlers) prefs(c *fiber.Ctx) error {
	p, e, err := h.member(c, db.SideMentor)
	if err != nil {
		return err
	}
	capacity, err := strconv.Atoi(c.FormValue("capacity", "0"))
	if err != nil {
		return h.renderMentor(c, p, e, "Capacity must be a whole number.", "")
	}
	if limit := ConfigFor(p).Capacity; capacity < 0 || capacity > limit {
		return h.renderMentor(c, p, e, fmt.Sprintf("Capacity must be between 1 and %d, the program's limit (0: the limit).", limit), "")
	}
	if err := h.sv.SetPrefs(c.UserContext(), p, e.ID, c.FormValue("paused") == "on", capacity); err != nil {
		return err
	}
	return h.renderMentor(c, p, e, "", "Your settings are saved.")
}

func (h handlers) accept(c *fiber.Ctx) error {
	return h.answer(c, "You are now paired. You will both get an introduction mail.",
		func(p *db.Program, e *db.Enrollment, id int64) (string, error) {
			res, err := h.sv.Accept(c.UserContext(), actor(c), p, e.ID, id)
			if err == nil && len(res.Refusals) > 0 {
				return Reasons(res.Refusals), nil
			}
			return "", err
		})
}

func (h handlers) decline(c *fiber.Ctx) error {
	return h.answer(c, "The request is declined; the mentee is told kindly.",
		func(p *db.Program, e *db.Enrollment, id int64) (string, error) {
			if _, err := CleanText(c.FormValue("reason"), MaxReason, "reason"); err != nil {
				return fmt.Sprintf("The reason can be at most %d characters.", MaxReason), nil
			}
			return "", h.sv.Decline(c.UserContext(), actor(c), p, e.ID, id, c.FormValue("reason"))
		})
}

// answer runs a mentor's answer to one of their requests and shows the
// outcome on their page: the same lookups and the same refusals hold for
// accepting and declining. do returns a problem to show the mentor, or an
// error; done is said when neither comes back.
func (h handlers) answer(c *fiber.Ctx, done string, do func(*db.Program, *db.Enrollment, int64) (string, error)) error {
	p, e, err := h.member(c, db.SideMentor)
	if err != nil {
		return err
	}
	id, ok := pairs.PathID(c, "id")
	if !ok {
		return errNotFound
	}
	problem, err := do(p, e, id)
	switch {
	case errors.Is(err, db.ErrNotFound):
		return errNotFound
	case errors.Is(err, ErrNotPending):
		return h.renderMentor(c, p, e, "This request was already answered, withdrawn or expired.", "")
	case err != nil:
		return err
	case problem != "":
		return h.renderMentor(c, p, e, problem, "")
	}
	return h.renderMentor(c, p, e, "", done)
}

// staff is a program's requests for those who manage its pairs, the
// longest waiting first.
func (h handlers) staff(c *fiber.Ctx) error {
	p, err := h.staffProgram(c)
	if err != nil {
		return err
	}
	return h.renderStaff(c, p, "")
}

func (h handlers) renderStaff(c *fiber.Ctx, p *db.Program, msg string) error {
	all, err := h.s.Store().ListMatchRequests(c.UserContext(), db.MatchRequestQuery{ProgramID: p.ID, OldestFirst: true, Limit: 500})
	if err != nil {
		return err
	}
	by := map[string][]Row{}
	now := h.s.Store().Now()
	for _, r := range rows(all, now, true) {
		by[r.Status] = append(by[r.Status], r)
	}
	return h.s.Render(c, "pages/staff_match_requests", "", fiber.Map{"Title": "Requests", "Program": p,
		"Mode": ConfigFor(p).Mode, "Groups": []fiber.Map{
			{"Name": "Pending", "Rows": by[db.RequestPending], "Cancel": true},
			{"Name": "Accepted", "Rows": by[db.RequestAccepted]},
			{"Name": "Declined", "Rows": by[db.RequestDeclined]},
			{"Name": "Expired", "Rows": by[db.RequestExpired]},
			{"Name": "Withdrawn or cancelled", "Rows": append(by[db.RequestWithdrawn], by[db.RequestCancelled]...)},
		}, "OK": msg})
}

func (h handlers) cancel(c *fiber.Ctx) error {
	p, err := h.staffProgram(c)
	if err != nil {
		return err
	}
	id, ok := pairs.PathID(c, "id")
	if !ok {
		return errNotFound
	}
	err = h.sv.Cancel(c.UserContext(), actor(c), p, id)
	switch {
	case errors.Is(err, db.ErrNotFound):
		// Staff may see every request of the program, so a missing one
		// is told plainly rather than as an error page.
		return h.renderStaff(c, p, "That request is not in this program.")
	case errors.Is(err, ErrNotPending):
		return h.renderStaff(c, p, "That request was no longer pending.")
	case err != nil:
		return err
	}
	return h.renderStaff(c, p, "The request is cancelled; both people are told.")
}

func (h handlers) staffProgram(c *fiber.Ctx) (*db.Program, error) {
	p, err := pairs.ProgramBySlug(c, h.s.Store(), c.Params("slug"))
	if err != nil {
		return nil, err
	}
	if err := pairs.Authorize(c, h.s, p, authz.PairsManage, true); err != nil {
		return nil, err
	}
	return p, nil
}

func actor(c *fiber.Ctx) pairs.Actor {
	a := pairs.Actor{RequestID: web.RequestID(c)}
	if me := web.CurrentPerson(c); me != nil {
		a.PersonID = me.ID
	}
	return a
}

// Row is a request on a page, with its age in words.
type Row struct {
	*db.MatchRequestView
	Age      string
	Decision string // for the mentee: the kind words of a decline
}

// rows turns requests into page rows. forMentor keeps the mentee's
// message; for the mentee a decline reads as KindDecline.
func rows(rs []*db.MatchRequestView, now time.Time, forMentor bool) []Row {
	out := make([]Row, 0, len(rs))
	for _, r := range rs {
		row := Row{MatchRequestView: r, Age: Age(now.Sub(r.CreatedAt))}
		if !forMentor && r.Status == db.RequestDeclined {
			row.Decision = KindDecline(r.MentorName, r.Reason)
		}
		out = append(out, row)
	}
	return out
}

// Age is a duration in words: "3 days", "5 hours", "just now".
func Age(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return strconv.Itoa(int(d/(24*time.Hour))) + " days"
	case d >= 24*time.Hour:
		return "1 day"
	case d >= 2*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " hours"
	case d >= time.Hour:
		return "1 hour"
	}
	return "less than an hour"
}
