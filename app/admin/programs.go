package admin

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"cohort/app/access"
	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/features"
	"cohort/app/formsource"
	"cohort/app/web"
	"cohort/db"
)

// Audit actions written by the program pages.
const (
	ActionProgramCreate = "program.create"
	ActionProgramUpdate = "program.update"
	ActionProgramFlags  = "program.flags"
)

// SubjectProgram is the audit subject type of events about a program.
const SubjectProgram = "program"

// Limits of the program form.
const (
	maxProgramName        = 120
	maxProgramDescription = 2000
	maxTermDays           = 3650
)

// slugRe is what a program slug may look like: it ends up in URLs
// (/programs/SLUG), so nothing that needs escaping.
var slugRe = regexp.MustCompile(`^[a-z0-9-]{3,40}$`)

// errNoProgram answers an unknown slug and a program the person may not
// manage alike, so slugs reveal nothing.
var errNoProgram = apperr.New(apperr.NotFound, "")

type programHandlers struct {
	s     *web.Server
	forms *formsource.Source
}

// registerPrograms adds the program pages. The list and the create form
// need program.manage in every program; a program's own page needs it in
// that program, so a program owner who is not an admin may edit theirs.
func registerPrograms(s *web.Server, src *formsource.Source) {
	h := programHandlers{s: s, forms: src}
	everywhere := requireProgramManage(s, true)
	somewhere := requireProgramManage(s, false)
	r := s.Router()
	r.Get("/admin/programs", everywhere, h.list)
	r.Post("/admin/programs", everywhere, h.create)
	r.Get("/admin/programs/:slug", somewhere, h.edit)
	r.Post("/admin/programs/:slug", somewhere, h.save)
	r.Post("/admin/programs/:slug/flags", somewhere, h.saveFlags)
	r.Post("/admin/programs/:slug/timing", somewhere, h.saveTiming)
}

// RequireProgramManage guards a program admin page of another room (the
// form designer) exactly as this room's own program pages: see
// requireProgramManage with everywhere false. The handler then loads the
// program with ManagedProgram.
func RequireProgramManage(s *web.Server) fiber.Handler { return requireProgramManage(s, false) }

// requireProgramManage is access.RequireAdmin for the program-scoped
// program.manage: signed in (else 401); holding program.manage in every
// program (everywhere) or in at least one (else 403; the handler then
// checks the program itself and answers 404 for one that is not theirs);
// and, after an emailed-code sign-in, a verified second factor (else the
// same redirect to access.MFAPath as RequireAdmin).
func requireProgramManage(s *web.Server, everywhere bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if web.CurrentPerson(c) == nil {
			return apperr.New(apperr.Unauthorized, "")
		}
		ok, err := access.Can(c, s, authz.ProgramManage, authz.AllPrograms)
		if err != nil {
			return err
		}
		if !ok && !everywhere {
			sub, err := access.Subject(c, s)
			if err != nil {
				return err
			}
			ok = managesSome(sub)
		}
		if !ok {
			return apperr.New(apperr.Forbidden, "")
		}
		if sent, err := access.SecondFactor(c); sent || err != nil {
			return err
		}
		return c.Next()
	}
}

// managesSome reports whether sub holds program.manage in at least one
// program: only a program role or a grant can give it there, so those are
// the programs to ask about (revokes still decide, through authz.Can).
func managesSome(sub authz.Subject) bool {
	for id := range sub.ProgramRoles {
		if authz.Can(sub, authz.ProgramManage, id) {
			return true
		}
	}
	for _, o := range sub.Overrides {
		if o.Grant && o.Permission == authz.ProgramManage && authz.Can(sub, authz.ProgramManage, o.ProgramID) {
			return true
		}
	}
	return false
}

// managed loads the program named by :slug if the current person may
// manage it; otherwise, as for an unknown slug, 404.
func (h programHandlers) managed(c *fiber.Ctx) (*db.Program, error) {
	return ManagedProgram(c, h.s)
}

// ManagedProgram loads the program named by :slug if the current person
// may manage it (program.manage there); any other program, and a missing
// one, is the same 404. Other rooms with program admin pages (the form
// designer) guard with it and RequireProgramManage.
func ManagedProgram(c *fiber.Ctx, s *web.Server) (*db.Program, error) {
	slug := c.Params("slug")
	if !slugRe.MatchString(slug) {
		return nil, errNoProgram
	}
	p, err := s.Store().ProgramBySlug(c.UserContext(), slug)
	if errors.Is(err, db.ErrNotFound) {
		return nil, errNoProgram
	}
	if err != nil {
		return nil, err
	}
	ok, err := access.Can(c, s, authz.ProgramManage, p.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNoProgram
	}
	return p, nil
}

