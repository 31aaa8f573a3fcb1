package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"cohort/app/access"
	"cohort/app/authz"
	"cohort/app/features"
	"cohort/app/matching"
	"cohort/app/pairs"
	"cohort/db"
)

// DefaultWebhookBackoff is the wait before the 2nd and 3rd attempt to post
// the digest to the chat webhook. After that the run fails (and the admin
// page shows it); the next run posts the day's digest again.
var DefaultWebhookBackoff = []time.Duration{2 * time.Second, 10 * time.Second}

// digestWebhookJob names the claims that make the webhook post once a day
// across instances and repeated runs (in job_locks, keyed by the day).
const digestWebhookJob = "staff-digest:webhook"

// StaffDigest sends program staff a daily summary: per program they may
// view, the enrollments submitted in the last day and the mentees waiting
// unpaired longer than the program's digest_waiting_days; to those who
// manage jobs, the job runs that failed and the mail given up on. By mail
// (non-essential: unsubscribing stops it; nothing is sent when there is
// nothing to say) and, with DIGEST_WEBHOOK_URL, as one message to a
// Mattermost/Slack-compatible channel. Each recipient gets at most one
// digest a day ("staff_digest:PERSON:DAY"), and the channel one post.
func StaffDigest() Job {
	return Job{
		Name: "staff-digest",
		Description: "Mail staff a daily summary (new enrollments, mentees waiting unpaired, failed jobs and mail) " +
			"and post it to the chat webhook when DIGEST_WEBHOOK_URL is set",
		Schedule: "0 7 * * *", // daily at 07:00
		Timeout:  10 * time.Minute,
		Run:      staffDigest,
	}
}

// programLine is one program in the digest.
type programLine struct {
	Name, Link, NewLink, WaitingLink string
	New, Waiting, WaitingDays        int
	Pairing                          bool
	// Unmatched are mentees with no accepted request UnmatchedDays after
	// their first, in programs whose members request mentors.
	Unmatched, UnmatchedDays int
	RequestsLink             string
	// Attention: active pairs whose check-ins need attention ("Dee and
	// Bo: Bo rated 2/5 at week 2"), and the pairs page filtered to them.
	Attention     []string
	AttentionLink string
}

// digestData is one digest mail or post.
type digestData struct {
	Name, Day, JobsLink, Unsubscribe string
	Programs                         []programLine
	FailedJobs                       []db.FailedJob
	FailedMail                       int
}

func (d digestData) empty() bool {
	for _, p := range d.Programs {
		if p.New > 0 || p.Waiting > 0 || p.Unmatched > 0 || len(p.Attention) > 0 {
			return false
		}
	}
	return len(d.FailedJobs) == 0 && d.FailedMail == 0
}

