package jobs_test

import (
	"context"
	"maps"
	"net/url"
	"strings"
	"testing"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/app/jobs"
	"cohort/app/web"
	"cohort/db"
	"cohort/db/dbtest"
)

type adminFixture struct {
	store *db.Store
	srv   *web.Server
}

func newAdminFixture(t *testing.T, s *db.Store) *adminFixture {
	t.Helper()
	if _, err := demo.Seed(context.Background(), s, demo.Options{Participants: 3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	return &adminFixture{store: s, srv: apptest.New(t, s, nil)}
}

func (f *adminFixture) client(t *testing.T, email string) *apptest.Client {
	c := apptest.NewClient(t, f.srv)
	c.Get("/")
	if email != "" {
		c.SignInAs(email)
	}
	return c
}

func (f *adminFixture) events(t *testing.T, action string) []*db.AuditEvent {
	t.Helper()
	evs, err := f.store.ListAudit(context.Background(), db.AuditQuery{Action: action, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestAdminJobsAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		f := newAdminFixture(t, s)
		requests := []struct {
			method, path string
			form         url.Values
		}{
			{"GET", "/admin/jobs", nil},
			{"GET", "/admin/jobs/housekeeping/runs", nil},
			{"POST", "/admin/jobs/housekeeping/enabled", url.Values{"enabled": {"off"}}},
			{"POST", "/admin/jobs/housekeeping/run", url.Values{}},
		}
		tests := []struct {
			who, email string
			want       int // for GETs; allowed POSTs redirect
		}{
			{"anonymous", "", 401},
			{"member", demo.MemberEmail, 403},
			{"staff", demo.StaffEmail, 403},
			{"admin", demo.AdminEmail, 200},
		}
		for _, tt := range tests {
			t.Run(tt.who, func(t *testing.T) {
				c := f.client(t, tt.email)
				for _, rq := range requests {
					var res *apptest.Response
					want := tt.want
					if rq.method == "GET" {
						res = c.Get(rq.path)
					} else {
						res = c.PostForm(rq.path, maps.Clone(rq.form)) // PostForm adds this client's token
						if want == 200 {
							want = 303
						}
					}
					if res.StatusCode != want {
						t.Errorf("%s %s as %s = %d, want %d: %.300s", rq.method, rq.path, tt.who, res.StatusCode, want, res.Body)
					}
				}
			})
		}
		// Refused requests changed nothing: only the admin's toggle and run.
		if n := len(f.events(t, jobs.ActionEnabled)); n != 1 {
			t.Errorf("%d job.enabled events, want the admin's 1", n)
		}
		runs, err := s.ListJobRuns(context.Background(), "housekeeping", 10)
		if err != nil || len(runs) != 1 {
			t.Errorf("%d housekeeping runs (%v), want the admin's 1", len(runs), err)
		}
	})
}

func TestAdminJobsPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		f := newAdminFixture(t, s)
		admin, err := s.PersonByEmail(ctx, demo.AdminEmail)
		if err != nil {
			t.Fatal(err)
		}
		c := f.client(t, demo.AdminEmail)

		t.Run("the table lists the job with its schedule and next run", func(t *testing.T) {
			res := c.Get("/admin/jobs")
			for _, want := range []string{`id="job-housekeeping"`, `data-enabled="true"`, "<code>0 * * * *</code>",
				"Delete expired sessions", "never run", `aria-current="page">Jobs</a>`, `<time datetime="`} {
				if !strings.Contains(res.Body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
		})

		tests := []struct {
			name        string
			htmx        bool
			value       string
			wantStatus  int
			wantEnabled bool
			wantBody    string
		}{
			{"switch off", false, "off", 303, false, ""},
			{"switch on with htmx: the row comes back", true, "on", 200, true, `data-enabled="true"`},
			{"switch off with htmx", true, "off", 200, false, `data-enabled="false"`},
			{"nonsense is refused", false, "maybe", 422, false, "Choose on or off"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := len(f.events(t, jobs.ActionEnabled))
				c.Header.Del("HX-Request")
				if tt.htmx {
					c.Header.Set("HX-Request", "true")
				}
				res := c.PostForm("/admin/jobs/housekeeping/enabled", url.Values{"enabled": {tt.value}})
				c.Header.Del("HX-Request")
				if res.StatusCode != tt.wantStatus || !strings.Contains(res.Body, tt.wantBody) {
					t.Fatalf("status %d, body %q; want %d with %q", res.StatusCode, res.Body, tt.wantStatus, tt.wantBody)
				}
				if tt.htmx && !strings.HasPrefix(strings.TrimSpace(res.Body), `<tr id="job-housekeeping"`) {
					t.Fatalf("htmx answer is not the row: %.80q", res.Body)
				}
				if res.StatusCode == 303 && res.Header.Get("Location") != "/admin/jobs?done="+tt.value+"#job-housekeeping" {
					t.Fatalf("Location = %q", res.Header.Get("Location"))
				}
				on, err := s.JobEnabled(ctx, "housekeeping")
				if err != nil || on != tt.wantEnabled {
					t.Fatalf("enabled = %v, %v; want %v", on, err, tt.wantEnabled)
				}
				evs := f.events(t, jobs.ActionEnabled)
				if tt.wantStatus == 422 {
					if len(evs) != before {
						t.Fatal("a refused change was audited")
					}
					return
				}
				ev := evs[0]
				if len(evs) != before+1 || ev.SubjectType != jobs.SubjectJob || ev.SubjectID != "housekeeping" ||
					ev.ActorID == nil || *ev.ActorID != admin.ID || ev.Details["new"] != tt.wantEnabled {
					t.Fatalf("audit event = %+v", ev)
				}
			})
		}
		t.Run("the page shows the job switched off", func(t *testing.T) {
			res := c.Get("/admin/jobs?done=off")
			if !strings.Contains(res.Body, `data-enabled="false"`) || !strings.Contains(res.Body, "Switch on") ||
				!strings.Contains(res.Body, "Job switched off") || !strings.Contains(res.Body, "skipped while off") {
				t.Fatal("the page does not show the job as off")
			}
		})

		t.Run("run now records a manual run and shows its counts", func(t *testing.T) {
			res := c.PostForm("/admin/jobs/housekeeping/run", nil)
			if res.StatusCode != 303 || res.Header.Get("Location") != "/admin/jobs?done=ran#job-housekeeping" {
				t.Fatalf("status %d, Location %q", res.StatusCode, res.Header.Get("Location"))
			}
			runs, err := s.ListJobRuns(ctx, "housekeeping", 10)
			if err != nil || len(runs) != 1 {
				t.Fatalf("runs = %v, %v", runs, err)
			}
			run := runs[0]
			if run.Trigger != string(jobs.TriggerManual) || run.Outcome != db.JobOK || !strings.HasPrefix(run.Slot, "manual-") {
				t.Fatalf("run = %+v (switched off, yet a manual run must run)", run)
			}
			evs := f.events(t, jobs.ActionRun)
			if len(evs) != 1 || evs[0].SubjectID != "housekeeping" || evs[0].Details["outcome"] != db.JobOK {
				t.Fatalf("job.run events = %+v", evs)
			}
			page := c.Get(res.Header.Get("Location")).Body
			for _, want := range []string{`data-outcome="ok"`, "sessions 0", "job_runs 0", "(manual,", "Job run finished"} {
				if !strings.Contains(page, want) {
					t.Errorf("page after the run lacks %q", want)
				}
			}
			c.Header.Set("HX-Request", "true")
			row := c.PostForm("/admin/jobs/housekeeping/run", nil)
			c.Header.Del("HX-Request")
			if row.StatusCode != 200 || !strings.Contains(row.Body, `data-outcome="ok"`) || !strings.Contains(row.Body, "data-autofocus") {
				t.Fatalf("htmx run: %d %q", row.StatusCode, row.Body)
			}
		})

		t.Run("the runs page lists both runs", func(t *testing.T) {
			res := c.Get("/admin/jobs/housekeeping/runs")
			if res.StatusCode != 200 || strings.Count(res.Body, `data-outcome="ok"`) != 2 || !strings.Contains(res.Body, "manual-") {
				t.Fatalf("runs page: %d", res.StatusCode)
			}
		})

		t.Run("an unknown job is 404", func(t *testing.T) {
			for _, rq := range []struct{ method, path string }{
				{"GET", "/admin/jobs/nope/runs"}, {"POST", "/admin/jobs/nope/enabled"}, {"POST", "/admin/jobs/nope/run"},
			} {
				var res *apptest.Response
				if rq.method == "GET" {
					res = c.Get(rq.path)
				} else {
					res = c.PostForm(rq.path, url.Values{"enabled": {"off"}})
				}
				if res.StatusCode != 404 {
					t.Errorf("%s %s = %d, want 404", rq.method, rq.path, res.StatusCode)
				}
			}
		})
	})
}
