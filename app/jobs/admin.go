package jobs

import (
	"context"
	"errors"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"cohort/app/access"
	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/web"
	"cohort/db"
)

// Audit actions written by the jobs page.
const (
	ActionEnabled = "job.enabled"
	ActionRun     = "job.run"
	ActionRetry   = "mail.retry"
)

// SubjectJob is the audit subject type of events about a job (the subject
// id is the job's name).
const SubjectJob = "job"

// RunNowTimeout bounds "Run now" on the admin page: the request waits for
// the run, so it must end well inside the HTTP timeouts and the shutdown
// drain. A job that needs longer is cancelled and recorded as an error; run
// it from the command line instead.
const RunNowTimeout = 20 * time.Second

// runsLimit is how many runs the history page lists.
const runsLimit = 50

type handlers struct {
	s *web.Server
	r *Runner
}

// Register adds the jobs admin pages, each behind
// access.RequireAdmin(jobs.manage), which also insists on a verified second
// factor for admins who signed in with an emailed code.
func Register(s *web.Server, r *Runner) {
	h := handlers{s: s, r: r}
	guard := access.RequireAdmin(s, authz.JobsManage)
	rt := s.Router()
	rt.Get("/admin/jobs", guard, h.list)
	rt.Get("/admin/jobs/:name/runs", guard, h.runs)
	rt.Post("/admin/jobs/:name/enabled", guard, h.setEnabled)
	rt.Post("/admin/jobs/:name/run", guard, h.runNow)
	rt.Post("/admin/mail/:id/retry", guard, h.retryMail)
}

// mailWindow is how far back the mail delivery table looks.
const mailWindow = 7 * 24 * time.Hour

// mailLimit bounds the mail delivery table.
const mailLimit = 50

// doneMessages are the confirmations a redirect may ask for; anything else
// in ?done= is ignored, so the query string cannot put text on the page.
var doneMessages = map[string]string{
	"on":      "Job switched on: it runs on its schedule again.",
	"off":     "Job switched off: scheduled runs are skipped until it is switched on.",
	"ran":     "Job run finished: its result is in the “Last run” column.",
	"retried": "Mail queued again: it goes out on the next delivery pass.",
}

// jobRow is one job as the table shows it. CSRF rides along because the row
// partial is rendered on its own for htmx and cannot reach the page's data.
type jobRow struct {
	Name, Description, Schedule, TimeZone string
	Enabled                               bool
	NextRun                               *time.Time
	Last                                  *runView
	CSRF                                  string
	Focus                                 string // "toggle" or "run": the button to focus after an htmx swap
}

// runView is a recorded run ready to show.
type runView struct {
	ID                  int64
	Slot, Instance      string
	Trigger, Outcome    string
	StartedAt           time.Time
	FinishedAt          *time.Time
	Took, Error         string
	Counts              []countView
	Running, OK, Failed bool
}

type countView struct {
	Name string
	N    int
}

func viewRun(r *db.JobRun) *runView {
	if r == nil {
		return nil
	}
	v := &runView{
		ID: r.ID, Slot: r.Slot, Instance: r.Instance, Trigger: r.Trigger, Outcome: r.Outcome,
		StartedAt: r.StartedAt.UTC(), FinishedAt: r.FinishedAt, Error: r.Error,
		Running: r.Outcome == db.JobRunning, OK: r.Outcome == db.JobOK, Failed: r.Outcome == db.JobError,
	}
	if r.FinishedAt != nil {
		f := r.FinishedAt.UTC()
		v.FinishedAt = &f
		v.Took = f.Sub(v.StartedAt).Round(time.Millisecond).String()
	}
	for name, n := range r.Counts {
		v.Counts = append(v.Counts, countView{name, n})
	}
	sort.Slice(v.Counts, func(i, j int) bool { return v.Counts[i].Name < v.Counts[j].Name })
	return v
}

