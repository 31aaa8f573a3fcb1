package staff

import (
	"bytes"
	"encoding/hex"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cohort/app/authz"
	"cohort/app/participants"
	"cohort/app/staffnav"
	"cohort/app/web"
)

// list is the participant table: the whole page, or for htmx the results
// region alone (with the facet counts and sort inputs swapped out of band).
func (h *handlers) list(c *fiber.Ctx) error {
	sc, err := h.load(c, authz.ParticipantsView)
	if err != nil {
		return err
	}
	q, probs := participants.Parse(queryValues(c))
	form := web.NewForm(nil)
	for _, p := range probs {
		form.Add("f-"+p.Field, p.Message)
	}
	if web.IsHTMX(c) && form.Valid() {
		// The form serialises every control, empty ones too; the address
		// bar gets the short canonical URL of the same view instead.
		c.Set("HX-Push-Url", sc.base()+qs(q))
		if doneMessage(c) == "" {
			return h.cachedResults(c, sc, q)
		}
	}
	data, err := h.tableData(c, sc, q, form)
	if err != nil {
		return err
	}
	if !form.Valid() {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	if msg := doneMessage(c); msg != "" {
		data["Flash"] = &web.Flash{Kind: "success", Message: msg}
	}
	return h.s.Render(c, "pages/staff_participants", "partials/staff_results", data)
}

// cachedResults answers an htmx request with the results partial, rendered
// once per data version, permissions and query. Rendering fifty rows and
// the facet counts through html/template costs far more than finding them,
// and the partial holds nothing personal (htmx sends the CSRF token as a
// header, so the bulk form needs no hidden token there).
func (h *handlers) cachedResults(c *fiber.Ctx, sc *scope, q participants.Query) error {
	variant := "html|" + strconv.FormatBool(sc.canEdit) + strconv.FormatBool(sc.canExport)
	body, err := h.results.Memo(sc.snapshot(), variant, q, func() ([]byte, error) {
		data, err := h.tableData(c, sc, q, web.NewForm(nil))
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := c.App().Config().Views.Render(&buf, "partials/staff_results", data); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	})
	if err != nil {
		return err
	}
	c.Vary("HX-Request")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(body)
}

// queryValues is the request's query string as url.Values (repeated keys
// kept, which Fiber's Queries() would collapse).
func queryValues(c *fiber.Ctx) url.Values {
	v, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		// A malformed escape: keep what parsed, as browsers do.
		return v
	}
	return v
}

// tableData is everything the page and the results partial show for q.
func (h *handlers) tableData(c *fiber.Ctx, sc *scope, q participants.Query, form *web.Form) (fiber.Map, error) {
	facets, pg, err := h.results.Read(c.UserContext(), sc.snapshot(), q, pageSize)
	if err != nil {
		return nil, err
	}
	lv := newLabeler(sc.def)
	base := sc.base()
	now := h.s.Store().Now()
	rows := make([]rowView, len(pg.Rows))
	for i := range pg.Rows {
		rows[i] = newRowView(&pg.Rows[i], lv, sc, q, now)
	}
	data := fiber.Map{
		"Title": "Participants · " + sc.p.Name, "Nav": "staff",
		"Program": sc.p, "Base": base, "Form": form,
		"Rows": rows, "Total": facets.Total, "CanEdit": sc.canEdit, "CanExport": sc.canExport,
		"Cols":      columnCount(sc.canEdit),
		"Query":     q.Encode(),
		"Filtered":  q.Filtered(),
		"Headers":   headers(base, q),
		"Sort":      q.Sort,
		"Dir":       dirParam(q.Desc),
		"Facets":    facetViews(facets),
		"Filters":   newFilterViews(sc.def, q, lv),
		"CSV":       base + ".csv" + qs(q.FirstPage()),
		"OOB":       web.IsHTMX(c),
		"PageStart": q.After != nil,
		"FirstPage": base + qs(q.FirstPage()),
	}
	if pg.Next != nil {
		data["NextPage"] = base + qs(q.WithAfter(*pg.Next))
	}
	if data["ProgramNav"], err = staffnav.For(c, h.s, sc.p, "participants"); err != nil {
		return nil, err
	}
	return data, nil
}

