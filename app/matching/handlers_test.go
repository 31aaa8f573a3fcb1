package matching_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"cohort/app/apptest"
	"cohort/app/features"
	"cohort/app/matching"
	"cohort/app/web"
	"cohort/db"
	"cohort/db/dbtest"
)

// handlerWorld is a program that takes requests, served in memory: two
// mentees, two suggested mentors, and a mentor no mentee overlaps with.
type handlerWorld struct {
	*fx
	srv                    *web.Server
	ana, bo, sam, dee, far *db.Enrollment
	anaC, boC, samC, deeC  *apptest.Client
	base                   string
}

func newHandlerWorld(t *testing.T, store *db.Store) *handlerWorld {
	f := newFx(t, store, db.ProgramSettings{MatchingMode: matching.ModeBoth,
		MemberFields: []string{"comments", "manager_email"}, Flags: map[string]bool{features.Pairing: true}})
	// Real time: the session cookies expire by the wall clock.
	f.clock = time.Now().UTC()
	w := &handlerWorld{fx: f, base: "/programs/" + f.prog.Slug}
	w.sam = f.personWith("Sam", true, "", morning, map[string]any{"comments": "Loves chess", "manager_email": "boss@example.org", "org": "secret-org"})
	w.dee = f.personWith("Dee", true, "", morning, map[string]any{"comments": "Runs marathons"})
	w.far = f.personWith("Far", true, "", 0xF00000, nil) // evenings: no overlap with anyone
	w.ana, w.bo = f.person("Ana", false, ""), f.person("Bo", false, "")
	srv := apptest.New(t, store, nil)
	w.srv = srv
	client := func(e *db.Enrollment) *apptest.Client {
		c := apptest.NewClient(t, srv)
		c.SignInAs(f.email(e))
		return c
	}
	w.anaC, w.boC, w.samC, w.deeC = client(w.ana), client(w.bo), client(w.sam), client(w.dee)
	return w
}

func want(t *testing.T, res *apptest.Response, status int, has []string, hasNot []string) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d: %.400s", res.StatusCode, status, res.Body)
	}
	for _, s := range has {
		if !strings.Contains(res.Body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	for _, s := range hasNot {
		if strings.Contains(res.Body, s) {
			t.Errorf("page shows %q", s)
		}
	}
}

func TestMembersRequestThroughThePages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := newHandlerWorld(t, store)
		// Cards: suggested mentors with their shown answers only; never
		// the manager's email (even when marked), unmarked answers,
		// anyone's email, or a mentor outside the suggestions.
		// The way in: a link on each person's enrollments page.
		want(t, w.anaC.Get("/enrollments"), http.StatusOK, []string{`href="` + w.base + `/mentor"`}, []string{w.base + "/requests"})
		want(t, w.samC.Get("/enrollments"), http.StatusOK, []string{`href="` + w.base + `/requests"`}, []string{w.base + "/mentor\""})
		res := w.anaC.Get(w.base + "/mentor")
		want(t, res, http.StatusOK, []string{"Sam", "Dee", "Loves chess", "Runs marathons", "overlap"},
			[]string{"boss@example.org", "secret-org", "Far", w.email(w.sam), w.email(w.dee)})

		// A mentor outside the suggestions cannot be requested by id.
		want(t, w.anaC.PostForm(w.base+"/mentor/requests", url.Values{"mentor_id": {fmt.Sprint(w.far.ID)}}),
			http.StatusOK, []string{"only mentors from your suggestions"}, nil)

		for _, m := range []*db.Enrollment{w.sam, w.dee} {
			want(t, w.anaC.PostForm(w.base+"/mentor/requests", url.Values{"mentor_id": {fmt.Sprint(m.ID)}, "message": {"Hello from Ana"}}),
				http.StatusOK, []string{"Your request is sent"}, nil)
		}
		// Bo sees none of Ana's requests; each mentor sees their own.
		want(t, w.boC.Get(w.base+"/mentor"), http.StatusOK, nil, []string{"Hello from Ana", "To <strong>Sam"})
		want(t, w.deeC.Get(w.base+"/requests"), http.StatusOK, []string{"Ana", "Hello from Ana"}, nil)
		reqs, err := store.ListMatchRequests(w.ctx, db.MatchRequestQuery{MenteeID: w.ana.ID})
		if err != nil || len(reqs) != 2 {
			t.Fatalf("%d requests, %v", len(reqs), err)
		}
		var toSam, toDee int64
		for _, r := range reqs {
			if r.MentorEnrollmentID == w.sam.ID {
				toSam = r.ID
			} else {
				toDee = r.ID
			}
		}
		// A mentor cannot answer a request to someone else; a mentee has no
		// mentor page.
		want(t, w.samC.PostForm(fmt.Sprintf("%s/requests/%d/accept", w.base, toDee), nil), http.StatusNotFound, nil, nil)
		want(t, w.anaC.Get(w.base+"/requests"), http.StatusNotFound, nil, nil)
		want(t, w.anaC.Get("/staff/programs/"+w.prog.Slug+"/requests"), http.StatusNotFound, nil, nil)

		want(t, w.samC.PostForm(fmt.Sprintf("%s/requests/%d/accept", w.base, toSam), nil), http.StatusOK, []string{"You are now paired"}, nil)
		want(t, w.deeC.PostForm(fmt.Sprintf("%s/requests/%d/accept", w.base, toDee), nil), http.StatusOK,
			[]string{"has just been paired with another mentor"}, nil)
		want(t, w.anaC.Get(w.base+"/mentor"), http.StatusOK, []string{"You are paired with <strong>Sam</strong>", "withdrawn", "accepted"}, []string{"Runs marathons"})
	})
}

