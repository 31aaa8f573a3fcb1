package staff

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"cohort/app/access"
	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/features"
	"cohort/app/forms"
	"cohort/app/letters"
	"cohort/app/mail"
	"cohort/app/participants"
	"cohort/app/staffnav"
	"cohort/app/web"
	"cohort/db"
)

// maxNote bounds a note, in characters.
const maxNote = 4000

// historyLimit is how many audit events the participant page shows.
const historyLimit = 50

// detail is one participant: inline below their row for htmx, a page of
// its own otherwise.
func (h *handlers) detail(c *fiber.Ctx) error {
	sc, err := h.load(c, authz.ParticipantsView)
	if err != nil {
		return err
	}
	id, err := enrollmentID(c)
	if err != nil {
		return err
	}
	// The page carries the table's query, so its links lead back to the
	// same view; only tz changes what the page itself shows. A damaged
	// part of it is simply left out.
	q, _ := participants.Parse(queryValues(c))
	if web.IsHTMX(c) && c.Query("refresh") == "row" {
		return h.row(c, sc, id, q)
	}
	var flash *web.Flash
	if msg := doneMessage(c); msg != "" {
		flash = &web.Flash{Kind: "success", Message: msg}
	}
	return h.renderDetail(c, sc, id, q, flash, web.NewForm(nil))
}

// renderDetail renders the participant with an optional confirmation and
// the note form's values and errors (the caller sets the status).
func (h *handlers) renderDetail(c *fiber.Ctx, sc *scope, id int64, q participants.Query, flash *web.Flash, noteForm *web.Form) error {
	data, err := h.detailData(c, sc, id, q)
	if err != nil {
		return err
	}
	data["NoteForm"] = noteForm
	if flash != nil {
		data["Flash"] = flash
	}
	return h.s.Render(c, "pages/staff_participant", "partials/staff_detail_row", data)
}

// answerRow is one answer on the participant page. Note marks a value
// that is a remark about the answer rather than the answer (not asked
// under the person's form version); Flagged an answer using an option the
// form no longer offers.
type answerRow struct {
	Label, Value, URL string
	Note, Flagged     bool
}

type stepView struct {
	Title string
	Rows  []answerRow
}

type noteView struct {
	Author, When, WhenISO, Body string
}

type historyView struct {
	When, WhenISO, Actor, Action string
	Lines                        []string
}

type actionView struct {
	Value, Label string
	Current      bool
}

