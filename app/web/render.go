package web

import (
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"

	"cohort/db"
)

// Layout is the page frame every full page renders in.
const Layout = "layouts/base"

func newEngine(views fs.FS, assets *Assets, reload bool) (*html.Engine, error) {
	e := html.NewFileSystem(http.FS(views), ".html")
	e.Reload(reload)
	e.AddFunc("asset", assets.URL)
	e.AddFunc("sri", assets.Integrity)
	e.AddFunc("safeURL", func(s string) template.URL { return template.URL(s) })
	e.AddFunc("dict", dict)
	if err := e.Load(); err != nil {
		return nil, err
	}
	return e, nil
}

// IsHTMX reports whether the request wants a fragment: htmx sent it, and it
// is neither a boosted navigation nor a history restore (those need the
// whole page).
func IsHTMX(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true" && c.Get("HX-Boosted") == "" && c.Get("HX-History-Restore-Request") == ""
}

// Flash is a one-off message shown above the page.
type Flash struct {
	Kind    string // success, error, info
	Message string
}

// Data is the per-request template data every page gets, plus the page's
// own keys.
func (s *Server) Data(c *fiber.Ctx, m fiber.Map) fiber.Map {
	out := fiber.Map{
		"CSRF":      CSRFToken(c),
		"RequestID": RequestID(c),
		"DevLogin":  *s.cfg.DevLogin,
	}
	if me := CurrentPerson(c); me != nil {
		out["Me"] = me
	}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Render answers with the partial for an htmx request and the full page
// otherwise. Both are built from the same templates: page embeds partial.
func (s *Server) Render(c *fiber.Ctx, page, partial string, m fiber.Map) error {
	c.Vary("HX-Request")
	data := s.Data(c, m)
	if partial != "" && IsHTMX(c) {
		return c.Render(partial, data)
	}
	data["StaffNav"] = s.staffNav(c)
	return c.Render(page, data, Layout)
}

// staffNav reports whether the layout links to the staff workspace: for
// global staff and admins, and for members who hold a role in some program
// or were granted a permission (a program's coordinator or reviewer). What
// they may do there is checked by each page; this only shows the way.
func (s *Server) staffNav(c *fiber.Ctx) bool {
	me := CurrentPerson(c)
	if me == nil {
		return false
	}
	if me.Role != db.RoleMember {
		return true
	}
	roles, overrides, err := s.store.Grants(c.UserContext(), me.ID)
	if err != nil {
		return false // the link is a convenience; the page itself still works
	}
	if len(roles) > 0 {
		return true
	}
	for _, o := range overrides {
		if o.Grant() {
			return true
		}
	}
	return false
}

// CurrentPerson is the signed-in person, or nil.
func CurrentPerson(c *fiber.Ctx) *db.Person {
	p, _ := c.Locals(localPerson).(*db.Person)
	return p
}

// dict builds a map from key/value pairs, so a partial can be given the row
// it renders together with page-level values (CSRF token, form errors).
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