// programDone are the confirmations a redirect may ask for.
var programDone = map[string]string{
	"created": "Program created. It is listed on the programs page while its enrollment window is open.",
	"saved":   "Program saved.",
	"flags":   "Features saved.",
	"timing":  "Reminders and notices saved.",
}

// programRow is one program as the list shows it.
type programRow struct {
	Name, Slug, Kind   string
	FormKey, FormTitle string
	Window             string
	Open               bool
	Term               string
	Flags              []string // labels of the opt-in flags switched on
}

// formOption is one entry of the form-definition select.
type formOption struct{ Key, Title, Kind string }

// flagRow is one feature checkbox.
type flagRow struct {
	Name, Label, Description string
	AlwaysOn, On             bool
}

// list is the programs table with the create form.
func (h programHandlers) list(c *fiber.Ctx) error {
	form := web.NewForm(map[string]string{"term_days": "0"})
	var flash *web.Flash
	if msg, ok := programDone[c.Query("done")]; ok {
		flash = &web.Flash{Kind: "success", Message: msg}
	}
	return h.renderList(c, form, flash)
}

func (h programHandlers) renderList(c *fiber.Ctx, form *web.Form, flash *web.Flash) error {
	programs, err := h.s.Store().ListPrograms(c.UserContext())
	if err != nil {
		return err
	}
	now := h.s.Store().Now()
	rows := make([]programRow, len(programs))
	for i, p := range programs {
		row := programRow{
			Name: p.Name, Slug: p.Slug, Kind: p.Kind, FormKey: p.FormKey, FormTitle: p.FormKey,
			Window: window(p), Open: p.IsOpen(now), Term: term(p.TermDays),
		}
		if def, err := h.forms.Current(c.UserContext(), p); err == nil {
			row.FormTitle = def.Title
		}
		for _, f := range features.All() {
			if !f.AlwaysOn && p.Settings.Flags[f.Name] {
				row.Flags = append(row.Flags, f.Label)
			}
		}
		rows[i] = row
	}
	var defs []formOption
	builtin := h.forms.Builtin()
	for _, key := range builtin.Keys() {
		def, _ := builtin.Get(key)
		defs = append(defs, formOption{def.Key, def.Title, def.Kind})
	}
	data := fiber.Map{
		"Title": "Programs", "Nav": "admin", "AdminNav": "programs",
		"Programs": rows, "Forms": defs, "Form": form,
		"MaxName": maxProgramName, "MaxDescription": maxProgramDescription, "MaxTerm": maxTermDays,
	}
	if flash != nil {
		data["Flash"] = flash
	}
	return h.s.Render(c, "pages/admin_programs", "", data)
}

// create makes a program from a built-in form definition; the kind comes
// from the definition. A taken slug is 409 with the error beside the slug.
func (h programHandlers) create(c *fiber.Ctx) error {
	ctx := c.UserContext()
	form := web.NewForm(map[string]string{
		"form_key": c.FormValue("form_key"),
		"slug":     strings.TrimSpace(c.FormValue("slug")),
	})
	def, ok := h.forms.Builtin().Get(form.Value("form_key"))
	if !ok {
		form.Add("form_key", "Choose a form from the list.")
	}
	slug := form.Value("slug")
	taken := false
	switch {
	case slug == "":
		form.Add("slug", "Enter a slug.")
	case !slugRe.MatchString(slug):
		form.Add("slug", "Use 3 to 40 lowercase letters, digits and hyphens.")
	default:
		_, err := h.s.Store().ProgramBySlug(ctx, slug)
		switch {
		case err == nil:
			taken = true
		case !errors.Is(err, db.ErrNotFound):
			return err
		}
	}
	b := readBasics(c, form)
	if taken {
		form.Add("slug", slugTaken)
	}
	if !form.Valid() {
		return h.refuseList(c, form, taken)
	}
	p := &db.Program{
		Slug: slug, Name: b.name, Kind: def.Kind, Description: b.description, FormKey: def.Key,
		OpensAt: b.opensAt, ClosesAt: b.closesAt, TermDays: b.termDays,
	}
	err := h.s.Store().InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		if err := tx.CreateProgram(ctx, p); err != nil {
			return err
		}
		details := basicsDetails(p)
		details["slug"], details["form_key"], details["kind"] = p.Slug, p.FormKey, p.Kind
		return recordProgram(ctx, c, tx, ActionProgramCreate, p, details)
	})
	if errors.Is(err, db.ErrConflict) {
		// Taken between the check above and the insert.
		form.Add("slug", slugTaken)
		return h.refuseList(c, form, true)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/programs/"+p.Slug+"?done=created", fiber.StatusSeeOther)
}

const slugTaken = "Another program already uses this slug. Choose another."

