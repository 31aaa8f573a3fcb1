package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"cohort/app/apptest"
	"cohort/app/authz"
	"cohort/app/features"
	"cohort/app/jobs"
	"cohort/db"
	"cohort/db/dbtest"
)

// digestT0 is when the digests of these tests run (the "day" is its date).
var digestT0 = time.Date(2026, 11, 10, 7, 0, 0, 0, time.UTC)

// digestWorld is a store whose clock the test moves, with helpers to make
// the people, programs, enrollments, pairs, failed runs and failed mail the
// staff digest reports on.
type digestWorld struct {
	t   *testing.T
	s   *db.Store
	ctx context.Context
	n   int
}

func newDigestWorld(t *testing.T, s *db.Store) *digestWorld {
	w := &digestWorld{t: t, s: s, ctx: context.Background()}
	w.at(0)
	return w
}

// at sets the store's clock to digestT0 + d.
func (w *digestWorld) at(d time.Duration) { w.s.Now = func() time.Time { return digestT0.Add(d) } }

func (w *digestWorld) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *digestWorld) person(email, name, role, status string) *db.Person {
	w.t.Helper()
	p := &db.Person{Email: email, Name: name, Role: role, Status: status}
	w.must(w.s.CreatePerson(w.ctx, p))
	return p
}

func (w *digestWorld) program(slug, name string, settings db.ProgramSettings) *db.Program {
	w.t.Helper()
	p := &db.Program{Slug: slug, Name: name, Kind: db.KindMentoring, FormKey: "mentoring", Settings: settings}
	w.must(w.s.CreateProgram(w.ctx, p))
	return p
}

// enroll makes a member with an enrollment in prog, sent in at submitted
// (nil: a draft, never sent in).
func (w *digestWorld) enroll(prog *db.Program, status string, submitted *time.Time, mentee bool) *db.Enrollment {
	w.t.Helper()
	w.n++
	p := w.person(fmt.Sprintf("participant%d@example.com", w.n), fmt.Sprintf("Participant %d", w.n), db.RoleMember, "")
	e := &db.Enrollment{ProgramID: prog.ID, PersonID: p.ID, Status: status, FullName: p.Name,
		IsMentee: mentee, IsMentor: !mentee, SubmittedAt: submitted}
	w.must(w.s.CreateEnrollments(w.ctx, []*db.Enrollment{e}))
	return e
}

func (w *digestWorld) pair(prog *db.Program, mentor, mentee *db.Enrollment, status string) *db.Pair {
	w.t.Helper()
	pr := &db.Pair{ProgramID: prog.ID, MentorEnrollmentID: mentor.ID, MenteeEnrollmentID: mentee.ID, Status: status}
	if status != db.PairProposed {
		started := w.s.Now().Add(-30 * day)
		pr.StartedAt = &started
	}
	if status == db.PairEnded {
		ended := w.s.Now().Add(-20 * day)
		pr.EndedAt = &ended
	}
	w.must(w.s.CreatePair(w.ctx, pr))
	return pr
}

func (w *digestWorld) setStatus(e *db.Enrollment, status string) {
	w.t.Helper()
	_, err := w.s.UpdateEnrollment(w.ctx, e.ID, func(e *db.Enrollment) error { e.Status = status; return nil })
	w.must(err)
}

// failedRun records a run of job that failed with msg, started at
// digestT0 + at (the clock is put back to digestT0 afterwards).
func (w *digestWorld) failedRun(job, msg string, at time.Duration) {
	w.t.Helper()
	w.at(at)
	defer w.at(0)
	run := &db.JobRun{Job: job, Slot: fmt.Sprintf("test-%d", at), Instance: "test", Trigger: string(jobs.TriggerCLI)}
	w.must(w.s.StartJobRun(w.ctx, run))
	run.Outcome, run.Error = db.JobError, msg
	w.must(w.s.FinishJobRun(w.ctx, run))
}

