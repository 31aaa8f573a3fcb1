// Package letters writes the mail a member gets about their own enrollment:
// a receipt when they submit, the staff decision (approved, waitlisted,
// declined), and a confirmation when they withdraw. These are essential
// mail (no unsubscribe link: the member needs to know where they stand).
// Each is enqueued in the transaction that records the event, under a
// dedupe key, so a decision that rolls back sends nothing and a repeated
// one does not send twice.
package letters

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	texttemplate "text/template"
	"time"

	"cohort/app/mail"
	"cohort/config"
	"cohort/db"
)

// Events a member is told about, which are also the outbox and
// notification kinds ("member_" + event).
const (
	Submitted  = "submitted"
	Approved   = "approved"
	Waitlisted = "waitlisted"
	Declined   = "declined"
	Withdrawn  = "withdrawn"
)

// ForStatus maps a staff decision's enrollment status to its event, or ""
// when the status is not one members are mailed about.
func ForStatus(status string) string {
	switch status {
	case db.StatusApproved:
		return Approved
	case db.StatusWaitlisted:
		return Waitlisted
	case db.StatusDeclined:
		return Declined
	}
	return ""
}

//go:embed templates/*.txt templates/*.html
var templateFS embed.FS

var (
	textTemplates = texttemplate.Must(texttemplate.New("").ParseFS(templateFS, "templates/*.txt"))
	htmlTemplates = htmltemplate.Must(htmltemplate.New("").ParseFS(templateFS, "templates/*.html"))
)

var subjects = map[string]string{
	Submitted:  "We received your enrollment in %s",
	Approved:   "You are accepted in %s",
	Waitlisted: "You are on the waiting list for %s",
	Declined:   "Your enrollment in %s",
	Withdrawn:  "You have withdrawn from %s",
}

// Kind is the outbox and notification kind of event.
func Kind(event string) string { return "member_" + event }

// Key is the dedupe key of event for enrollment e (as saved by the change
// that caused it). A receipt is keyed by the submission (or renewal) it
// acknowledges, a withdrawal by its time, and a decision by the enrollment
// version it produced: a retried request or a second click sends nothing
// more (a decision already in place saves nothing), while a decision staff
// really change is told, once per change.
func Key(event string, e *db.Enrollment) string {
	id := strconv.FormatInt(e.ID, 10)
	var at *time.Time
	switch event {
	case Approved, Waitlisted, Declined:
		return Kind(event) + ":" + id + ":v" + strconv.Itoa(e.Version)
	case Withdrawn:
		at = e.WithdrawnAt
	default:
		at = e.SubmittedAt
		if e.RenewedAt != nil {
			at = e.RenewedAt
		}
	}
	stamp := "0"
	if at != nil {
		stamp = strconv.FormatInt(at.UTC().UnixMicro(), 10)
	}
	return Kind(event) + ":" + id + ":" + stamp
}

// data is what every template gets.
type data struct {
	Name, Program, Link, Event string
}

// Send enqueues the mail for event about e (in program p) through tx, the
// transaction that records the event, and reports whether it was enqueued
// (false: already sent under its key). The caller wakes outbox after the
// commit.
func Send(ctx context.Context, cfg *config.Config, outbox *mail.Outbox, tx *db.Store, event string, e *db.Enrollment, p *db.Program) (bool, error) {
	subject, ok := subjects[event]
	if !ok {
		return false, fmt.Errorf("letters: unknown event %q", event)
	}
	person, err := tx.PersonByID(ctx, e.PersonID)
	if err != nil {
		return false, err
	}
	name := person.Name
	if name == "" {
		name = "there"
	}
	d := data{Name: name, Program: p.Name, Event: event,
		Link: cfg.BaseURL + "/enrollments/" + strconv.FormatInt(e.ID, 10)}
	var text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&text, "member_"+event+".txt", d); err != nil {
		return false, err
	}
	if err := htmlTemplates.ExecuteTemplate(&html, "member_"+event+".html", d); err != nil {
		return false, err
	}
	key := Key(event, e)
	claimed, err := tx.ClaimNotification(ctx, &db.NotificationSent{Key: key, PersonID: e.PersonID, Kind: Kind(event), RefID: e.ID})
	if err != nil || !claimed {
		return false, err
	}
	return true, outbox.In(tx).Enqueue(ctx, mail.Message{
		To: person.Email, Subject: fmt.Sprintf(subject, p.Name), Text: text.String(), HTML: html.String(),
		Kind: Kind(event), DedupeKey: key,
	})
}
