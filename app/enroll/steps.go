package enroll

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/features"
	"cohort/app/forms"
	"cohort/app/web"
	"cohort/db"
)

// notices are the fixed messages a redirect may ask a page to show (a key
// in the query string, never free text).
var notices = map[string]string{
	"finish":     "Please finish this step first: the later ones build on it.",
	"submitted":  "Thank you: your enrollment is submitted. We will let you know what happens next.",
	"withdrawn":  "You have withdrawn. Your answers are kept: while the program is open you can rejoin below.",
	"rejoined":   "Welcome back: you have rejoined with the answers you gave before.",
	"renewing":   "Your answers are carried over. Check each step, change what is different, and submit.",
	"incomplete": "Some answers still need your attention before you can submit.",
	"saved":      "Your changes are saved.",
}

// editable reports whether the member may still change answers.
func editable(status string) bool {
	switch status {
	case db.StatusWithdrawn, db.StatusDeclined, db.StatusEnded:
		return false
	}
	return true
}

type progressItem struct {
	Title, Link   string
	Done, Current bool
}

// reachable is the index of the last step the member may open: everything
// up to the first incomplete step while drafting, everything afterwards.
func reachable(o *own) int {
	if o.e.Status != db.StatusDraft {
		return len(o.def.Steps()) - 1
	}
	first := forms.FirstIncompleteStep(o.def, o.answers(), o.e.CompletedStepList())
	if first == "" {
		return len(o.def.Steps()) - 1
	}
	_, idx, _ := o.def.Step(first)
	return idx
}

// ownStep loads the person's enrollment :id and its step :step.
func (h *handlers) ownStep(c *fiber.Ctx) (*own, *forms.Step, int, error) {
	o, err := h.loadOwn(c)
	if err != nil {
		return nil, nil, 0, err
	}
	st, idx, ok := o.def.Step(c.Params("step"))
	if !ok {
		return nil, nil, 0, apperr.New(apperr.NotFound, "That part of the form does not exist.")
	}
	return o, st, idx, nil
}

// stepPage shows one step, refilled from the saved answers. A step beyond
// the first incomplete one redirects there: later steps may depend on
// earlier answers.
func (h *handlers) stepPage(c *fiber.Ctx) error {
	o, st, idx, err := h.ownStep(c)
	if err != nil {
		return err
	}
	if !editable(o.e.Status) {
		return c.Redirect(o.link(""), fiber.StatusSeeOther)
	}
	if last := reachable(o); idx > last {
		return c.Redirect(o.stepLink(o.def.Steps()[last].Key)+"?notice=finish", fiber.StatusSeeOther)
	}
	now := h.s.Store().Now()
	in := forms.Inputs(o.def, st.Key, o.answers(), now)
	return h.renderStep(c, o, st, idx, in, o.answers(), nil, fiber.StatusOK, notices[c.Query("notice")])
}

func (h *handlers) renderStep(c *fiber.Ctx, o *own, st *forms.Step, idx int, in map[string][]string, answers forms.Answers, errs []forms.FieldError, status int, notice string) error {
	uploads, err := h.uploadsByField(c, o)
	if err != nil {
		return err
	}
	now := h.s.Store().Now()
	last := reachable(o)
	completed := o.e.CompletedStepList()
	var progress []progressItem
	for i, s := range o.def.Steps() {
		item := progressItem{Title: s.Title, Current: i == idx}
		for _, k := range completed {
			item.Done = item.Done || k == s.Key
		}
		if i <= last && i != idx {
			item.Link = o.stepLink(s.Key)
		}
		progress = append(progress, item)
	}
	form := web.NewForm(nil)
	for _, e := range errs {
		form.Add(e.Field, e.Message)
	}
	multipart := false
	for _, f := range st.Fields {
		multipart = multipart || f.Type == forms.TypeFile
	}
	data := fiber.Map{
		"Title": st.Title + " · " + o.p.Name, "Nav": "mine", "Program": o.p, "Enrollment": o.e, "Step": st,
		"Fields":   fieldViews(o.def, st, in, answers, errs, uploads, now),
		"Progress": progress, "Form": form, "Notice": notice,
		"Action": o.stepLink(st.Key), "AutosaveAction": o.stepLink(st.Key) + "/autosave",
		"Autosave": o.flag.On(features.Autosave), "Multipart": multipart && o.flag.On(features.Uploads),
		"IsLast": idx == len(o.def.Steps())-1, "Version": o.e.Version,
	}
	if idx > 0 {
		data["PrevLink"] = o.stepLink(o.def.Steps()[idx-1].Key)
	}
	c.Status(status)
	return h.s.Render(c, "pages/enroll_step", "partials/enroll_step", data)
}