// failedMail enqueues a message at digestT0 + at and gives up on it.
func (w *digestWorld) failedMail(to string, at time.Duration) *db.OutboxMessage {
	w.t.Helper()
	w.at(at)
	defer w.at(0)
	m := &db.OutboxMessage{To: to, Subject: "Reminder", TextBody: "hi", Kind: db.NotifyDraftReminder}
	_, err := w.s.EnqueueMail(w.ctx, m)
	w.must(err)
	w.must(w.s.MarkMailFailed(w.ctx, m.ID, "550 no such user"))
	return m
}

// digests returns the staff digests in the outbox by recipient, oldest
// first.
func (w *digestWorld) digests() map[string][]*db.OutboxMessage {
	w.t.Helper()
	return mailsBy(w.t, w.s, db.NotifyStaffDigest)
}

func (w *digestWorld) wantDigests(when string, want map[string]int) {
	w.t.Helper()
	wantMailCounts(w.t, when, w.digests(), want)
}

// runDigest runs staff-digest on r now and fails the test unless it ran
// cleanly; it returns the run's counts.
func runDigest(t *testing.T, r *jobs.Runner) jobs.Counts {
	t.Helper()
	run, err := r.RunNow(context.Background(), "staff-digest", jobs.TriggerCLI)
	if err != nil {
		t.Fatal(err)
	}
	if run.Outcome != db.JobOK || run.Counts["errors"] != 0 {
		t.Fatalf("staff-digest = %s %v (%s)", run.Outcome, run.Counts, run.Error)
	}
	return run.Counts
}

func digestTimePtr(t time.Time) *time.Time { return &t }

const (
	digestAdmin   = "admin@example.com"
	digestStaff   = "staff@example.com"
	digestCoord   = "coord@example.com"
	digestGranted = "granted@example.com"
	digestRevoked = "revoked@example.com"
	digestMember  = "member@example.com"
	digestUnsub   = "unsub@example.com"
	digestOff     = "disabled@example.com"
)