// refuseList re-renders the list with the create form's errors: 409 when
// the only problem is a taken slug, 422 otherwise.
func (h programHandlers) refuseList(c *fiber.Ctx, form *web.Form, taken bool) error {
	status := fiber.StatusUnprocessableEntity
	if taken && len(form.Errors) == 1 {
		status = fiber.StatusConflict
	}
	c.Status(status)
	return h.renderList(c, form, nil)
}

// edit is one program's page: its basics, its features, and the timing
// of its reminders and notices.
func (h programHandlers) edit(c *fiber.Ctx) error {
	p, err := h.managed(c)
	if err != nil {
		return err
	}
	var flash *web.Flash
	if msg, ok := programDone[c.Query("done")]; ok {
		flash = &web.Flash{Kind: "success", Message: msg}
	}
	return h.renderProgram(c, p, nil, nil, flash)
}

// basicsForm is the basics form filled from the stored program.
func basicsForm(p *db.Program) *web.Form {
	return web.NewForm(map[string]string{
		"name": p.Name, "description": p.Description,
		"opens_at": dateValue(p.OpensAt), "closes_at": dateValue(p.ClosesAt),
		"term_days": strconv.Itoa(p.TermDays),
	})
}

// renderProgram renders the program page; a nil form shows what is stored
// (the form that was not posted), a given one what was typed and its errors.
func (h programHandlers) renderProgram(c *fiber.Ctx, p *db.Program, form, timing *web.Form, flash *web.Flash) error {
	if form == nil {
		form = basicsForm(p)
	}
	if timing == nil {
		timing = timingForm(p.Settings)
	}
	all, err := access.Can(c, h.s, authz.ProgramManage, authz.AllPrograms)
	if err != nil {
		return err
	}
	formTitle := p.FormKey
	if def, err := h.forms.Current(c.UserContext(), p); err == nil {
		formTitle = def.Title
	}
	on := features.For(p.Settings.Flags)
	var flags []flagRow
	for _, f := range features.All() {
		flags = append(flags, flagRow{f.Name, f.Label, f.Description, f.AlwaysOn, on.On(f.Name)})
	}
	data := fiber.Map{
		"Title": p.Name + " · Programs", "Nav": "admin", "AdminNav": "programs",
		"Program": p, "FormTitle": formTitle, "Window": window(p), "Open": p.IsOpen(h.s.Store().Now()),
		"Flags": flags, "Form": form, "ManagesAll": all,
		"MaxName": maxProgramName, "MaxDescription": maxProgramDescription, "MaxTerm": maxTermDays,
		"Timing": timing, "TimingLimits": timingLimits, "ProgramTerm": term(p.TermDays),
	}
	if flash != nil {
		data["Flash"] = flash
	}
	return h.s.Render(c, "pages/admin_program", "", data)
}

// save changes a program's basics. The slug, kind and form stay as they
// were created: links and enrollments depend on them.
func (h programHandlers) save(c *fiber.Ctx) error {
	p, err := h.managed(c)
	if err != nil {
		return err
	}
	form := web.NewForm(nil)
	b := readBasics(c, form)
	if !form.Valid() {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderProgram(c, p, form, nil, nil)
	}
	err = h.s.Store().InTx(c.UserContext(), func(ctx context.Context, tx *db.Store) error {
		cur, err := tx.LockProgram(ctx, p.ID)
		if err != nil {
			return err
		}
		before := basicsDetails(cur)
		cur.Name, cur.Description, cur.OpensAt, cur.ClosesAt, cur.TermDays = b.name, b.description, b.opensAt, b.closesAt, b.termDays
		if err := tx.UpdateProgram(ctx, cur); err != nil {
			return err
		}
		return recordProgram(ctx, c, tx, ActionProgramUpdate, cur, map[string]any{"before": before, "after": basicsDetails(cur)})
	})
	if err != nil {
		return err
	}
	return c.Redirect("/admin/programs/"+p.Slug+"?done=saved", fiber.StatusSeeOther)
}

// saveFlags stores which opt-in features are on. Only registered flags
// that are not always on are stored; anything else posted is ignored.
func (h programHandlers) saveFlags(c *fiber.Ctx) error {
	p, err := h.managed(c)
	if err != nil {
		return err
	}
	posted := map[string]bool{}
	for _, v := range c.Request().PostArgs().PeekMulti("flags") {
		posted[string(v)] = true
	}
	next := map[string]bool{}
	for _, f := range features.All() {
		if !f.AlwaysOn && posted[f.Name] {
			next[f.Name] = true
		}
	}
	err = h.s.Store().InTx(c.UserContext(), func(ctx context.Context, tx *db.Store) error {
		cur, err := tx.LockProgram(ctx, p.ID)
		if err != nil {
			return err
		}
		before := flagsOn(cur.Settings.Flags)
		cur.Settings.Flags = nil
		if len(next) > 0 {
			cur.Settings.Flags = next
		}
		if err := tx.UpdateProgram(ctx, cur); err != nil {
			return err
		}
		return recordProgram(ctx, c, tx, ActionProgramFlags, cur, map[string]any{"before": before, "after": flagsOn(next)})
	})
	if err != nil {
		return err
	}
	return c.Redirect("/admin/programs/"+p.Slug+"?done=flags", fiber.StatusSeeOther)
}