// dirParam is the form's value for the sort direction.
func dirParam(desc bool) string {
	if desc {
		return "desc"
	}
	return ""
}

// qs is "?query" or "" for an empty query.
func qs(q participants.Query) string {
	if e := q.Encode(); e != "" {
		return "?" + e
	}
	return ""
}

func columnCount(canEdit bool) int {
	if canEdit {
		return 10
	}
	return 9
}

// headerView is one sortable column heading.
type headerView struct {
	Label, URL, Sort string // Sort: the aria-sort value
}

var columnLabels = map[string]string{
	participants.SortName: "Name", participants.SortEmail: "Email", participants.SortStatus: "Status",
	participants.SortOrg: "Organization", participants.SortLevel: "Level", participants.SortTZ: "Time zone",
	participants.SortSubmitted: "Submitted",
}

// headers links each column to its order: the current one flips
// direction, the others start ascending.
func headers(base string, q participants.Query) map[string]headerView {
	out := make(map[string]headerView, len(participants.SortKeys))
	for _, key := range participants.SortKeys {
		hv := headerView{Label: columnLabels[key], Sort: "none"}
		desc := false
		if key == q.Sort {
			hv.Sort = "ascending"
			if q.Desc {
				hv.Sort = "descending"
			}
			desc = !q.Desc
		}
		hv.URL = base + qs(q.WithSort(key, desc))
		out[key] = hv
	}
	return out
}

// facetView is one facet as the filter form shows it.
type facetView struct {
	Param, Legend, Type string // Type: checkbox or radio
	Options             []facetOption
}

type facetOption struct {
	ID, CountID, Value, Label string
	N                         int
	Checked, Counted          bool
}

func facetViews(f participants.Facets) []facetView {
	role := []facetOption{{ID: "f-role-any", Value: "", Label: "Any"}}
	anyRole := true
	for _, c := range f.Role {
		role = append(role, option("role", c))
		anyRole = anyRole && !c.Selected
	}
	role[0].Checked = anyRole
	return []facetView{
		{Param: "role", Legend: "Role", Type: "radio", Options: role},
		{Param: "status", Legend: "Status", Type: "checkbox", Options: options("status", f.Status)},
		{Param: "org", Legend: "Organization", Type: "checkbox", Options: options("org", f.Org)},
		{Param: "level", Legend: "Level", Type: "checkbox", Options: options("level", f.Level)},
	}
}

func options(param string, cs []participants.Count) []facetOption {
	out := make([]facetOption, len(cs))
	for i, c := range cs {
		out[i] = option(param, c)
	}
	return out
}

// option ids are derived from the value (hex, so any text makes a valid
// id), which lets a later response update the same count out of band.
func option(param string, c participants.Count) facetOption {
	id := param + "-" + hex.EncodeToString([]byte(c.Value))
	return facetOption{ID: "f-" + id, CountID: "fc-" + id, Value: c.Value, Label: c.Label, N: c.N, Checked: c.Selected, Counted: true}
}

// doneMessages confirm a finished POST after its redirect; anything else
// in ?done= is ignored, so the query string cannot put text on the page.
var doneMessages = map[string]string{
	"status": "Decision saved.",
	"note":   "Note added.",
	"bulk":   "Decisions saved.",
}

func doneMessage(c *fiber.Ctx) string {
	msg := doneMessages[c.Query("done")]
	if n, err := strconv.Atoi(c.Query("n")); err == nil && n >= 0 && c.Query("done") == "bulk" {
		msg = strconv.Itoa(n) + " " + plural(n, "participant", "participants") + " updated."
	}
	return msg
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