// Who gets the staff digest and what it says: per program they may view,
// new enrollments (last 24 h) and, in pairing programs, mentees waiting
// unpaired over the program's setting; failed jobs and mail only for those
// who manage jobs. One digest per person and day; nothing when there is
// nothing to say.
func TestStaffDigestContentAndRecipients(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newDigestWorld(t, s)
		T := digestT0
		a := w.program("alpha", "Alpha <b>bold</b>", db.ProgramSettings{
			Flags: map[string]bool{features.Pairing: true}, DigestWaitingDays: 5})
		b := w.program("beta", "Beta", db.ProgramSettings{})

		admin := w.person(digestAdmin, "Ada <Admin>", db.RoleAdmin, "")
		staff := w.person(digestStaff, "Sam Staff", db.RoleStaff, "")
		coord := w.person(digestCoord, "Cora Coord", db.RoleMember, "")
		w.must(s.SetProgramRole(w.ctx, coord.ID, a.ID, authz.RoleCoordinator, admin.ID))
		granted := w.person(digestGranted, "Gus Granted", db.RoleMember, "")
		w.must(s.SetPermissionOverride(w.ctx, granted.ID, b.ID, string(authz.ParticipantsView), true, admin.ID))
		revoked := w.person(digestRevoked, "Rita Revoked", db.RoleStaff, "")
		w.must(s.SetPermissionOverride(w.ctx, revoked.ID, b.ID, string(authz.ParticipantsView), false, admin.ID))
		w.person(digestMember, "Mel Member", db.RoleMember, "")
		unsub := w.person(digestUnsub, "Una Unsub", db.RoleStaff, "")
		w.must(s.Unsubscribe(w.ctx, unsub.ID))
		offCoord := w.person(digestOff, "Dis Abled", db.RoleStaff, db.PersonDisabled)
		w.must(s.SetProgramRole(w.ctx, offCoord.ID, a.ID, authz.RoleCoordinator, admin.ID))

		// Alpha (pairing, waiting over 5 days): 2 new, 2 waiting.
		w.enroll(a, db.StatusSubmitted, digestTimePtr(T.Add(-time.Hour)), false)                  // new
		w.enroll(a, db.StatusSubmitted, digestTimePtr(T.Add(-23*time.Hour)), true)                // new; a mentee, not waiting yet
		w.enroll(a, db.StatusSubmitted, digestTimePtr(T.Add(-30*time.Hour)), false)               // too old to be new
		w.enroll(a, db.StatusDraft, nil, false)                                                   // a draft: nothing
		waiting1 := w.enroll(a, db.StatusApproved, digestTimePtr(T.Add(-6*day)), true)            // waiting
		waiting2 := w.enroll(a, db.StatusActive, digestTimePtr(T.Add(-10*day)), true)             // waiting: their pair ended
		paired := w.enroll(a, db.StatusActive, digestTimePtr(T.Add(-10*day)), true)               // paired
		proposed := w.enroll(a, db.StatusApproved, digestTimePtr(T.Add(-10*day)), true)           // pair proposed
		recent := w.enroll(a, db.StatusSubmitted, digestTimePtr(T.Add(-4*day+3*time.Hour)), true) // not long enough
		w.enroll(a, db.StatusWithdrawn, digestTimePtr(T.Add(-10*day)), true)                      // withdrew
		mentor := w.enroll(a, db.StatusActive, digestTimePtr(T.Add(-20*day)), false)
		w.pair(a, mentor, waiting2, db.PairEnded)
		w.pair(a, mentor, paired, db.PairActive)
		w.pair(a, mentor, proposed, db.PairProposed)
		// Beta (no pairing): 1 new; its unpaired mentee is not reported.
		w.enroll(b, db.StatusSubmitted, digestTimePtr(T.Add(-2*time.Hour)), false)
		w.enroll(b, db.StatusSubmitted, digestTimePtr(T.Add(-20*day)), true)

		// Failures: two runs of housekeeping and one mail in the last day,
		// older ones that no longer count.
		w.failedRun("housekeeping", "first <error>", -3*time.Hour)
		w.failedRun("housekeeping", "disk <full>", -2*time.Hour)
		w.failedRun("draft-reminders", "long ago", -30*time.Hour)
		w.failedMail("lost@example.com", -5*time.Hour)
		w.failedMail("older@example.com", -30*time.Hour)

		r := newRunner(t, s, "test", jobs.StaffDigest())
		counts := runDigest(t, r)
		if counts["digests"] != 5 || counts["programs"] != 2 || counts["webhook_posts"] != 0 {
			t.Fatalf("counts = %v, want 5 digests of 2 programs and no webhook", counts)
		}
		w.wantDigests("day 1", map[string]int{digestAdmin: 1, digestStaff: 1, digestCoord: 1, digestGranted: 1, digestRevoked: 1})

		const (
			alphaText = "Alpha <b>bold</b>\n" +
				"  New enrollments: 2  http://localhost/staff/programs/alpha/participants?status=submitted\n" +
				"  Mentees waiting unpaired over 5 days: 2  http://localhost/staff/programs/alpha/participants?role=mentee&paired=no\n"
			betaText  = "Beta\n  New enrollments: 1  http://localhost/staff/programs/beta/participants?status=submitted\n"
			alphaHTML = `<a href="http://localhost/staff/programs/alpha/participants">Alpha &lt;b&gt;bold&lt;/b&gt;</a>`
			alphaNew  = `<a href="http://localhost/staff/programs/alpha/participants?status=submitted">2</a>`
			alphaWait = `Mentees waiting unpaired over 5 days: <a href="http://localhost/staff/programs/alpha/participants?role=mentee&amp;paired=no">2</a>`
			betaHTML  = `<a href="http://localhost/staff/programs/beta/participants">Beta</a>`
			jobsText  = "Needs attention\n  Job housekeeping failed 2 time(s): disk <full>\n  Mail that could not be delivered: 1\n  http://localhost/admin/jobs\n"
			jobsHTML  = `<li>Job <strong>housekeeping</strong> failed 2 time(s): disk &lt;full&gt;</li>`
		)
		tests := []struct {
			email, greeting  string
			text, html       []string
			notText, notHTML []string
		}{
			{digestAdmin, "Hello Ada <Admin>,", []string{alphaText, betaText, jobsText},
				[]string{alphaHTML, alphaNew, alphaWait, betaHTML, jobsHTML, "Mail that could not be delivered: 1", `<a href="http://localhost/admin/jobs">`, "Hello Ada &lt;Admin&gt;,"},
				[]string{"draft-reminders", "first <error>", "long ago"}, []string{"<b>bold", "<Admin>"}},
			{digestStaff, "Hello Sam Staff,", []string{alphaText, betaText},
				[]string{alphaHTML, alphaNew, alphaWait, betaHTML},
				[]string{"Needs attention", "housekeeping", "could not be delivered", "/admin/jobs"}, []string{"Needs attention", "housekeeping", "/admin/jobs"}},
			{digestCoord, "Hello Cora Coord,", []string{alphaText},
				[]string{alphaHTML, alphaNew, alphaWait},
				[]string{"Beta", "/programs/beta/", "Needs attention", "housekeeping"}, []string{"Beta", "/programs/beta/", "housekeeping"}},
			{digestGranted, "Hello Gus Granted,", []string{betaText},
				[]string{betaHTML},
				[]string{"Alpha", "/programs/alpha/", "Mentees waiting", "housekeeping"}, []string{"Alpha", "/programs/alpha/", "Mentees waiting"}},
			{digestRevoked, "Hello Rita Revoked,", []string{alphaText},
				[]string{alphaHTML},
				[]string{"Beta", "/programs/beta/", "housekeeping"}, []string{"Beta", "/programs/beta/"}},
		}
		people := map[string]*db.Person{digestAdmin: admin, digestStaff: staff, digestCoord: coord, digestGranted: granted, digestRevoked: revoked}
		got := w.digests()
		for _, tt := range tests {
			t.Run(tt.email, func(t *testing.T) {
				m := got[tt.email][0]
				key := fmt.Sprintf("staff_digest:%d:2026-11-10", people[tt.email].ID)
				if m.DedupeKey == nil || *m.DedupeKey != key || m.Subject != "Cohort digest for 2026-11-10" {
					t.Fatalf("key %v, subject %q; want %q", m.DedupeKey, m.Subject, key)
				}
				if !strings.HasPrefix(m.TextBody, tt.greeting) {
					t.Errorf("text does not start with %q:\n%s", tt.greeting, m.TextBody)
				}
				if !strings.Contains(m.TextBody, "Stop the digest: http://localhost/") || !strings.Contains(m.HTMLBody, "Stop the digest</a>") {
					t.Errorf("no unsubscribe link:\n%s", m.TextBody)
				}
				for _, want := range tt.text {
					if !strings.Contains(m.TextBody, want) {
						t.Errorf("text lacks %q:\n%s", want, m.TextBody)
					}
				}
				for _, want := range tt.html {
					if !strings.Contains(m.HTMLBody, want) {
						t.Errorf("HTML lacks %q:\n%s", want, m.HTMLBody)
					}
				}
				for _, bad := range tt.notText {
					if strings.Contains(m.TextBody, bad) {
						t.Errorf("text has %q:\n%s", bad, m.TextBody)
					}
				}
				for _, bad := range tt.notHTML {
					if strings.Contains(m.HTMLBody, bad) {
						t.Errorf("HTML has %q:\n%s", bad, m.HTMLBody)
					}
				}
			})
		}

		// Later the same day: even with a new enrollment, no second digest.
		w.at(time.Hour)
		w.enroll(a, db.StatusSubmitted, digestTimePtr(T.Add(30*time.Minute)), false)
		if c := runDigest(t, r); c["digests"] != 0 {
			t.Fatalf("second run the same day sent %d digests", c["digests"])
		}
		w.wantDigests("day 1, run again", map[string]int{digestAdmin: 1, digestStaff: 1, digestCoord: 1, digestGranted: 1, digestRevoked: 1})

		// Next day: nothing new, the failures are older than a day, but
		// mentees still wait in Alpha: only Alpha's viewers hear of it.
		w.at(day + 2*time.Hour)
		if c := runDigest(t, r); c["digests"] != 4 {
			t.Fatalf("day 2: %d digests, want 4 (Alpha's viewers)", c["digests"])
		}
		w.wantDigests("day 2", map[string]int{digestAdmin: 2, digestStaff: 2, digestCoord: 2, digestGranted: 1, digestRevoked: 2})
		m := w.digests()[digestAdmin][1]
		if !strings.Contains(m.TextBody, "New enrollments: 0\n  Mentees waiting unpaired over 5 days: 2") ||
			strings.Contains(m.TextBody, "Needs attention") || m.Subject != "Cohort digest for 2026-11-11" {
			t.Fatalf("day 2 digest to the admin (%s):\n%s", m.Subject, m.TextBody)
		}

		// Day 3: the waiting mentees withdrew, were paired or declined:
		// nothing to say, nothing sent.
		w.at(2*day + 2*time.Hour)
		w.setStatus(waiting1, db.StatusWithdrawn)
		w.pair(a, mentor, waiting2, db.PairProposed)
		w.setStatus(recent, db.StatusDeclined)
		if c := runDigest(t, r); c["digests"] != 0 {
			t.Fatalf("day 3 (nothing to say): %d digests", c["digests"])
		}
		w.wantDigests("day 3", map[string]int{digestAdmin: 2, digestStaff: 2, digestCoord: 2, digestGranted: 1, digestRevoked: 2})
		if n := len(w.digests()[digestMember]) + len(w.digests()[digestUnsub]) + len(w.digests()[digestOff]); n != 0 {
			t.Fatalf("member, unsubscribed or disabled person got %d digests", n)
		}
	})
}

