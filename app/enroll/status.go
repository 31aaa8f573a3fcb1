package enroll

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/features"
	"cohort/app/forms"
	"cohort/app/letters"
	"cohort/app/mail"
	"cohort/app/web"
	"cohort/db"
)

// renewalWindow is how long before the end of a term renewal opens.
const renewalWindow = 30 * 24 * time.Hour

// status is the enrollment's home: where a draft continues, and where a
// submitted one is edited, withdrawn or renewed.
func (h *handlers) status(c *fiber.Ctx) error {
	o, err := h.loadOwn(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	now := h.s.Store().Now()
	e := o.e
	data := fiber.Map{
		"Title": o.p.Name, "Nav": "mine", "Program": o.p, "Enrollment": e,
		"StatusLabel": statusLabels[e.Status], "Notice": notices[c.Query("notice")],
		"CanEdit":     editable(e.Status) && e.Status != db.StatusDraft,
		"CanWithdraw": editable(e.Status),
		"CanRejoin":   rejoinable(e, o.p, now),
		"Decision":    decisionText(e),
	}
	if e.Status == db.StatusDraft {
		// A member coming back to a draft resumes where they stopped.
		next := o.link("/review")
		if step := forms.FirstIncompleteStep(o.def, o.answers(), e.CompletedStepList()); step != "" {
			next = o.stepLink(step)
		}
		return c.Redirect(next, fiber.StatusSeeOther)
	} else if o.def.Eligibility != nil && e.Status != db.StatusDeclined && e.Status != db.StatusWithdrawn {
		// A declined (or withdrawn) member is told one thing, the decision:
		// "you qualify" beside "not accepted" contradicts it.
		data["Eligibility"] = forms.Evaluate(o.def, o.answers())
	}
	partners, err := h.partners(c, e)
	if err != nil {
		return err
	}
	if len(partners) > 0 {
		data["Partners"] = partners
		data["StatusLabel"] = "Paired"
	}
	if e.RenewedAt != nil {
		if sn, err := h.s.Store().LatestSnapshot(ctx, e.ID, "renewal"); err == nil {
			data["Changes"] = forms.Changes(o.def, forms.Answers(sn.Answers), o.answers())
		} else if !errors.Is(err, db.ErrNotFound) {
			return err
		}
	}
	data["CanRenew"] = o.flag.On(features.Renewal) && e.ExpiresAt != nil && e.Status != db.StatusDraft &&
		editable(e.Status) && e.ExpiresAt.Sub(now) <= renewalWindow
	return h.s.Render(c, "pages/enroll_status", "", data)
}

type reviewRow struct {
	Label, Value string
	// Link, for an uploaded file, opens it (served only to its owner and
	// the program's staff).
	Link string
}

type reviewStep struct {
	Key, Title, Link string
	Rows             []reviewRow
}

// review shows every answer, step by step, with links to change them.
func (h *handlers) review(c *fiber.Ctx) error {
	o, err := h.loadOwn(c)
	if err != nil {
		return err
	}
	if !editable(o.e.Status) {
		return c.Redirect(o.link(""), fiber.StatusSeeOther)
	}
	if last := reachable(o); o.e.Status == db.StatusDraft && forms.FirstIncompleteStep(o.def, o.answers(), o.e.CompletedStepList()) != "" {
		return c.Redirect(o.stepLink(o.def.Steps()[last].Key)+"?notice=finish", fiber.StatusSeeOther)
	}
	return h.renderReview(c, o, nil, fiber.StatusOK)
}

func (h *handlers) renderReview(c *fiber.Ctx, o *own, problems map[string][]forms.FieldError, status int) error {
	now := h.s.Store().Now()
	answers := o.answers()
	form := web.NewForm(nil)
	// An upload's answer is its id: the member reads the file's name.
	files := map[string]*db.Upload{}
	if us, err := h.s.Store().UploadsForEnrollment(c.UserContext(), o.e.ID); err != nil {
		return err
	} else {
		for _, u := range us {
			files[strconv.FormatInt(u.ID, 10)] = u
		}
	}
	var steps []reviewStep
	for _, st := range o.def.Steps() {
		rs := reviewStep{Key: st.Key, Title: st.Title, Link: o.stepLink(st.Key)}
		for _, f := range st.Fields {
			if !o.def.Visible(f, answers) {
				continue
			}
			row := reviewRow{Label: f.Label, Value: forms.Display(o.def, f, answers, now)}
			if f.Type == forms.TypeFile {
				if u, ok := files[fmt.Sprint(answers[f.Key])]; ok {
					row.Value, row.Link = u.Filename, "/uploads/"+strconv.FormatInt(u.ID, 10)
				}
			}
			rs.Rows = append(rs.Rows, row)
		}
		for _, p := range problems[st.Key] {
			form.Add(st.Key, st.Title+": "+p.Message)
		}
		steps = append(steps, rs)
	}
	renewing, err := h.renewing(c, o)
	if err != nil {
		return err
	}
	c.Status(status)
	return h.s.Render(c, "pages/enroll_review", "", fiber.Map{
		"Title": "Check your answers · " + o.p.Name, "Nav": "mine", "Program": o.p, "Enrollment": o.e,
		"Steps": steps, "Form": form, "Renewing": renewing,
	})
}

// renewing reports whether the draft is a renewal in progress: a renewal
// snapshot newer than the last submission.
func (h *handlers) renewing(c *fiber.Ctx, o *own) (bool, error) {
	if o.e.Status != db.StatusDraft || o.e.SubmittedAt == nil {
		return false, nil
	}
	sn, err := h.s.Store().LatestSnapshot(c.UserContext(), o.e.ID, "renewal")
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	return err == nil && sn.CreatedAt.After(*o.e.SubmittedAt), err
}

// submit checks every step again and submits (or, for a renewal, renews
// for another term). Eligibility is evaluated on the status page from the
// submitted answers.
func (h *handlers) submit(c *fiber.Ctx) error {
	o, err := h.loadOwn(c)
	if err != nil {
		return err
	}
	renewing, err := h.renewing(c, o)
	if err != nil {
		return err
	}
	now := h.s.Store().Now()
	var problems map[string][]forms.FieldError
	action := "enrollment.submit"
	if renewing {
		action = "enrollment.renew"
	}
	me := web.CurrentPerson(c)
	outbox := mail.NewOutbox(h.s.Config(), h.s.Store())
	sent := false
	// The submission, its audit event and the member's receipt commit
	// together: a receipt never goes out for a submission that failed.
	err = h.s.Store().InTx(c.UserContext(), func(ctx context.Context, tx *db.Store) error {
		submitted := false
		e, err := tx.UpdateEnrollment(ctx, o.e.ID, func(e *db.Enrollment) error {
			if e.Status != db.StatusDraft {
				return nil // a second click: already submitted
			}
			problems = forms.ValidateAll(o.def, forms.Answers(e.Answers), now)
			if len(problems) > 0 {
				return errIncomplete
			}
			o.moveDraft(e) // before the status changes: it is what was validated
			e.Status = db.StatusSubmitted
			submitted = true
			start := now
			if renewing {
				e.RenewedAt = &now
				if e.ExpiresAt != nil && e.ExpiresAt.After(now) {
					start = *e.ExpiresAt
				}
			} else {
				e.SubmittedAt = &now
			}
			if o.p.TermDays > 0 {
				end := start.Add(time.Duration(o.p.TermDays) * 24 * time.Hour)
				e.ExpiresAt = &end
			}
			return nil
		})
		if err != nil || !submitted {
			return err
		}
		if err := tx.RecordAudit(ctx, &db.AuditEvent{ActorID: &me.ID, Action: action, SubjectType: "enrollment",
			SubjectID: itoa(e.ID), ProgramID: &e.ProgramID, RequestID: web.RequestID(c)}); err != nil {
			return err
		}
		sent, err = letters.Send(ctx, h.s.Config(), outbox, tx, letters.Submitted, e, o.p)
		return err
	})
	if errors.Is(err, errIncomplete) {
		return h.renderReview(c, o, problems, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	if sent {
		outbox.Wake()
	}
	return c.Redirect(o.link("?notice=submitted"), fiber.StatusSeeOther)
}

var errIncomplete = errors.New("enrollment incomplete")

// withdraw leaves the program, with an optional reason. Without
// JavaScript (no confirm dialog to add confirm=yes) the first post shows a
// confirmation step instead: one click never withdraws.
func (h *handlers) withdraw(c *fiber.Ctx) error {
	o, err := h.loadOwn(c)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	if len([]rune(reason)) > 500 {
		return apperr.New(apperr.Invalid, "Please keep the reason under 500 characters.")
	}
	if !editable(o.e.Status) {
		return apperr.New(apperr.Conflict, "This enrollment has already ended.")
	}
	if c.FormValue("confirm") != "yes" {
		return h.s.Render(c, "pages/enroll_withdraw", "", fiber.Map{
			"Title": "Withdraw from " + o.p.Name, "Nav": "mine", "Program": o.p, "Enrollment": o.e, "Reason": reason,
		})
	}
	now := h.s.Store().Now()
	me := web.CurrentPerson(c)
	outbox := mail.NewOutbox(h.s.Config(), h.s.Store())
	sent := false
	err = h.s.Store().InTx(c.UserContext(), func(ctx context.Context, tx *db.Store) error {
		e, err := tx.UpdateEnrollment(ctx, o.e.ID, func(e *db.Enrollment) error {
			if !editable(e.Status) {
				return apperr.New(apperr.Conflict, "This enrollment has already ended.")
			}
			e.Status, e.WithdrawnAt, e.WithdrawReason = db.StatusWithdrawn, &now, reason
			return nil
		})
		if err != nil {
			return err
		}
		if err := tx.RecordAudit(ctx, &db.AuditEvent{ActorID: &me.ID, Action: "enrollment.withdraw", SubjectType: "enrollment",
			SubjectID: itoa(e.ID), ProgramID: &e.ProgramID, Details: map[string]any{"reason": reason}, RequestID: web.RequestID(c)}); err != nil {
			return err
		}
		sent, err = letters.Send(ctx, h.s.Config(), outbox, tx, letters.Withdrawn, e, o.p)
		return err
	})
	if err != nil {
		return err
	}
	if sent {
		outbox.Wake()
	}
	return c.Redirect(o.link("?notice=withdrawn"), fiber.StatusSeeOther)
}

// rejoinable reports whether a withdrawn enrollment may come back at now:
// only while its program takes enrollments.
func rejoinable(e *db.Enrollment, p *db.Program, now time.Time) bool {
	return e.Status == db.StatusWithdrawn && p.IsOpen(now)
}

// rejoin brings a withdrawn enrollment back with the same answers: to
// "submitted" (staff decide again; an earlier decision does not carry
// over) when it had been submitted, else to the draft it was. Audited.
func (h *handlers) rejoin(c *fiber.Ctx) error {
	o, err := h.loadOwn(c)
	if err != nil {
		return err
	}
	now := h.s.Store().Now()
	if !rejoinable(o.e, o.p, now) {
		return apperr.New(apperr.Conflict, "This enrollment cannot be rejoined: "+o.p.Name+" is not taking enrollments now.")
	}
	me := web.CurrentPerson(c)
	err = h.s.Store().InTx(c.UserContext(), func(ctx context.Context, tx *db.Store) error {
		var withdrawnAt *time.Time
		e, err := tx.UpdateEnrollment(ctx, o.e.ID, func(e *db.Enrollment) error {
			if e.Status != db.StatusWithdrawn {
				return apperr.New(apperr.Conflict, "This enrollment is not withdrawn.")
			}
			withdrawnAt = e.WithdrawnAt
			e.Status = db.StatusDraft
			if e.SubmittedAt != nil {
				e.Status = db.StatusSubmitted
			}
			e.WithdrawnAt, e.WithdrawReason, e.DecidedAt = nil, "", nil
			return nil
		})
		if err != nil {
			return err
		}
		details := map[string]any{"to": e.Status}
		if withdrawnAt != nil {
			details["withdrawn_at"] = withdrawnAt.UTC().Format(time.RFC3339)
		}
		return tx.RecordAudit(ctx, &db.AuditEvent{ActorID: &me.ID, Action: "enrollment.rejoin", SubjectType: "enrollment",
			SubjectID: itoa(e.ID), ProgramID: &e.ProgramID, Details: details, RequestID: web.RequestID(c)})
	})
	if err != nil {
		return err
	}
	return c.Redirect(o.link("?notice=rejoined"), fiber.StatusSeeOther)
}

// renew starts a renewal: the current answers are kept as a snapshot (so
// the renewed enrollment can say what changed) and the enrollment becomes a
// draft, prefilled, that the member checks and submits.
func (h *handlers) renew(c *fiber.Ctx) error {
	o, err := h.loadOwn(c)
	if err != nil {
		return err
	}
	now := h.s.Store().Now()
	if !o.flag.On(features.Renewal) || o.e.ExpiresAt == nil || o.e.Status == db.StatusDraft || !editable(o.e.Status) ||
		o.e.ExpiresAt.Sub(now) > renewalWindow {
		return apperr.New(apperr.Conflict, "This enrollment cannot be renewed yet.")
	}
	ctx := c.UserContext()
	err = h.s.Store().InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		if err := tx.SaveSnapshot(ctx, o.e.ID, "renewal", o.e.Answers); err != nil {
			return err
		}
		_, err := tx.UpdateEnrollment(ctx, o.e.ID, func(e *db.Enrollment) error {
			e.Status = db.StatusDraft
			return nil
		})
		return err
	})
	if err != nil {
		return err
	}
	return c.Redirect(o.stepLink(o.def.Steps()[0].Key)+"?notice=renewing", fiber.StatusSeeOther)
}

// partner is someone the member is paired with, as the member sees them.
type partner struct {
	Name, Email, Role string
	Since             *time.Time
}

// partners lists the member's active pairs from their side: the other
// person's name and email, so they know who to contact.
func (h *handlers) partners(c *fiber.Ctx, e *db.Enrollment) ([]partner, error) {
	if e.Status == db.StatusDraft {
		return nil, nil
	}
	pairs, err := h.s.Store().ListPairs(c.UserContext(), db.PairQuery{EnrollmentID: e.ID, Status: db.PairActive})
	if err != nil {
		return nil, err
	}
	out := make([]partner, 0, len(pairs))
	for _, p := range pairs {
		if p.MenteeEnrollmentID == e.ID {
			out = append(out, partner{Name: p.MentorName, Email: p.MentorEmail, Role: "mentor", Since: p.StartedAt})
		} else {
			out = append(out, partner{Name: p.MenteeName, Email: p.MenteeEmail, Role: "mentee", Since: p.StartedAt})
		}
	}
	return out, nil
}

// decisionText is what the status page says about where the member stands,
// the in-app twin of the mail they were sent: one message per status, so
// the page never says two different things.
func decisionText(e *db.Enrollment) string {
	on := ""
	if e.DecidedAt != nil {
		on = " on " + e.DecidedAt.Format("2 January 2006")
	}
	switch e.Status {
	case db.StatusSubmitted:
		return "We received your enrollment. The program team will review it, and we will email you when they decide."
	case db.StatusApproved:
		return "The program team accepted you" + on + ". We emailed you about it."
	case db.StatusWaitlisted:
		return "The program team put you on the waiting list" + on + ". We will email you if a place opens."
	case db.StatusDeclined:
		return "The program team could not accept you this time" + on + ". We emailed you about it."
	case db.StatusWithdrawn:
		return "You withdrew from this program. Your answers are kept."
	}
	return ""
}
