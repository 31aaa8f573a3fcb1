package admin

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"cohort/app/web"
	"cohort/db"
)

// auditLimit is how many events the audit page shows; filters narrow it.
const auditLimit = 200

// dateLayout is the filters' date format (an <input type="date"> value).
const dateLayout = "2006-01-02"

// auditRow is one event ready to show: times in UTC ISO 8601, people by
// email, details as JSON.
type auditRow struct {
	ID          int64
	At          string
	Actor       string
	ActorURL    string
	Action      string
	Subject     string
	SubjectURL  string
	Details     string
	RequestID   string
	ProgramID   int64
	ProgramName string
}

// audit is the audit log with filters by actor email, action and a date
// range (both ends inclusive, whole UTC days).
func (h handlers) audit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	store := h.s.Store()
	form := web.NewForm(map[string]string{
		"actor": c.Query("actor"), "action": c.Query("action"), "from": c.Query("from"), "to": c.Query("to"),
	})
	q := db.AuditQuery{Action: form.Value("action"), Limit: auditLimit}
	if email := form.Value("actor"); email != "" {
		actor, err := store.PersonByEmail(ctx, email)
		switch {
		case errors.Is(err, db.ErrNotFound):
			form.Add("actor", "No one has that email address.")
		case err != nil:
			return err
		default:
			q.ActorID = actor.ID
		}
	}
	var from, to time.Time
	if v := form.Value("from"); v != "" {
		t, err := time.Parse(dateLayout, v)
		if err != nil {
			form.Add("from", "Enter the date as YYYY-MM-DD.")
		}
		from = t
	}
	if v := form.Value("to"); v != "" {
		t, err := time.Parse(dateLayout, v)
		if err != nil {
			form.Add("to", "Enter the date as YYYY-MM-DD.")
		}
		to = t
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		form.Add("to", "The end date must not be before the start date.")
	}
	q.From = from
	if !to.IsZero() {
		q.To = to.AddDate(0, 0, 1) // the whole last day
	}
	data := fiber.Map{
		"Title": "Audit log", "Nav": "admin", "AdminNav": "audit",
		"Form": form, "Actions": Actions, "Limit": auditLimit,
	}
	if !form.Valid() {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.s.Render(c, "pages/admin_audit", "", data)
	}
	evs, err := store.ListAudit(ctx, q)
	if err != nil {
		return err
	}
	rows, err := auditRows(c, store, evs)
	if err != nil {
		return err
	}
	data["Events"] = rows
	data["Full"] = len(rows) == auditLimit
	return h.s.Render(c, "pages/admin_audit", "", data)
}

// auditRows resolves the people and programs events name, in two queries.
func auditRows(c *fiber.Ctx, store *db.Store, evs []*db.AuditEvent) ([]auditRow, error) {
	ctx := c.UserContext()
	var ids []int64
	for _, ev := range evs {
		if ev.ActorID != nil {
			ids = append(ids, *ev.ActorID)
		}
		if ev.SubjectType == SubjectPerson {
			if id, err := strconv.ParseInt(ev.SubjectID, 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
	}
	people, err := store.PeopleByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	programs, err := store.ListPrograms(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(programs))
	for _, p := range programs {
		names[p.ID] = p.Name
	}
	rows := make([]auditRow, len(evs))
	for i, ev := range evs {
		r := auditRow{
			ID: ev.ID, At: ev.At.UTC().Format("2006-01-02T15:04:05Z"), Action: ev.Action,
			Subject: ev.SubjectType + " " + ev.SubjectID, RequestID: ev.RequestID, Actor: "system",
		}
		if ev.ActorID != nil {
			r.Actor = "deleted person #" + strconv.FormatInt(*ev.ActorID, 10)
			if p, ok := people[*ev.ActorID]; ok {
				r.Actor = p.Email
				r.ActorURL = "/admin/people/" + strconv.FormatInt(p.ID, 10)
			}
		}
		if ev.SubjectType == SubjectPerson {
			if id, err := strconv.ParseInt(ev.SubjectID, 10, 64); err == nil {
				if p, ok := people[id]; ok {
					r.Subject = p.Email
					r.SubjectURL = "/admin/people/" + ev.SubjectID
				}
			}
		}
		if ev.ProgramID != nil {
			r.ProgramID = *ev.ProgramID
			r.ProgramName = programLabel(names, *ev.ProgramID)
		}
		if len(ev.Details) > 0 {
			// encoding/json sorts map keys, so the text is stable.
			b, err := json.Marshal(ev.Details)
			if err != nil {
				return nil, err
			}
			r.Details = string(b)
		}
		rows[i] = r
	}
	return rows, nil
}