// webhookServer records what the digest posts and answers with the
// statuses status(n) gives for the n-th request (from 1).
type webhookServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []webhookRequest
	status   func(n int) int
}

type webhookRequest struct {
	Method, Path, ContentType string
	Text                      string
	JSONErr                   error
}

func newWebhookServer(t *testing.T, status func(n int) int) *webhookServer {
	ws := &webhookServer{status: status}
	ws.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var payload struct {
			Text string `json:"text"`
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		err := dec.Decode(&payload)
		ws.mu.Lock()
		ws.requests = append(ws.requests, webhookRequest{r.Method, r.URL.Path, r.Header.Get("Content-Type"), payload.Text, err})
		code := ws.status(len(ws.requests))
		ws.mu.Unlock()
		rw.WriteHeader(code)
		_, _ = rw.Write([]byte("answer"))
	}))
	t.Cleanup(ws.Close)
	return ws
}

func (ws *webhookServer) setStatus(fn func(n int) int) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.status = fn
}

func (ws *webhookServer) got() []webhookRequest {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return append([]webhookRequest(nil), ws.requests...)
}

// statuses answers the listed codes in turn, then the last one for ever.
func hookStatuses(codes ...int) func(n int) int {
	return func(n int) int { return codes[min(n, len(codes))-1] }
}