func staffDigest(ctx context.Context, env Env) (Counts, error) {
	now := env.Now()
	// A day is a calendar day in JOBS_TIME_ZONE: across a daylight-saving
	// change it is 23 or 25 hours, so consecutive digests neither skip nor
	// repeat an hour. The date names the digest (one a day).
	local := now.In(env.Location)
	day := local.Format("2006-01-02")
	since := local.AddDate(0, 0, -1).UTC()
	counts := Counts{"digests": 0, "programs": 0}
	programs, err := env.Store.ListPrograms(ctx)
	if err != nil {
		return counts, err
	}
	lines := make(map[int64]programLine, len(programs))
	for _, prog := range programs {
		wait := prog.Settings.DigestWaiting()
		d, err := env.Store.DigestFor(ctx, prog.ID, since, now.Add(-wait))
		if err != nil {
			return counts, err
		}
		pairing := features.For(prog.Settings.Flags).On(features.Pairing)
		if !pairing {
			d.Waiting = 0
		}
		base := env.Config.BaseURL + "/staff/programs/" + url.PathEscape(prog.Slug)
		var attention []string
		if pairing {
			needing, err := pairs.NewService(env.Store, env.Config.PairIDHashSecret).NeedingAttention(ctx, prog)
			if err != nil {
				return counts, err
			}
			for _, a := range needing {
				attention = append(attention, a.MentorName+" and "+a.MenteeName+": "+strings.Join(a.Reasons, "; "))
			}
		}
		lines[prog.ID] = programLine{
			Attention: attention, AttentionLink: base + "/pairs?health=needs_attention",
			Name: prog.Name, Link: base + "/participants",
			NewLink:     base + "/participants?status=submitted",
			WaitingLink: base + "/participants?role=mentee&paired=no",
			New:         d.New, Waiting: d.Waiting, WaitingDays: int(wait / (24 * time.Hour)), Pairing: pairing,
		}
		if mc := matching.ConfigFor(prog); pairing && mc.MembersRequest() {
			l := lines[prog.ID]
			if l.Unmatched, err = env.Store.UnmatchedRequesters(ctx, prog.ID, now.Add(-mc.DigestAfter)); err != nil {
				return counts, err
			}
			l.UnmatchedDays, l.RequestsLink = int(mc.DigestAfter/(24*time.Hour)), base+"/requests"
			lines[prog.ID] = l
		}
		counts["programs"]++
	}
	failedJobs, err := env.Store.FailedJobsSince(ctx, since)
	if err != nil {
		return counts, err
	}
	failedMail, err := env.Store.CountFailedMailSince(ctx, since)
	if err != nil {
		return counts, err
	}
	jobsLink := env.Config.BaseURL + "/admin/jobs"

	people, err := env.Store.DigestRecipients(ctx)
	if err != nil {
		return counts, err
	}
	for _, p := range people {
		if err := ctx.Err(); err != nil {
			return counts, err
		}
		sub, err := access.Load(ctx, env.Store, p)
		if err != nil {
			return counts, err
		}
		data := digestData{Name: greeting(p.Name), Day: day, JobsLink: jobsLink, Unsubscribe: unsubscribeLink(env, p.ID)}
		for _, prog := range programs {
			if authz.Can(sub, authz.ParticipantsView, prog.ID) {
				data.Programs = append(data.Programs, lines[prog.ID])
			}
		}
		if authz.Can(sub, authz.JobsManage, authz.AllPrograms) {
			data.FailedJobs, data.FailedMail = failedJobs, failedMail
		}
		if data.empty() {
			continue
		}
		if err := post(ctx, env, letter{
			Kind:     db.NotifyStaffDigest,
			Key:      fmt.Sprintf("%s:%d:%s", db.NotifyStaffDigest, p.ID, day),
			PersonID: p.ID, RefID: 0, Seq: 1,
			To: p.Email, Subject: "Cohort digest for " + day, Template: "staff_digest",
			Data:  data,
			Check: subscribed(p.ID),
		}, counts, "digests"); err != nil {
			return counts, err
		}
	}

	if env.Config.DigestWebhookURL == "" {
		return counts, nil
	}
	all := digestData{Day: day, JobsLink: jobsLink, FailedJobs: failedJobs, FailedMail: failedMail}
	for _, prog := range programs {
		all.Programs = append(all.Programs, lines[prog.ID])
	}
	if all.empty() {
		return counts, nil
	}
	posted, err := postDigestOnce(ctx, env, day, all)
	if posted {
		counts["webhook_posts"]++
	}
	return counts, err
}

// postDigestOnce posts the day's digest to the webhook unless it was
// posted already (by an earlier run or another instance): a claim on
// (digestWebhookJob, day) decides, and is released again when every
// attempt failed, so a later run can try.
func postDigestOnce(ctx context.Context, env Env, day string, d digestData) (bool, error) {
	claimed, err := env.Store.ClaimJobSlot(ctx, digestWebhookJob, day, env.Instance, time.Hour)
	if err != nil || !claimed {
		return false, err
	}
	perr := postWebhook(ctx, env, digestMarkdown(d))
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if perr != nil {
		if err := env.Store.ReleaseJobSlot(rctx, digestWebhookJob, day); err != nil {
			env.Log.Error("webhook claim not released", "err", err)
		}
		return false, perr
	}
	return true, env.Store.FinishJobSlot(rctx, digestWebhookJob, day)
}