// job loads the job named by :name; an unknown name is a page that does not
// exist.
func (h handlers) job(c *fiber.Ctx) (Job, error) {
	j, ok := h.r.Registry().Lookup(c.Params("name"))
	if !ok {
		return Job{}, apperr.New(apperr.NotFound, "")
	}
	return j, nil
}

// rows builds the table rows for jobs, reading every switch and latest run
// in a few queries.
func (h handlers) rows(c *fiber.Ctx, jobs []Job) ([]*jobRow, error) {
	ctx := c.UserContext()
	store := h.r.Store()
	settings, err := store.JobSettings(ctx)
	if err != nil {
		return nil, err
	}
	enabled := map[string]bool{}
	for _, s := range settings {
		enabled[s.Name] = s.Enabled
	}
	names := make([]string, len(jobs))
	for i, j := range jobs {
		names[i] = j.Name
	}
	last, err := store.LatestJobRuns(ctx, names)
	if err != nil {
		return nil, err
	}
	now := store.Now()
	csrf := web.CSRFToken(c)
	out := make([]*jobRow, len(jobs))
	for i, j := range jobs {
		on, set := enabled[j.Name]
		row := &jobRow{
			Name: j.Name, Description: j.Description, Schedule: j.Schedule, TimeZone: h.r.Location().String(),
			Enabled: on || !set, Last: viewRun(last[j.Name]), CSRF: csrf,
		}
		if next := h.r.NextRun(j.Name, now); !next.IsZero() {
			row.NextRun = &next
		}
		out[i] = row
	}
	return out, nil
}

// list is the jobs table.
func (h handlers) list(c *fiber.Ctx) error {
	rows, err := h.rows(c, h.r.Registry().Jobs())
	if err != nil {
		return err
	}
	store := h.r.Store()
	trouble, err := store.MailTrouble(c.UserContext(), store.Now().Add(-mailWindow), mailLimit)
	if err != nil {
		return err
	}
	data := fiber.Map{"Title": "Jobs", "Nav": "admin", "AdminNav": "jobs", "Jobs": rows,
		"Instance": h.r.Instance(), "Mail": trouble, "MailLimit": mailLimit}
	if msg, ok := doneMessages[c.Query("done")]; ok {
		data["Flash"] = &web.Flash{Kind: "success", Message: msg}
	}
	return h.s.Render(c, "pages/admin_jobs", "", data)
}

// runs is one job's recent history.
func (h handlers) runs(c *fiber.Ctx) error {
	j, err := h.job(c)
	if err != nil {
		return err
	}
	recs, err := h.r.Store().ListJobRuns(c.UserContext(), j.Name, runsLimit)
	if err != nil {
		return err
	}
	views := make([]*runView, len(recs))
	for i, r := range recs {
		views[i] = viewRun(r)
	}
	return h.s.Render(c, "pages/admin_jobs", "", fiber.Map{
		"Title": j.Name + " · Jobs", "Nav": "admin", "AdminNav": "jobs",
		"RunsOf": &j, "Runs": views, "Limit": runsLimit,
	})
}

// parseSwitch reads the on/off form value.
func parseSwitch(v string) (bool, bool) {
	switch v {
	case "on", "true", "1":
		return true, true
	case "off", "false", "0":
		return false, true
	}
	return false, false
}

// setEnabled switches a job on or off, with its audit event in the same
// transaction.
func (h handlers) setEnabled(c *fiber.Ctx) error {
	j, err := h.job(c)
	if err != nil {
		return err
	}
	on, ok := parseSwitch(c.FormValue("enabled"))
	if !ok {
		return apperr.New(apperr.Invalid, "Choose on or off.")
	}
	me := web.CurrentPerson(c)
	err = h.r.Store().InTx(c.UserContext(), func(ctx context.Context, tx *db.Store) error {
		old, err := tx.JobEnabled(ctx, j.Name)
		if err != nil {
			return err
		}
		if err := tx.SetJobEnabled(ctx, j.Name, on, &me.ID); err != nil {
			return err
		}
		return tx.RecordAudit(ctx, &db.AuditEvent{
			ActorID: &me.ID, Action: ActionEnabled, SubjectType: SubjectJob, SubjectID: j.Name,
			Details: map[string]any{"old": old, "new": on}, RequestID: web.RequestID(c),
		})
	})
	if err != nil {
		return err
	}
	done := "off"
	if on {
		done = "on"
	}
	return h.answer(c, j, "toggle", done)
}