// digestLogBuffer is a log sink several goroutines may write.
type digestLogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *digestLogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *digestLogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// webhookToken is the secret part of the webhook URL: it must never show
// in errors or logs.
const webhookToken = "xoxb-S3CRET-7f3a9c"

// digestRunner is a runner of staff-digest posting to hookURL, with tiny
// retry pauses and its logs (debug and up) in log.
func digestRunner(t *testing.T, s *db.Store, instance, hookURL string, log io.Writer) *jobs.Runner {
	t.Helper()
	reg, err := jobs.NewRegistry(jobs.StaffDigest())
	if err != nil {
		t.Fatal(err)
	}
	r, err := jobs.NewRunner(reg, jobs.Deps{
		Config: apptest.Config(t, map[string]string{"DIGEST_WEBHOOK_URL": hookURL}),
		Store:  s, Instance: instance,
		Log:            slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		HTTP:           &http.Client{Timeout: 5 * time.Second},
		WebhookBackoff: []time.Duration{time.Millisecond, 2 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// webhookWorld is a pairing program with one new enrollment and one
// mentee waiting over a week, and a staff person to mail.
func webhookWorld(t *testing.T, s *db.Store) *digestWorld {
	w := newDigestWorld(t, s)
	a := w.program("alpha", "Alpha <b>[x](y)</b>", db.ProgramSettings{Flags: map[string]bool{features.Pairing: true}})
	w.program("quiet", "Quiet", db.ProgramSettings{})
	w.person(digestStaff, "Sam Staff", db.RoleStaff, "")
	w.enroll(a, db.StatusSubmitted, digestTimePtr(digestT0.Add(-time.Hour)), false)
	w.enroll(a, db.StatusSubmitted, digestTimePtr(digestT0.Add(-8*day)), true)
	return w
}

const webhookLine = "- [Alpha &lt;b&gt;\\[x\\]\\(y\\)&lt;/b&gt;](http://localhost/staff/programs/alpha/participants): " +
	"1 new enrollment, 1 mentee waiting unpaired over 7 days\n"

// The chat webhook: one Markdown post a day, retried on 5xx and 429 but
// not on other 4xx; when every attempt fails the run is an error (without
// the URL in it) and a later run posts again.
func TestDigestWebhook(t *testing.T) {
	tests := []struct {
		name     string
		codes    []int
		wantReqs int  // requests made by the first run
		wantOK   bool // the first run's outcome
		wantErr  string
	}{
		{"posted at once", []int{200}, 1, true, ""},
		{"500 twice then 200: retried", []int{500, 500, 204}, 3, true, ""},
		{"429 then 200: retried", []int{429, 200}, 2, true, ""},
		{"always 500: three attempts, then an error", []int{500}, 3, false, "answered HTTP 500"},
		{"400: not retried", []int{400}, 1, false, "refused with HTTP 400"},
		{"404: not retried", []int{404}, 1, false, "refused with HTTP 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, s *db.Store) {
				w := webhookWorld(t, s)
				ws := newWebhookServer(t, hookStatuses(tt.codes...))
				var logs digestLogBuffer
				r := digestRunner(t, s, "test", ws.URL+"/hooks/"+webhookToken, &logs)

				run, err := r.RunNow(w.ctx, "staff-digest", jobs.TriggerCLI)
				w.must(err)
				reqs := ws.got()
				if len(reqs) != tt.wantReqs {
					t.Fatalf("%d requests, want %d", len(reqs), tt.wantReqs)
				}
				for _, rq := range reqs {
					if rq.Method != http.MethodPost || rq.Path != "/hooks/"+webhookToken || rq.ContentType != "application/json" || rq.JSONErr != nil {
						t.Fatalf("request %+v", rq)
					}
					if !strings.HasPrefix(rq.Text, "**Cohort digest for 2026-11-10**\n") || !strings.Contains(rq.Text, webhookLine) ||
						strings.Contains(rq.Text, "Quiet") || strings.Contains(rq.Text, "Job **") {
						t.Fatalf("posted text:\n%s", rq.Text)
					}
				}
				// The mail goes out whatever the webhook does.
				if run.Counts["digests"] != 1 {
					t.Fatalf("counts %v: the staff digest mail was not sent", run.Counts)
				}
				if tt.wantOK {
					if run.Outcome != db.JobOK || run.Error != "" || run.Counts["webhook_posts"] != 1 {
						t.Fatalf("run = %s %v %q; want ok with one post", run.Outcome, run.Counts, run.Error)
					}
				} else {
					if run.Outcome != db.JobError || !strings.Contains(run.Error, tt.wantErr) || run.Counts["webhook_posts"] != 0 {
						t.Fatalf("run = %s %v %q; want an error with %q", run.Outcome, run.Counts, run.Error, tt.wantErr)
					}
					// The error as recorded (and shown on the admin page)
					// and the logs never carry the URL.
					runs, err := s.ListJobRuns(w.ctx, "staff-digest", 10)
					w.must(err)
					for _, where := range []string{run.Error, runs[0].Error, logs.String()} {
						if strings.Contains(where, webhookToken) || strings.Contains(where, "/hooks/") {
							t.Fatalf("the webhook URL leaked: %s", where)
						}
					}
					if runs[0].Outcome != db.JobError || runs[0].Error != run.Error {
						t.Fatalf("recorded run %+v", runs[0])
					}
				}

				// A second run the same day: posted already, or, after a
				// failure, the claim was released and it posts now that
				// the server has recovered.
				// (Well inside the claim's hour: recovery must not wait for
				// an abandoned claim to expire.)
				ws.setStatus(hookStatuses(200))
				w.at(10 * time.Minute)
				run, err = r.RunNow(w.ctx, "staff-digest", jobs.TriggerCLI)
				w.must(err)
				if run.Outcome != db.JobOK || run.Counts["digests"] != 0 {
					t.Fatalf("second run = %s %v %q", run.Outcome, run.Counts, run.Error)
				}
				reqs = ws.got()
				if tt.wantOK {
					if len(reqs) != tt.wantReqs || run.Counts["webhook_posts"] != 0 {
						t.Fatalf("posted again the same day: %d requests, counts %v", len(reqs), run.Counts)
					}
				} else {
					if len(reqs) != tt.wantReqs+1 || run.Counts["webhook_posts"] != 1 {
						t.Fatalf("after recovery: %d requests (want %d), counts %v", len(reqs), tt.wantReqs+1, run.Counts)
					}
					// The failed run shows in the post, without the URL.
					last := reqs[len(reqs)-1].Text
					if !strings.Contains(last, "- Job **staff-digest** failed 1 time: digest webhook: ") ||
						strings.Contains(last, webhookToken) || !strings.Contains(last, "[Jobs and mail delivery](http://localhost/admin/jobs)") {
						t.Fatalf("post after recovery:\n%s", last)
					}
				}
				// And a third run, later that day (past the claim's hour: a
				// post's claim, once finished, holds for the whole day):
				// nothing more.
				w.at(5 * time.Hour)
				before := len(ws.got())
				if c := runDigest(t, r); c["webhook_posts"] != 0 || len(ws.got()) != before {
					t.Fatalf("third run posted: %v", c)
				}
				if strings.Contains(logs.String(), webhookToken) {
					t.Fatalf("the webhook URL is in the logs:\n%s", logs.String())
				}
			})
		})
	}
}

// A webhook that cannot be reached at all: the transport error (which in
// Go names the URL) is reported without it.
func TestDigestWebhookUnreachable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := webhookWorld(t, s)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		w.must(err)
		addr := ln.Addr().String()
		w.must(ln.Close())
		var logs digestLogBuffer
		r := digestRunner(t, s, "test", "http://"+addr+"/hooks/"+webhookToken+"?token="+webhookToken, &logs)
		run, err := r.RunNow(w.ctx, "staff-digest", jobs.TriggerCLI)
		w.must(err)
		if run.Outcome != db.JobError || !strings.Contains(run.Error, "digest webhook: post failed") {
			t.Fatalf("run = %s %q", run.Outcome, run.Error)
		}
		for _, where := range []string{run.Error, logs.String()} {
			if strings.Contains(where, webhookToken) || strings.Contains(where, "/hooks/") {
				t.Fatalf("the webhook URL leaked: %s", where)
			}
		}
		if n := strings.Count(logs.String(), "will retry"); n != 2 {
			t.Fatalf("%d retries logged, want 2:\n%s", n, logs.String())
		}
	})
}