func (h *handlers) detailData(c *fiber.Ctx, sc *scope, id int64, q participants.Query) (fiber.Map, error) {
	ctx := c.UserContext()
	store := h.s.Store()
	e, email, err := store.ProgramEnrollment(ctx, sc.p.ID, id)
	if err != nil {
		return nil, err
	}
	now := store.Now()
	loc := zone(q.TZ)
	answers := forms.Answers(e.Answers)
	steps, err := h.answerSteps(ctx, sc, e, answers, q.TZ, now)
	if err != nil {
		return nil, err
	}
	notes, err := store.StaffNotes(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	evs, err := store.AuditAboutEnrollment(ctx, e.ID, historyLimit)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, n := range notes {
		if n.AuthorID != nil {
			ids = append(ids, *n.AuthorID)
		}
	}
	for _, ev := range evs {
		if ev.ActorID != nil {
			ids = append(ids, *ev.ActorID)
		}
	}
	people, err := store.PeopleByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	who := func(id *int64) string {
		if id == nil {
			return "system"
		}
		if p, ok := people[*id]; ok {
			return p.Email
		}
		return "a deleted account"
	}
	noteViews := make([]noteView, len(notes))
	for i, n := range notes {
		noteViews[i] = noteView{Author: who(n.AuthorID), When: when(n.CreatedAt, loc), WhenISO: n.CreatedAt.UTC().Format(time.RFC3339), Body: n.Body}
	}
	history := make([]historyView, len(evs))
	for i, ev := range evs {
		action, lines := describe(ev)
		history[i] = historyView{When: when(ev.At, loc), WhenISO: ev.At.UTC().Format(time.RFC3339), Actor: who(ev.ActorID), Action: action, Lines: lines}
	}
	var actions []actionView
	for _, a := range []string{"approve", "waitlist", "decline"} {
		actions = append(actions, actionView{Value: a, Label: strings.ToUpper(a[:1]) + a[1:], Current: decisions[a] == e.Status})
	}
	name := e.FullName
	if name == "" {
		name = "(no name yet)"
	}
	idText := strconv.FormatInt(e.ID, 10)
	view := q.Encode()
	data := fiber.Map{
		"Title": name + " · Participants · " + sc.p.Name, "Nav": "staff",
		"Program": sc.p, "Base": sc.base(), "ID": e.ID,
		"Name": name, "Email": email, "Status": e.Status, "StatusLabel": statusLabel(e.Status),
		"Roles": roles(e.IsMentor, e.IsMentee), "Zone": e.TimeZone,
		"HoursViewer": forms.FormatHours(e.AvailMask, q.TZ, now), "ViewerTZ": q.TZ,
		"HoursOwn": forms.FormatHours(e.AvailMask, e.TimeZone, now),
		"Steps":    steps, "Notes": noteViews, "History": history,
		"CanEdit": sc.canEdit, "Decidable": decidable(e.Status), "Actions": actions,
		"Inline": web.IsHTMX(c), "Cols": columnCount(sc.canEdit),
		"Action":  sc.base() + "/" + idText,
		"View":    view,
		"Self":    sc.base() + "/" + idText + qs(q),
		"ListURL": sc.base() + qs(q),
	}
	if e.SubmittedAt != nil {
		data["Submitted"] = when(*e.SubmittedAt, loc)
	}
	// Partner suggestions, for those who manage the program's pairs.
	if features.For(sc.p.Settings.Flags).On(features.Pairing) {
		ok, err := access.Can(c, h.s, authz.PairsManage, sc.p.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			data["Suggestions"] = "/staff/programs/" + sc.p.Slug + "/participants/" + idText + "/suggestions"
		}
	}
	if data["ProgramNav"], err = staffnav.For(c, h.s, sc.p, "participants"); err != nil {
		return nil, err
	}
	return data, nil
}

// row answers an htmx GET of the participant with ?refresh=row: their
// table row alone, as it is now. A row on screen refreshes itself so when
// the person's pairs change (the pairing pages send pair-changed-ID).
func (h *handlers) row(c *fiber.Ctx, sc *scope, id int64, q participants.Query) error {
	r, err := h.s.Store().ParticipantRowByID(c.UserContext(), sc.p.ID, id)
	if errors.Is(err, db.ErrNotFound) {
		return apperr.New(apperr.NotFound, "")
	}
	if err != nil {
		return err
	}
	c.Vary("HX-Request")
	return c.Render("partials/staff_row", newRowView(r, newLabeler(sc.def), sc, q, h.s.Store().Now()))
}

// answerSteps is every answer by the current form's steps. Fields the
// person's form version did not have say so instead of a blank; answers
// to fields the current form dropped follow under "No longer asked",
// labelled from the newest version that asked them; an answer using an
// option no longer offered is shown and flagged.
func (h *handlers) answerSteps(ctx context.Context, sc *scope, e *db.Enrollment, answers forms.Answers, viewerTZ string, now time.Time) ([]stepView, error) {
	src := h.results.Forms()
	answered, err := src.At(ctx, sc.p, e.FormVersion)
	if err != nil {
		return nil, err
	}
	older := []*forms.Definition{answered}
	if sc.p.FormVersion > 0 {
		hist, err := src.History(ctx, sc.p)
		if err != nil {
			return nil, err
		}
		older = append(older, hist...)
	}
	var steps []stepView
	for _, st := range sc.def.Steps() {
		sv := stepView{Title: st.Title}
		for _, f := range st.Fields {
			if !sc.def.Visible(f, answers) {
				continue
			}
			if _, has := answers[f.Key]; !has && !answered.Asked(f.Key) {
				sv.Rows = append(sv.Rows, answerRow{Label: f.Label, Value: forms.NotAskedText, Note: true})
				continue
			}
			sv.Rows = append(sv.Rows, answer(sc.def, f, answers, older, viewerTZ, now))
		}
		if len(sv.Rows) > 0 {
			steps = append(steps, sv)
		}
	}
	if gone := forms.Removed(sc.def, answers, older); len(gone) > 0 {
		sv := stepView{Title: "No longer asked"}
		for _, f := range gone {
			sv.Rows = append(sv.Rows, answer(answered, f, answers, nil, viewerTZ, now))
		}
		steps = append(steps, sv)
	}
	return steps, nil
}

// answer shows one answer as the member's review page does, except that
// hours are shown in the viewer's zone (the member's own zone is on the
// page too), files link to the download, and an option no longer offered
// is labelled from older versions and flagged.
func answer(def *forms.Definition, f *forms.Field, answers forms.Answers, older []*forms.Definition, viewerTZ string, now time.Time) answerRow {
	row := answerRow{Label: f.Label}
	switch f.Type {
	case forms.TypeAvailability:
		// Display reads the zone from the field that holds it; pointing
		// that at the viewer's zone shows the same UTC hours in it.
		a := maps.Clone(answers)
		if f.TimezoneField != "" {
			a[f.TimezoneField] = viewerTZ
		}
		row.Value = forms.Display(def, f, a, now)
		if row.Value != "" {
			row.Value += " (" + viewerTZ + ")"
		}
	case forms.TypeFile:
		if up := forms.Raw(answers, f.Key); up != "" {
			row.Value, row.URL = "Download the file", "/uploads/"+url.PathEscape(up)
		}
	default:
		row.Value, row.Flagged = forms.DisplayOffered(def, f, answers, older, now)
	}
	if row.Value == "" {
		row.Value = "—"
	}
	return row
}

func when(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// describe says what an audit event about an enrollment did, in words.
func describe(ev *db.AuditEvent) (string, []string) {
	str := func(k string) string { s, _ := ev.Details[k].(string); return s }
	switch ev.Action {
	case "enrollment.submit":
		return "Submitted the enrollment", nil
	case "enrollment.renew":
		return "Renewed the enrollment", nil
	case "enrollment.withdraw":
		if r := str("reason"); r != "" {
			return "Withdrew", []string{"Reason: " + r}
		}
		return "Withdrew", nil
	case ActionStatus:
		return "Decision: " + statusLabel(str("from")) + " → " + statusLabel(str("to")), nil
	case ActionNote:
		return "Added a note", nil
	case "enrollment.edit":
		var lines []string
		changes, _ := ev.Details["changes"].([]any)
		for _, ch := range changes {
			m, _ := ch.(map[string]any)
			label, _ := m["Label"].(string)
			before, _ := m["Before"].(string)
			after, _ := m["After"].(string)
			if label != "" {
				lines = append(lines, forms.Change{Label: label, Before: before, After: after}.String())
			}
		}
		return "Changed answers", lines
	}
	if len(ev.Details) == 0 {
		return ev.Action, nil
	}
	b, _ := json.Marshal(ev.Details)
	return ev.Action, []string{string(b)}
}

// postedView is the table query a POST carries in its "view" field, so the
// answer (or the redirect) keeps the viewer's filters and zone.
func postedView(c *fiber.Ctx) participants.Query {
	v, _ := url.ParseQuery(c.FormValue("view"))
	q, _ := participants.Parse(v)
	return q
}

var errNotDecidable = errors.New("staff: enrollment cannot be decided")

// setStatus approves, waitlists or declines one participant.
func (h *handlers) setStatus(c *fiber.Ctx) error {
	sc, err := h.load(c, authz.ParticipantsEdit)
	if err != nil {
		return err
	}
	id, err := enrollmentID(c)
	if err != nil {
		return err
	}
	to, ok := decisions[c.FormValue("action")]
	if !ok {
		return apperr.New(apperr.Invalid, "Choose approve, waitlist or decline.")
	}
	ctx := c.UserContext()
	e, _, err := h.s.Store().ProgramEnrollment(ctx, sc.p.ID, id)
	if err != nil {
		return err
	}
	changed, _, err := h.decide(ctx, c, sc, []int64{e.ID}, to, true)
	if errors.Is(err, errNotDecidable) {
		return apperr.New(apperr.Conflict, "Only a submitted enrollment can be decided; this one is "+strings.ToLower(statusLabel(e.Status))+".")
	}
	if err != nil {
		return err
	}
	q := postedView(c)
	msg := "Decision saved: " + statusLabel(to) + "."
	if changed == 0 {
		msg = "Already " + strings.ToLower(statusLabel(to)) + ": nothing changed."
	}
	if !web.IsHTMX(c) {
		return c.Redirect(sc.base()+"/"+strconv.FormatInt(id, 10)+qs(q)+sep(q)+"done=status", fiber.StatusSeeOther)
	}
	return h.renderDetailAfterChange(c, sc, id, q, &web.Flash{Kind: "success", Message: msg}, web.NewForm(nil))
}

// sep is what joins another parameter to qs(q).
func sep(q participants.Query) string {
	if q.Encode() == "" {
		return "?"
	}
	return "&"
}

// renderDetailAfterChange answers an htmx change inside an open
// participant: the participant again, and their table row swapped out of
// band so the status column agrees.
func (h *handlers) renderDetailAfterChange(c *fiber.Ctx, sc *scope, id int64, q participants.Query, flash *web.Flash, noteForm *web.Form) error {
	data, err := h.detailData(c, sc, id, q)
	if err != nil {
		return err
	}
	data["NoteForm"] = noteForm
	data["Flash"] = flash
	row, err := h.s.Store().ParticipantRowByID(c.UserContext(), sc.p.ID, id)
	if err != nil {
		return err
	}
	rv := newRowView(row, newLabeler(sc.def), sc, q, h.s.Store().Now())
	rv.OOB = true
	data["Row"] = rv
	return h.s.Render(c, "pages/staff_participant", "partials/staff_detail_row", data)
}

// decide sets status to on every enrollment in ids (all of them already
// known to be in sc's program) that is not there yet, each with its audit
// event, in one transaction. It returns how many changed and how many were
// skipped because they may not be decided (drafts, withdrawn, …); with
// strict, such an enrollment fails the whole call with errNotDecidable.
func (h *handlers) decide(ctx context.Context, c *fiber.Ctx, sc *scope, ids []int64, to string, strict bool) (changed, skipped int, err error) {
	me := web.CurrentPerson(c)
	outbox := mail.NewOutbox(h.s.Config(), h.s.Store())
	err = h.s.Store().InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		changed, skipped = 0, 0
		for _, id := range ids {
			var from string
			e, err := tx.UpdateEnrollment(ctx, id, func(e *db.Enrollment) error {
				from = e.Status
				switch {
				case !decidable(e.Status):
					return errNotDecidable
				case e.Status == to:
					return errUnchanged
				}
				now := tx.Now().UTC().Truncate(time.Microsecond)
				e.Status, e.DecidedAt = to, &now
				return nil
			})
			switch {
			case errors.Is(err, errUnchanged):
				continue
			case errors.Is(err, errNotDecidable) && !strict:
				skipped++
				continue
			case err != nil:
				return err
			}
			changed++
			if err := tx.RecordAudit(ctx, &db.AuditEvent{
				ActorID: &me.ID, Action: ActionStatus, SubjectType: SubjectEnrollment, SubjectID: strconv.FormatInt(id, 10),
				ProgramID: &sc.p.ID, Details: map[string]any{"from": from, "to": to}, RequestID: web.RequestID(c),
			}); err != nil {
				return err
			}
			// The member hears of the decision; in this transaction, so a
			// decision that rolls back tells nobody.
			if ev := letters.ForStatus(to); ev != "" {
				if _, err := letters.Send(ctx, h.s.Config(), outbox, tx, ev, e, sc.p); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil && changed > 0 {
		outbox.Wake()
	}
	return changed, skipped, err
}

// errUnchanged stops UpdateEnrollment from saving a decision that is
// already in place (no new version, no audit event).
var errUnchanged = errors.New("staff: unchanged")

// addNote adds a staff note to a participant.
func (h *handlers) addNote(c *fiber.Ctx) error {
	sc, err := h.load(c, authz.ParticipantsEdit)
	if err != nil {
		return err
	}
	id, err := enrollmentID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	e, _, err := h.s.Store().ProgramEnrollment(ctx, sc.p.ID, id)
	if err != nil {
		return err
	}
	q := postedView(c)
	body := strings.TrimSpace(strings.ReplaceAll(c.FormValue("body"), "\r\n", "\n"))
	form := web.NewForm(map[string]string{"body": body})
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		form.Add("note-body-"+strconv.FormatInt(id, 10), "Write the note first.")
	case n > maxNote:
		form.Add("note-body-"+strconv.FormatInt(id, 10), "Keep the note under "+strconv.Itoa(maxNote)+" characters.")
	}
	if !form.Valid() {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderDetail(c, sc, id, q, nil, form)
	}
	me := web.CurrentPerson(c)
	err = h.s.Store().InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		n := &db.StaffNote{EnrollmentID: e.ID, AuthorID: &me.ID, Body: body}
		if err := tx.AddStaffNote(ctx, n); err != nil {
			return err
		}
		// The note's text stays out of the audit log, which more people
		// read than the participant page.
		return tx.RecordAudit(ctx, &db.AuditEvent{
			ActorID: &me.ID, Action: ActionNote, SubjectType: SubjectEnrollment, SubjectID: strconv.FormatInt(e.ID, 10),
			ProgramID: &sc.p.ID, Details: map[string]any{"note_id": n.ID}, RequestID: web.RequestID(c),
		})
	})
	if err != nil {
		return err
	}
	if !web.IsHTMX(c) {
		return c.Redirect(sc.base()+"/"+strconv.FormatInt(id, 10)+qs(q)+sep(q)+"done=note", fiber.StatusSeeOther)
	}
	return h.renderDetail(c, sc, id, q, &web.Flash{Kind: "success", Message: "Note added."}, web.NewForm(nil))
}