// postWebhook posts text as {"text": …} — what Mattermost and Slack
// incoming webhooks take — retrying after each of env.WebhookBackoff. A
// 4xx answer other than 429 is not retried: the request will not improve.
// Errors never include the URL (it is a secret).
func postWebhook(ctx context.Context, env Env, text string) error {
	body, err := json.Marshal(map[string]string{"text": text})
	if err != nil {
		return err
	}
	var last error
	for attempt := 0; ; attempt++ {
		last = postOnce(ctx, env.HTTP, env.Config.DigestWebhookURL, body)
		if last == nil {
			return nil
		}
		var perm permanentErr
		if errors.As(last, &perm) || attempt >= len(env.WebhookBackoff) {
			break
		}
		env.Log.Warn("digest webhook post failed; will retry", "attempt", attempt+1, "err", last)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(env.WebhookBackoff[attempt]):
		}
	}
	return fmt.Errorf("digest webhook: %w", last)
}

type permanentErr struct{ status int }

func (e permanentErr) Error() string { return fmt.Sprintf("refused with HTTP %d", e.status) }

func postOnce(ctx context.Context, client *http.Client, endpoint string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("bad webhook URL")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		// *url.Error carries the URL; keep only what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("post failed: %v", ue.Err)
		}
		return fmt.Errorf("post failed")
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests:
		return permanentErr{resp.StatusCode}
	}
	return fmt.Errorf("answered HTTP %d", resp.StatusCode)
}

// digestMarkdown is the channel post: Markdown, which both Mattermost and
// Slack render. Program names are staff-chosen; their Markdown-significant
// characters are escaped so a name cannot make links.
func digestMarkdown(d digestData) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**Cohort digest for %s**\n", d.Day)
	for _, p := range d.Programs {
		if p.New == 0 && p.Waiting == 0 && p.Unmatched == 0 && len(p.Attention) == 0 {
			continue
		}
		fmt.Fprintf(&b, "- [%s](%s): %d new %s", mdEscape(p.Name), p.Link, p.New, plural(p.New, "enrollment", "enrollments"))
		if p.Pairing && p.Waiting > 0 {
			fmt.Fprintf(&b, ", %d %s waiting unpaired over %d days", p.Waiting, plural(p.Waiting, "mentee", "mentees"), p.WaitingDays)
		}
		if p.Unmatched > 0 {
			fmt.Fprintf(&b, ", %d %s with no accepted request after %d days", p.Unmatched, plural(p.Unmatched, "mentee", "mentees"), p.UnmatchedDays)
		}
		if n := len(p.Attention); n > 0 {
			fmt.Fprintf(&b, ", %d %s needing attention", n, plural(n, "pair", "pairs"))
		}
		b.WriteString("\n")
	}
	for _, j := range d.FailedJobs {
		fmt.Fprintf(&b, "- Job **%s** failed %d %s: %s\n", j.Job, j.Runs, plural(j.Runs, "time", "times"), mdEscape(j.LastError))
	}
	if d.FailedMail > 0 {
		fmt.Fprintf(&b, "- %d %s could not be delivered\n", d.FailedMail, plural(d.FailedMail, "mail", "mails"))
	}
	if len(d.FailedJobs) > 0 || d.FailedMail > 0 {
		fmt.Fprintf(&b, "[Jobs and mail delivery](%s)\n", d.JobsLink)
	}
	return b.String()
}

var mdReplacer = strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", ">", "&gt;", "\n", " ")

func mdEscape(s string) string { return mdReplacer.Replace(s) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