// With nothing to say, nothing is posted either.
func TestDigestWebhookNothingToSay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newDigestWorld(t, s)
		w.program("quiet", "Quiet", db.ProgramSettings{})
		w.person(digestStaff, "Sam Staff", db.RoleStaff, "")
		ws := newWebhookServer(t, hookStatuses(200))
		r := digestRunner(t, s, "test", ws.URL+"/hooks/"+webhookToken, io.Discard)
		if c := runDigest(t, r); c["digests"] != 0 || c["webhook_posts"] != 0 || len(ws.got()) != 0 {
			t.Fatalf("empty digest: counts %v, %d posts", c, len(ws.got()))
		}
	})
}

// Two instances (two stores on one database, two runners) running the
// digest at once, several times over, for the same day: each recipient gets
// one digest and the channel one post.
func TestStaffDigestExactlyOnceAcrossInstances(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			d := sharedDatabase(t, dialect)
			var stores []*db.Store
			for range 2 {
				s, err := db.Open(ctx, d, db.Options{MaxOpenConns: 4})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = s.Close() })
				stores = append(stores, s)
			}
			w := webhookWorld(t, stores[0])
			want := map[string]int{digestStaff: 1}
			for i := range 4 {
				email := fmt.Sprintf("staff%d@example.com", i)
				w.person(email, fmt.Sprintf("Staff %d", i), db.RoleStaff, "")
				want[email] = 1
			}
			w.person(digestAdmin, "Ada Admin", db.RoleAdmin, "")
			want[digestAdmin] = 1
			ws := newWebhookServer(t, hookStatuses(200))
			var logs digestLogBuffer
			var runners []*jobs.Runner
			for i, s := range stores {
				s.Now = func() time.Time { return digestT0.Add(time.Duration(i) * time.Minute) }
				runners = append(runners, digestRunner(t, s, fmt.Sprintf("instance-%d", i), ws.URL+"/hooks/"+webhookToken, &logs))
			}
			const perInstance = 3
			start := make(chan struct{})
			var mu sync.Mutex
			total := jobs.Counts{}
			var wg sync.WaitGroup
			for i, r := range runners {
				for g := range perInstance {
					wg.Go(func() {
						<-start
						run, err := r.RunSlot(ctx, "staff-digest", fmt.Sprintf("manual-%d-%d", i, g), jobs.TriggerManual)
						if err != nil {
							t.Errorf("instance %d: %v", i, err)
							return
						}
						if run.Outcome != db.JobOK {
							t.Errorf("instance %d: %s %q", i, run.Outcome, run.Error)
						}
						mu.Lock()
						for k, v := range run.Counts {
							total[k] += v
						}
						mu.Unlock()
					})
				}
			}
			close(start)
			wg.Wait()
			if total["digests"] != len(want) || total["webhook_posts"] != 1 || total["errors"] != 0 {
				t.Fatalf("counts over all runs = %v; want %d digests, 1 post", total, len(want))
			}
			w.wantDigests("after concurrent runs", want)
			if n := len(ws.got()); n != 1 {
				t.Fatalf("the webhook got %d posts, want 1", n)
			}
			locks, err := stores[1].DB().NewSelect().Table("job_locks").Where("job = ?", "staff-digest:webhook").Count(ctx)
			if err != nil || locks != 1 {
				t.Fatalf("%d webhook claims (%v), want 1", locks, err)
			}
		})
	}
}

