package notify

import (
	"bytes"
	"errors"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/web"
	"cohort/db"
)

// checkinPage is the check-in survey: standalone like the unsubscribe page,
// since the signed link is the proof and no sign-in is needed.
var checkinPage = template.Must(template.New("checkin").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Check-in · {{.Program}} · Cohort</title></head>
<body>
<main>
<h1>{{.Weeks}} weeks in: how is it going?</h1>
{{if .Saved}}<p role="status">Thank you, your answer is saved. You can change it until {{.Closes}}.</p>{{end}}
{{with .Error}}<p role="alert">{{.}}</p>{{end}}
<p>You and {{.Other}} in {{.Program}}. Only the program team sees your answers.</p>
<form method="post" action="/checkin">
<input type="hidden" name="_csrf" value="{{.CSRF}}">
<input type="hidden" name="t" value="{{.Token}}">
<fieldset><legend>Have you met since the last check-in?</legend>
{{range .MetOptions}}<label><input type="radio" name="met" value="{{.Value}}" required{{if .Checked}} checked{{end}}> {{.Label}}</label>
{{end}}</fieldset>
<fieldset><legend>How is it going? (1 poor – 5 great)</legend>
{{range .Ratings}}<label><input type="radio" name="rating" value="{{.Value}}" required{{if .Checked}} checked{{end}}> {{.Value}}</label>
{{end}}</fieldset>
<p><label for="note">Anything the program team should know?</label><br>
<textarea id="note" name="note" maxlength="2000" rows="4">{{.Note}}</textarea></p>
<p><label><input type="checkbox" name="contact_me" value="1"{{if .ContactMe}} checked{{end}}> I would like the program team to contact me</label></p>
<button type="submit">Send</button>
</form>
<p>You can change your answer until {{.Closes}}.</p>
<p><a href="/">Cohort</a></p>
</main>
</body>
</html>
`))

// noteMax is the longest note, in characters.
const noteMax = 2000

var (
	errBadCheckin     = apperr.New(apperr.Invalid, "This check-in link is not valid. Use the link in your most recent check-in email.")
	errExpiredCheckin = apperr.New(apperr.Invalid, "This check-in has closed. The next check-in email brings a new link.")
	errEarlyCheckin   = apperr.New(apperr.Invalid, "This check-in is not open yet.")
)

var metLabels = map[string]string{db.MetNotYet: "Not yet", db.MetOnce: "Once", db.MetSeveral: "Several times"}

type option struct {
	Value, Label string
	Checked      bool
}

// registerCheckin adds GET /checkin?t=TOKEN (the survey, with the answer
// given before) and POST /checkin (saves it). The token names the pair,
// the person and the point; the window is checked again against the
// program's current settings, so shortening it takes effect at once.
func registerCheckin(s *web.Server) {
	r := s.Router()
	handle := func(c *fiber.Ctx, token string, post bool) error {
		ctx := c.UserContext()
		st := s.Store()
		now := st.Now()
		l, err := VerifyCheckin(s.Config().SecretKey, token, now)
		switch {
		case errors.Is(err, ErrLinkExpired):
			return errExpiredCheckin
		case err != nil:
			return errBadCheckin
		}
		pr, err := st.StartedPairPeople(ctx, l.PairID)
		if err != nil {
			return errBadCheckin
		}
		other := ""
		switch l.PersonID {
		case pr.Mentor.PersonID:
			other = pr.Mentee.Name
		case pr.Mentee.PersonID:
			other = pr.Mentor.Name
		default:
			return errBadCheckin
		}
		prog, err := st.ProgramByID(ctx, pr.ProgramID)
		if err != nil {
			return errBadCheckin
		}
		opens, closes, ok := prog.Settings.CheckinWindow(pr.StartedAt, l.Weeks)
		switch {
		case !ok:
			return errBadCheckin
		case now.Before(opens):
			return errEarlyCheckin
		case !now.Before(closes):
			return errExpiredCheckin
		}
		a, err := st.CheckinAnswerOf(ctx, l.PairID, l.PersonID, l.Weeks)
		if errors.Is(err, db.ErrNotFound) {
			a, err = &db.CheckinAnswer{PairID: l.PairID, PersonID: l.PersonID, Weeks: l.Weeks}, nil
		}
		if err != nil {
			return err
		}
		saved, problem := false, ""
		if post {
			a.Met = c.FormValue("met")
			a.Rating, _ = strconv.Atoi(c.FormValue("rating"))
			a.Note = strings.TrimSpace(c.FormValue("note"))
			a.ContactMe = c.FormValue("contact_me") != ""
			switch {
			case !slices.Contains(db.MetAnswers, a.Met):
				problem = "Say whether you have met since the last check-in."
			case a.Rating < 1 || a.Rating > 5:
				problem = "Choose how it is going, from 1 to 5."
			case utf8.RuneCountInString(a.Note) > noteMax || !utf8.ValidString(a.Note):
				problem = "The note is too long: at most " + strconv.Itoa(noteMax) + " characters."
			}
			if problem == "" {
				if err := st.SaveCheckinAnswer(ctx, a); err != nil {
					return err
				}
				saved = true
			}
		}
		data := map[string]any{
			"Program": prog.Name, "Weeks": l.Weeks, "Other": other, "Token": token, "CSRF": web.CSRFToken(c),
			"Saved": saved, "Error": problem, "Note": a.Note, "ContactMe": a.ContactMe,
			"Closes": closes.UTC().Format("2 January 2006"),
		}
		var met, ratings []option
		for _, m := range db.MetAnswers {
			met = append(met, option{Value: m, Label: metLabels[m], Checked: a.Met == m})
		}
		for i := 1; i <= 5; i++ {
			ratings = append(ratings, option{Value: strconv.Itoa(i), Checked: a.Rating == i})
		}
		data["MetOptions"], data["Ratings"] = met, ratings
		var buf bytes.Buffer
		if err := checkinPage.Execute(&buf, data); err != nil {
			return err
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Set("Referrer-Policy", "no-referrer")
		c.Type("html", "utf-8")
		if problem != "" {
			c.Status(fiber.StatusUnprocessableEntity)
		}
		return c.Send(buf.Bytes())
	}
	r.Get("/checkin", func(c *fiber.Ctx) error { return handle(c, c.Query("t"), false) })
	r.Post("/checkin", func(c *fiber.Ctx) error { return handle(c, c.FormValue("t"), true) })
}