// runNow runs a job at once, waiting for it (bounded by RunNowTimeout),
// and records who asked. The run gets its own slot, so it runs even when
// the job is switched off or a scheduled run is under way.
func (h handlers) runNow(c *fiber.Ctx) error {
	j, err := h.job(c)
	if err != nil {
		return err
	}
	// Detached from the request: fasthttp does not cancel it, and a run that
	// has started should be recorded whatever the browser does.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), RunNowTimeout)
	defer cancel()
	run, err := h.r.RunNow(ctx, j.Name, TriggerManual)
	if err != nil {
		if errors.Is(err, ErrSlotTaken) {
			return apperr.Wrap(err, apperr.Conflict, "That job is already running. Try again in a moment.")
		}
		return err
	}
	me := web.CurrentPerson(c)
	counts := map[string]any{}
	for k, v := range run.Counts {
		counts[k] = v
	}
	err = h.r.Store().RecordAudit(c.UserContext(), &db.AuditEvent{
		ActorID: &me.ID, Action: ActionRun, SubjectType: SubjectJob, SubjectID: j.Name,
		Details: map[string]any{
			"run_id": run.ID, "slot": run.Slot, "outcome": run.Outcome, "counts": counts, "error": run.Error,
		},
		RequestID: web.RequestID(c),
	})
	if err != nil {
		return err
	}
	return h.answer(c, j, "run", "ran")
}

// answer ends a change: htmx gets the job's row, re-rendered from the
// database; a plain form post is redirected back to the table
// (post/redirect/get) with a confirmation.
func (h handlers) answer(c *fiber.Ctx, j Job, focus, done string) error {
	if web.IsHTMX(c) {
		rows, err := h.rows(c, []Job{j})
		if err != nil {
			return err
		}
		rows[0].Focus = focus
		return h.s.Render(c, "pages/admin_jobs", "partials/admin_jobs_row_swap", fiber.Map{"Row": rows[0]})
	}
	return c.Redirect("/admin/jobs?done="+url.QueryEscape(done)+"#job-"+j.Name, fiber.StatusSeeOther)
}

// retryMail queues a message that was given up on again. Sign-in codes are
// not resent: they will have expired, and the person asks for a new one.
func (h handlers) retryMail(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.New(apperr.NotFound, "")
	}
	me := web.CurrentPerson(c)
	err = h.r.Store().InTx(c.UserContext(), func(ctx context.Context, tx *db.Store) error {
		m, err := tx.MailByID(ctx, id)
		if err != nil {
			return err
		}
		if m.Sensitive {
			return apperr.New(apperr.Conflict, "Sign-in codes are not sent again: they expire. The person can ask for a new one.")
		}
		if err := tx.RetryMail(ctx, id); err != nil {
			if errors.Is(err, db.ErrConflict) {
				return apperr.Wrap(err, apperr.Conflict, "Only mail that failed can be sent again.")
			}
			return err
		}
		return tx.RecordAudit(ctx, &db.AuditEvent{
			ActorID: &me.ID, Action: ActionRetry, SubjectType: "mail", SubjectID: strconv.FormatInt(id, 10),
			Details: map[string]any{"kind": m.Kind, "attempts": m.Attempts}, RequestID: web.RequestID(c),
		})
	})
	if err != nil {
		return err
	}
	h.r.d.Outbox.Wake()
	return c.Redirect("/admin/jobs?done=retried#mail", fiber.StatusSeeOther)
}