// flagsOn lists, sorted, the stored switches that are on.
func flagsOn(stored map[string]bool) []string {
	out := []string{}
	for name, on := range stored {
		if on {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// basics are the fields of a program that can be edited after creation.
type basics struct {
	name, description string
	opensAt, closesAt *time.Time
	termDays          int
}

// readBasics reads and checks the editable fields into form (values kept,
// errors added beside their fields).
func readBasics(c *fiber.Ctx, form *web.Form) basics {
	var b basics
	form.Values["name"] = strings.TrimSpace(c.FormValue("name"))
	form.Values["description"] = strings.TrimSpace(strings.ReplaceAll(c.FormValue("description"), "\r\n", "\n"))
	form.Values["opens_at"] = strings.TrimSpace(c.FormValue("opens_at"))
	form.Values["closes_at"] = strings.TrimSpace(c.FormValue("closes_at"))
	form.Values["term_days"] = strings.TrimSpace(c.FormValue("term_days"))

	b.name = form.Value("name")
	switch n := utf8.RuneCountInString(b.name); {
	case n == 0:
		form.Add("name", "Enter a name.")
	case n > maxProgramName:
		form.Add("name", "Keep the name to "+strconv.Itoa(maxProgramName)+" characters or fewer (it has "+strconv.Itoa(n)+").")
	case !plainText(b.name, false):
		form.Add("name", "Use plain text on one line.")
	}
	b.description = form.Value("description")
	switch n := utf8.RuneCountInString(b.description); {
	case n > maxProgramDescription:
		form.Add("description", "Keep the description to "+strconv.Itoa(maxProgramDescription)+" characters or fewer (it has "+strconv.Itoa(n)+").")
	case !plainText(b.description, true):
		form.Add("description", "Use plain text.")
	}
	b.opensAt = parseDate(form, "opens_at")
	b.closesAt = parseDate(form, "closes_at")
	if b.opensAt != nil && b.closesAt != nil && !b.closesAt.After(*b.opensAt) {
		form.Add("closes_at", "The closing date must be after the opening date.")
	}
	if v := form.Value("term_days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxTermDays {
			form.Add("term_days", "Enter a whole number of days from 0 to "+strconv.Itoa(maxTermDays)+".")
		}
		b.termDays = n
	}
	return b
}

// plainText rejects invalid UTF-8 and control characters (NUL would break
// Postgres), allowing line breaks and tabs only where multiline.
func plainText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// parseDate reads an optional YYYY-MM-DD field as the start of that day in
// UTC.
func parseDate(form *web.Form, field string) *time.Time {
	v := form.Value(field)
	if v == "" {
		return nil
	}
	t, err := time.Parse(dateLayout, v)
	if err != nil {
		form.Add(field, "Enter the date as YYYY-MM-DD.")
		return nil
	}
	return &t
}

// dateValue formats a stored date for an <input type="date">.
func dateValue(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(dateLayout)
}

// window describes the enrollment window in words.
func window(p *db.Program) string {
	opens, closes := dateValue(p.OpensAt), dateValue(p.ClosesAt)
	switch {
	case opens != "" && closes != "":
		return "from " + opens + " until " + closes
	case opens != "":
		return "from " + opens + ", no closing date"
	case closes != "":
		return "until " + closes
	}
	return "always open"
}

func term(days int) string {
	switch days {
	case 0:
		return "no fixed term"
	case 1:
		return "1 day"
	}
	return strconv.Itoa(days) + " days"
}

// basicsDetails is the editable state of p as the audit log records it.
func basicsDetails(p *db.Program) map[string]any {
	return map[string]any{
		"name": p.Name, "description": p.Description,
		"opens_at": dateValue(p.OpensAt), "closes_at": dateValue(p.ClosesAt), "term_days": p.TermDays,
	}
}

// recordProgram writes the audit event for a change to p, through tx so it
// commits or rolls back with the change.
func recordProgram(ctx context.Context, c *fiber.Ctx, tx *db.Store, action string, p *db.Program, details map[string]any) error {
	me := web.CurrentPerson(c)
	id := p.ID
	return tx.RecordAudit(ctx, &db.AuditEvent{
		ActorID:     &me.ID,
		Action:      action,
		SubjectType: SubjectProgram,
		SubjectID:   strconv.FormatInt(p.ID, 10),
		ProgramID:   &id,
		Details:     details,
		RequestID:   web.RequestID(c),
	})
}
