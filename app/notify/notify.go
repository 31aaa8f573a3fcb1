package notify

import (
	"bytes"
	"html/template"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/web"
)

// page is the unsubscribe page: standalone, so it needs nothing from the
// signed-in layout.
var page = template.Must(template.New("unsubscribe").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Unsubscribe · Cohort</title></head>
<body>
<main>
{{if .Done}}
<h1>You are unsubscribed</h1>
<p>We will send no more reminders to {{.Email}}. Mail you need, such as sign-in codes and introductions to your pair, still comes.</p>
{{else}}
<h1>Unsubscribe</h1>
<p>Stop reminders and other non-essential mail to {{.Email}}? Mail you need, such as sign-in codes and introductions to your pair, still comes.</p>
<form method="post" action="/unsubscribe">
<input type="hidden" name="_csrf" value="{{.CSRF}}">
<input type="hidden" name="t" value="{{.Token}}">
<button type="submit">Unsubscribe</button>
</form>
{{end}}
<p><a href="/">Cohort</a></p>
</main>
</body>
</html>
`))

var errBadLink = apperr.New(apperr.Invalid, "This unsubscribe link is not valid. Use the link in your most recent email.")

// Register adds GET /unsubscribe?t=TOKEN (a page with a confirm button:
// mail scanners that follow links must not unsubscribe anyone) and POST
// /unsubscribe, which records it. Neither needs a sign-in; the token is
// the proof, and CSRF still guards the POST. It adds the check-in survey
// too (GET and POST /checkin).
func Register(s *web.Server) {
	r := s.Router()
	show := func(c *fiber.Ctx, token string, done bool) error {
		id, ok := Verify(s.Config().SecretKey, token)
		if !ok {
			return errBadLink
		}
		p, err := s.Store().PersonByID(c.UserContext(), id)
		if err != nil {
			return errBadLink
		}
		if done {
			if err := s.Store().Unsubscribe(c.UserContext(), id); err != nil {
				return err
			}
		}
		var buf bytes.Buffer
		if err := page.Execute(&buf, map[string]any{
			"Done": done, "Email": p.Email, "Token": token, "CSRF": web.CSRFToken(c),
		}); err != nil {
			return err
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Set("Referrer-Policy", "no-referrer")
		c.Type("html", "utf-8")
		return c.Send(buf.Bytes())
	}
	r.Get("/unsubscribe", func(c *fiber.Ctx) error { return show(c, c.Query("t"), false) })
	r.Post("/unsubscribe", func(c *fiber.Ctx) error { return show(c, c.FormValue("t"), true) })
	registerCheckin(s)
}