// formValues is the posted form as url.Values-like lists, whether it came
// urlencoded or multipart.
func formValues(c *fiber.Ctx) map[string][]string {
	in := map[string][]string{}
	if mf, err := c.MultipartForm(); err == nil && mf != nil {
		maps.Copy(in, mf.Value)
		return in
	}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		key := string(k)
		in[key] = append(in[key], string(v))
	})
	return in
}

// keepFiles carries a file field's saved upload over when the post has no
// new file for it (browsers never resend a file, and autosave sends none).
func keepFiles(st *forms.Step, in map[string][]string, prev forms.Answers) {
	for _, f := range st.Fields {
		if f.Type != forms.TypeFile {
			continue
		}
		if len(in[f.Key]) == 0 || in[f.Key][0] == "" {
			if v := forms.Raw(prev, f.Key); v != "" {
				in[f.Key] = []string{v}
			}
		}
	}
}

// save parses one step onto the enrollment's latest answers inside the
// store's serialised update, so two tabs or a double submit apply one after
// the other. complete marks the step done when it has no errors.
func (h *handlers) save(c *fiber.Ctx, o *own, st *forms.Step, in map[string][]string, complete bool) (*db.Enrollment, forms.Answers, []forms.FieldError, error) {
	now := h.s.Store().Now()
	var (
		errs    []forms.FieldError
		answers forms.Answers
		changes []forms.Change
	)
	// o.e was read just now (loadOwn); start from it rather than reading it
	// again, and re-read only if someone saved in between.
	e, err := h.s.Store().UpdateEnrollmentFrom(c.UserContext(), o.e, true, func(e *db.Enrollment) error {
		if !editable(e.Status) {
			return apperr.New(apperr.Conflict, "This enrollment can no longer be changed.")
		}
		prev := forms.Answers(e.Answers)
		keepFiles(st, in, prev)
		answers, errs = forms.ParseStep(o.def, st.Key, in, prev, now)
		if e.Status != db.StatusDraft {
			changes = forms.Changes(o.def, prev, answers)
		}
		e.Answers = answers
		if complete && len(errs) == 0 {
			e.MarkStepCompleted(st.Key)
		}
		applyCore(e, forms.ExtractInterests(o.def, prev, now), forms.Extract(o.def, answers, now))
		o.moveDraft(e)
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if len(changes) > 0 {
		// Edits after submitting are part of the record staff rely on.
		me := web.CurrentPerson(c)
		details := map[string]any{"step": st.Key, "changes": changes}
		if err := h.s.Store().RecordAudit(c.UserContext(), &db.AuditEvent{ActorID: &me.ID, Action: "enrollment.edit",
			SubjectType: "enrollment", SubjectID: itoa(e.ID), ProgramID: &e.ProgramID, Details: details, RequestID: web.RequestID(c)}); err != nil {
			return nil, nil, nil, err
		}
	}
	return e, answers, errs, nil
}

// applyCore copies the answers staff filter and pair on into the typed,
// indexed columns, and into the interests table when they changed (before
// needs only its interests).
func applyCore(e *db.Enrollment, before, core forms.Core) {
	e.FullName = core.FullName
	e.IsMentor, e.IsMentee = core.IsMentor, core.IsMentee
	e.TimeZone, e.TZOffsetMin, e.AvailMask = core.TimeZone, core.TZOffsetMin, core.AvailMask
	e.Org, e.Level, e.TimeAtLevel = core.Org, core.Level, core.TimeAtLevel
	e.DistancePref, e.TrackChange = core.DistancePref, core.TrackChange
	e.ManagerName, e.ManagerEmail, e.Comments = core.ManagerName, core.ManagerEmail, core.Comments
	if slices.Equal(before.MentorInterests, core.MentorInterests) && slices.Equal(before.MenteeInterests, core.MenteeInterests) {
		return
	}
	e.ReplaceInterests = true
	e.Interests = e.Interests[:0]
	for _, in := range core.MentorInterests {
		e.Interests = append(e.Interests, db.EnrollmentInterest{Side: db.SideMentor, Interest: in})
	}
	for _, in := range core.MenteeInterests {
		e.Interests = append(e.Interests, db.EnrollmentInterest{Side: db.SideMentee, Interest: in})
	}
}

// saveStep is "Save and continue" (or Back): the answers are saved even
// when some are invalid — nothing typed is lost — and the member moves on
// only when the step is valid. Without JavaScript it redirects (POST →
// redirect → GET); with htmx it answers with the next step's fragment and
// pushes its URL.
func (h *handlers) saveStep(c *fiber.Ctx) error {
	o, st, idx, err := h.ownStep(c)
	if err != nil {
		return err
	}
	in := formValues(c)
	refused, err := h.receiveFiles(c, o, st, in)
	if err != nil {
		return err
	}
	e, answers, errs, err := h.save(c, o, st, in, len(refused) == 0)
	if err != nil {
		return err
	}
	errs = mergeErrors(errs, refused)
	o.e = e
	steps := o.def.Steps()
	if c.FormValue("nav") == "back" && idx > 0 {
		return h.goTo(c, o, o.stepLink(steps[idx-1].Key), idx-1)
	}
	if len(errs) > 0 {
		// Questions the answers just revealed are news, not mistakes: the
		// step stays open with a note, and only real errors are flagged.
		errs, revealed := splitRevealed(errs)
		status, notice := fiber.StatusUnprocessableEntity, ""
		if len(revealed) > 0 {
			notice = revealedNotice(len(revealed))
			if len(errs) == 0 {
				status = fiber.StatusOK
			}
		}
		return h.renderStep(c, o, st, idx, in, answers, errs, status, notice)
	}
	if idx+1 < len(steps) {
		return h.goTo(c, o, o.stepLink(steps[idx+1].Key), idx+1)
	}
	return h.navigate(c, o.link("/review"))
}

// goTo shows step idx: a redirect for a plain form post, the step's
// fragment with a pushed URL for htmx (no second request).
func (h *handlers) goTo(c *fiber.Ctx, o *own, url string, idx int) error {
	if !web.IsHTMX(c) {
		return c.Redirect(url, fiber.StatusSeeOther)
	}
	st := o.def.Steps()[idx]
	c.Set("HX-Push-Url", url)
	now := h.s.Store().Now()
	return h.renderStep(c, o, st, idx, forms.Inputs(o.def, st.Key, o.answers(), now), o.answers(), nil, fiber.StatusOK, "")
}

// navigate sends the browser to url: a redirect, or a full-page htmx
// redirect when the target is not a step.
func (h *handlers) navigate(c *fiber.Ctx, url string) error {
	if web.IsHTMX(c) {
		c.Set("HX-Redirect", url)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(url, fiber.StatusSeeOther)
}

// autosave saves what the member has typed so far without judging it:
// errors are shown when they press "Save and continue", not while typing.
func (h *handlers) autosave(c *fiber.Ctx) error {
	o, st, _, err := h.ownStep(c)
	if err != nil {
		return err
	}
	if _, _, _, err := h.save(c, o, st, formValues(c), false); err != nil {
		return err
	}
	at := h.s.Store().Now().UTC().Format(time.TimeOnly[:5])
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.SendString(`Saved at ` + at + ` UTC`)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// splitRevealed separates the errors of questions the answers just
// revealed from the others.
func splitRevealed(errs []forms.FieldError) (other, revealed []forms.FieldError) {
	for _, e := range errs {
		if e.Revealed {
			revealed = append(revealed, e)
		} else {
			other = append(other, e)
		}
	}
	return other, revealed
}

// revealedNotice tells the member their answers added n questions.
func revealedNotice(n int) string {
	if n == 1 {
		return "Your answers added a question to this page. Please answer it, then continue."
	}
	return "Your answers added " + strconv.Itoa(n) + " questions to this page. Please answer them, then continue."
}

// mergeErrors puts a refused upload's message in place of (or beside) the
// parser's errors, one per field, in form order.
func mergeErrors(errs, refused []forms.FieldError) []forms.FieldError {
	if len(refused) == 0 {
		return errs
	}
	out := append([]forms.FieldError(nil), refused...)
	for _, e := range errs {
		dup := false
		for _, r := range refused {
			dup = dup || r.Field == e.Field
		}
		if !dup {
			out = append(out, e)
		}
	}
	return out
}