// "The last day" is a calendar day in JOBS_TIME_ZONE: the digest on the
// morning daylight saving ends in Berlin (a 25-hour day) counts an
// enrollment sent in 24½ hours earlier, just after the previous digest.
func TestStaffDigestDayAcrossDaylightSaving(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newDigestWorld(t, s)
		digest := time.Date(2026, 10, 25, 6, 0, 0, 0, time.UTC) // 07:00 CET, the day CEST ends
		w.s.Now = func() time.Time { return digest }
		prog := w.program("alpha", "Alpha", db.ProgramSettings{})
		w.person(digestStaff, "Sam Staff", db.RoleStaff, "")
		w.enroll(prog, db.StatusSubmitted, digestTimePtr(time.Date(2026, 10, 24, 5, 30, 0, 0, time.UTC)), false) // 07:30 CEST
		reg, err := jobs.NewRegistry(jobs.StaffDigest())
		w.must(err)
		r, err := jobs.NewRunner(reg, jobs.Deps{Config: apptest.Config(t, map[string]string{"JOBS_TIME_ZONE": "Europe/Berlin"}),
			Store: s, Instance: "test", Log: apptest.Logger()})
		w.must(err)
		if c := runDigest(t, r); c["digests"] != 1 {
			t.Fatalf("digest counts %v: the enrollment after the previous digest was missed", c)
		}
		if m := w.digests()[digestStaff][0]; !strings.Contains(m.TextBody, "New enrollments: 1") || !strings.Contains(m.Subject, "2026-10-25") {
			t.Fatalf("digest %q:\n%s", m.Subject, m.TextBody)
		}
	})
}
