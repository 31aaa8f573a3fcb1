package admin

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"

	"cohort/app/access"
	"cohort/app/authz"
	"cohort/app/web"
	"cohort/db"
)

// peoplePerPage is one page of the people list.
const peoplePerPage = 50

// maxPeoplePage bounds ?page=, so a made-up number cannot ask the database
// to skip billions of rows.
const maxPeoplePage = 100000

// people is the search page, paged (50 a page, with the total and plain
// Previous/Next links that work without JavaScript). With htmx the search
// box asks for the results table alone as the admin types; without
// JavaScript the same form is a plain GET.
func (h handlers) people(c *fiber.Ctx) error {
	q := c.Query("q")
	page := 1
	if raw := c.Query("page"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxPeoplePage {
			return apperr.New(apperr.Invalid, "That page number is not valid.")
		}
		page = n
	}
	found, total, err := h.s.Store().SearchPeoplePage(c.UserContext(), q, (page-1)*peoplePerPage, peoplePerPage)
	if err != nil {
		return err
	}
	link := func(p int) string {
		v := url.Values{}
		if q != "" {
			v.Set("q", q)
		}
		if p > 1 {
			v.Set("page", strconv.Itoa(p))
		}
		if len(v) == 0 {
			return "/admin/people"
		}
		return "/admin/people?" + v.Encode()
	}
	data := fiber.Map{
		"Title": "People", "Nav": "admin", "AdminNav": "people",
		"Q": q, "People": found, "Total": total, "Page": page,
		"From": (page-1)*peoplePerPage + 1, "To": (page-1)*peoplePerPage + len(found),
	}
	if page > 1 {
		data["Prev"] = link(page - 1)
	}
	if page*peoplePerPage < total {
		data["Next"] = link(page + 1)
	}
	return h.s.Render(c, "pages/admin_people", "partials/admin_people_results", data)
}

// doneMessages are the confirmations a redirect may ask for; anything else
// in ?done= is ignored, so the query string cannot put text on the page.
var doneMessages = map[string]string{
	"role":                 "Global role saved.",
	"program_role":         "Program role saved.",
	"program_role_removed": "Program role removed.",
	"override":             "Permission override saved.",
	"override_removed":     "Permission override removed.",
	"status":               "Account status saved.",
}

// programRoleRow is one program role as the person page lists it.
type programRoleRow struct {
	ProgramID   int64
	ProgramName string
	Role        string
	Permissions []authz.Permission
}

// overrideRow is one override as the person page lists it.
type overrideRow struct {
	ID           int64
	ProgramLabel string
	Permission   string
	Grant        bool
}

// effectiveRow is what the person may do in one scope.
type effectiveRow struct {
	Scope       string
	Permissions []authz.Permission
}

// permissionOption is one entry of the permission select.
type permissionOption struct {
	Name   authz.Permission
	Global bool
}

// person shows one person's roles, overrides, status and history.
func (h handlers) person(c *fiber.Ctx) error {
	p, err := h.target(c)
	if err != nil {
		return err
	}
	form := web.NewForm(nil)
	var flash *web.Flash
	if msg, ok := doneMessages[c.Query("done")]; ok {
		flash = &web.Flash{Kind: "success", Message: msg}
	}
	return h.renderPerson(c, p, form, flash)
}

// renderPerson renders the person page; form carries the values and errors
// of a refused change (the caller sets the status).
func (h handlers) renderPerson(c *fiber.Ctx, p *db.Person, form *web.Form, flash *web.Flash) error {
	ctx := c.UserContext()
	store := h.s.Store()
	sources, err := store.PersonRoleSources(ctx, p.ID)
	if err != nil {
		return err
	}
	programs, err := store.ListPrograms(ctx)
	if err != nil {
		return err
	}
	names := make(map[int64]string, len(programs))
	for _, pr := range programs {
		names[pr.ID] = pr.Name
	}
	sub, err := access.Load(ctx, store, p)
	if err != nil {
		return err
	}
	var roleRows []programRoleRow
	for _, pr := range programs { // program order, not map order
		if role, ok := sub.ProgramRoles[pr.ID]; ok {
			roleRows = append(roleRows, programRoleRow{pr.ID, pr.Name, role, authz.ProgramRolePermissions(role)})
		}
	}
	rows, err := store.PermissionOverrides(ctx, p.ID)
	if err != nil {
		return err
	}
	overrides := make([]overrideRow, len(rows))
	for i, o := range rows {
		overrides[i] = overrideRow{o.ID, programLabel(names, o.ProgramID), o.Permission, o.Grant()}
	}
	effective := []effectiveRow{{"All programs (and global)", authz.Effective(sub, authz.AllPrograms)}}
	for _, pr := range programs {
		effective = append(effective, effectiveRow{pr.Name, authz.Effective(sub, pr.ID)})
	}
	var perms []permissionOption
	for _, perm := range authz.All() {
		perms = append(perms, permissionOption{perm, authz.IsGlobal(perm)})
	}
	evs, err := store.AuditAboutPerson(ctx, p.ID, 20)
	if err != nil {
		return err
	}
	history, err := auditRows(c, store, evs)
	if err != nil {
		return err
	}
	if form.Value("role") == "" {
		form.Values["role"] = sources.Granted
		if form.Values["role"] == "" {
			form.Values["role"] = p.Role
		}
	}
	if form.Value("effect") == "" {
		form.Values["effect"] = db.EffectGrant
	}
	me := web.CurrentPerson(c)
	data := fiber.Map{
		"Title": p.Email + " · People", "Nav": "admin", "AdminNav": "people",
		"Person": p, "Sources": sources, "IsSelf": me != nil && me.ID == p.ID,
		"ProgramRoles": roleRows, "Overrides": overrides, "Effective": effective,
		"Programs": programs, "GlobalRoles": authz.GlobalRoles(), "ProgramRoleNames": authz.ProgramRoleNames(),
		"Permissions": perms, "History": history, "Form": form,
		"Disabled": p.Status == db.PersonDisabled,
	}
	if flash != nil {
		data["Flash"] = flash
	}
	return h.s.Render(c, "pages/admin_person", "", data)
}

func programLabel(names map[int64]string, id int64) string {
	if id == authz.AllPrograms {
		return "All programs"
	}
	if n, ok := names[id]; ok {
		return n
	}
	return "Deleted program"
}