func TestMentorPrefsAndDeclineThroughThePages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := newHandlerWorld(t, store)
		want(t, w.samC.PostForm(w.base+"/requests/prefs", url.Values{"capacity": {"5"}}), http.StatusOK, []string{"between 1 and 1"}, nil)
		want(t, w.samC.PostForm(w.base+"/requests/prefs", url.Values{"capacity": {"x"}}), http.StatusOK, []string{"whole number"}, nil)
		want(t, w.deeC.PostForm(w.base+"/requests/prefs", url.Values{"paused": {"on"}, "capacity": {"1"}}), http.StatusOK, []string{"saved"}, nil)
		// A paused mentor leaves the suggestions.
		want(t, w.anaC.Get(w.base+"/mentor"), http.StatusOK, []string{"Sam"}, []string{"Dee"})
		want(t, w.anaC.PostForm(w.base+"/mentor/requests", url.Values{"mentor_id": {fmt.Sprint(w.sam.ID)}}), http.StatusOK, []string{"Your request is sent"}, nil)
		reqs, _ := store.ListMatchRequests(w.ctx, db.MatchRequestQuery{MenteeID: w.ana.ID})
		want(t, w.samC.PostForm(fmt.Sprintf("%s/requests/%d/decline", w.base, reqs[0].ID), url.Values{"reason": {"Full this term"}}),
			http.StatusOK, []string{"declined"}, nil)
		want(t, w.anaC.Get(w.base+"/mentor"), http.StatusOK, []string{"can&#39;t take you on", "Full this term"}, nil)
		// Staff see it, with its age.
		staff := &db.Person{Email: "staff@example.org", Name: "Staff", Role: db.RoleStaff}
		if err := store.CreatePerson(w.ctx, staff); err != nil {
			t.Fatal(err)
		}
		c := apptest.NewClient(t, w.srv)
		c.SignInAs(staff.Email)
		want(t, c.Get("/staff/programs/"+w.prog.Slug+"/requests"), http.StatusOK, []string{"Declined (1)", "Full this term", "Ana", "Sam"}, nil)
		// Staff cancel a pending request; the mentee can ask again.
		want(t, w.anaC.PostForm(w.base+"/mentor/requests", url.Values{"mentor_id": {fmt.Sprint(w.sam.ID)}}), http.StatusOK, []string{"Your request is sent"}, nil)
		reqs, _ = store.ListMatchRequests(w.ctx, db.MatchRequestQuery{MenteeID: w.ana.ID, Statuses: []string{db.RequestPending}})
		want(t, c.PostForm(fmt.Sprintf("/staff/programs/%s/requests/%d/cancel", w.prog.Slug, reqs[0].ID), nil), http.StatusOK, []string{"cancelled", "Pending (0)"}, nil)
		want(t, w.anaC.PostForm(w.base+"/mentor/requests", url.Values{"mentor_id": {fmt.Sprint(w.sam.ID)}}), http.StatusOK, []string{"Your request is sent"}, nil)
	})
}

func TestAdminMatchingSettings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		w := newHandlerWorld(t, store)
		adm := &db.Person{Email: "admin@example.org", Name: "Admin", Role: db.RoleAdmin}
		if err := store.CreatePerson(w.ctx, adm); err != nil {
			t.Fatal(err)
		}
		c := apptest.NewClient(t, w.srv)
		c.SignInAs(adm.Email)
		want(t, c.Get("/admin/programs/"+w.prog.Slug), http.StatusOK, []string{`id="mode-both" name="matching_mode" value="both" checked`, "comments, manager_email"}, nil)
		res := c.PostForm("/admin/programs/"+w.prog.Slug+"/matching", url.Values{"matching_mode": {"members"}, "max_open_requests": {"2"}, "member_fields": {"comments"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d %.300s", res.StatusCode, res.Body)
		}
		p, err := store.ProgramByID(w.ctx, w.prog.ID)
		if err != nil || p.Settings.MatchingMode != "members" || p.Settings.MaxOpenRequests != 2 || len(p.Settings.MemberFields) != 1 {
			t.Fatalf("%+v %v", p.Settings, err)
		}
		want(t, c.PostForm("/admin/programs/"+w.prog.Slug+"/matching", url.Values{"matching_mode": {"members"}, "member_fields": {"manager_email"}}),
			http.StatusUnprocessableEntity, []string{"never shown to members"}, nil)
		// A mentee is no admin.
		want(t, w.anaC.PostForm("/admin/programs/"+w.prog.Slug+"/matching", url.Values{"matching_mode": {"staff"}}), http.StatusForbidden, nil, nil)
	})
}
