package account_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"cohort/app/account"
	"cohort/app/apptest"
	"cohort/app/pairs"
	"cohort/app/web"
	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const secret = "account-test-secret-0123456789abcdef"

// world is a program with two members of much the same data, paired
// with each other, each with an upload on disk, a snapshot of earlier
// answers, a staff note, mail and an audit event; and an admin.
type world struct {
	t     *testing.T
	s     *db.Store
	ctx   context.Context
	dir   string
	srv   *web.Server
	prog  *db.Program
	svc   *pairs.Service
	a, b  member
	admin *db.Person
}

type member struct {
	p    *db.Person
	e    *db.Enrollment
	file string // storage name
	body string // the file's bytes
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func newWorld(t *testing.T, s *db.Store) *world {
	t.Helper()
	w := &world{t: t, s: s, ctx: context.Background(), dir: t.TempDir()}
	w.prog = &db.Program{Slug: "mentoring", Name: "Mentoring", Kind: db.KindMentoring, FormKey: "mentoring"}
	w.must(s.CreateProgram(w.ctx, w.prog))
	w.admin = &db.Person{Email: "admin@example.com", Name: "The Admin", Role: "admin"}
	w.must(s.CreatePerson(w.ctx, w.admin))
	w.a = w.member("zebedee.quux@example.com", "Zebedee Quuxworth", true, "a1a1a1a1")
	w.b = w.member("yolanda.pink@example.com", "Yolanda Pinkerton", false, "b2b2b2b2")
	w.svc = pairs.NewService(s, secret)
	_, refused, err := w.svc.Create(w.ctx, pairs.Actor{PersonID: w.admin.ID}, w.prog,
		pairs.NewPair{MentorID: w.a.e.ID, MenteeID: w.b.e.ID, Source: pairs.SourceManual})
	w.must(err)
	if len(refused) > 0 {
		t.Fatalf("pairing refused: %v", refused)
	}
	// Mail to the partner naming A, as a pair introduction does.
	_, err = s.EnqueueMail(w.ctx, &db.OutboxMessage{To: w.b.p.Email, Subject: "Meet your mentor",
		TextBody: "Your mentor is Zebedee Quuxworth (zebedee.quux@example.com)."})
	w.must(err)
	w.srv = apptest.New(t, s, map[string]string{"UPLOAD_DIR": w.dir, "PAIR_ID_HASH_SECRET": secret})
	return w
}

func (w *world) member(email, name string, mentor bool, file string) member {
	w.t.Helper()
	p := &db.Person{Email: email, Name: name}
	w.must(w.s.CreatePerson(w.ctx, p))
	now := w.s.Now().UTC()
	e := &db.Enrollment{ProgramID: w.prog.ID, PersonID: p.ID, Status: db.StatusApproved, FullName: name, TimeZone: "UTC",
		AvailMask: 1<<24 - 1, IsMentor: mentor, IsMentee: !mentor, SubmittedAt: &now,
		Answers: map[string]any{"comments": name + " hopes"}, Comments: name + " hopes",
		Interests: []db.EnrollmentInterest{{Side: db.SideMentee, Interest: name + " interest"}}}
	w.must(w.s.CreateEnrollments(w.ctx, []*db.Enrollment{e}))
	w.must(w.s.SaveSnapshot(w.ctx, e.ID, "renewal", map[string]any{"comments": name + " older hopes"}))
	body := "%PDF-1.4 " + name + " cv"
	w.must(os.WriteFile(filepath.Join(w.dir, file), []byte(body), 0o600))
	w.must(w.s.CreateUpload(w.ctx, &db.Upload{EnrollmentID: e.ID, PersonID: p.ID, FieldKey: "cv",
		Filename: "../cv.pdf", ContentType: "application/pdf", Size: int64(len(body)), StorageName: file}))
	w.must(w.s.AddStaffNote(w.ctx, &db.StaffNote{EnrollmentID: e.ID, Body: "note about " + name}))
	_, err := w.s.EnqueueMail(w.ctx, &db.OutboxMessage{To: email, Subject: "Hello " + name, TextBody: "Dear " + name})
	w.must(err)
	w.must(w.s.RecordAudit(w.ctx, &db.AuditEvent{ActorID: &p.ID, Action: "enrollment.submit", SubjectType: "enrollment",
		SubjectID: strconv.FormatInt(e.ID, 10), Details: map[string]any{"email": email}}))
	_, err = w.s.ClaimNotification(w.ctx, &db.NotificationSent{Key: "decision:" + email, PersonID: p.ID, Kind: "decision", RefID: e.ID})
	w.must(err)
	return member{p: p, e: e, file: file, body: body}
}

func (w *world) client(email string) *apptest.Client {
	c := apptest.NewClient(w.t, w.srv)
	c.Get("/")
	c.SignInAs(email)
	return c
}

// The download is a zip of exactly the member's data: their record,
// answers now and before, notes to staff, the pair with the partner's name
// only, notices, sign-ins and their file; nothing of the other member's
// but that name.
func TestDownloadHoldsOnlyOwnData(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		c := w.client(w.a.p.Email)
		if res := c.Get("/account"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `href="/account/data"`) {
			t.Fatalf("account page: %d", res.StatusCode)
		}
		res := c.Get("/account/data")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/zip" {
			t.Fatalf("download: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		z, err := zip.NewReader(strings.NewReader(res.Body), int64(len(res.Body)))
		w.must(err)
		files := map[string]string{}
		for _, f := range z.File {
			r, err := f.Open()
			w.must(err)
			b, err := io.ReadAll(r)
			w.must(err)
			files[f.Name] = string(b)
		}
		var doc account.Document
		w.must(json.Unmarshal([]byte(files["my-data.json"]), &doc))
		if doc.Person.Email != w.a.p.Email || len(doc.Enrollments) != 1 || len(doc.Files) != 1 || len(doc.Pairs) != 1 ||
			len(doc.Notifications) != 1 || doc.SignIns.Last == nil || len(doc.SignIns.SessionsEnding) != 1 {
			t.Fatalf("document: %+v", doc)
		}
		e := doc.Enrollments[0]
		if e.Answers["comments"] != "Zebedee Quuxworth hopes" || e.NotesToStaff != "Zebedee Quuxworth hopes" ||
			len(e.Versions) != 1 || e.Versions[0].Answers["comments"] != "Zebedee Quuxworth older hopes" {
			t.Fatalf("enrollment: %+v", e)
		}
		if doc.Pairs[0].PartnerName != "Yolanda Pinkerton" || doc.Pairs[0].Role != "mentor" {
			t.Fatalf("pair: %+v", doc.Pairs[0])
		}
		path := doc.Files[0].Path
		if files[path] != w.a.body || strings.Contains(path, "..") || len(files) != 2 {
			t.Fatalf("files: %q in %v", path, keys(files))
		}
		// Staff notes are not the member's to read; the other member's
		// data is nowhere, except the partner's name in the pair.
		all := strings.Join(values(files), "\n")
		if strings.Count(all, "Yolanda Pinkerton") != 1 {
			t.Fatalf("the partner's name appears other than once: %s", files["my-data.json"])
		}
		for _, other := range []string{w.b.p.Email, "Yolanda Pinkerton hopes", w.b.body, "note about"} {
			if strings.Contains(all, other) {
				t.Fatalf("download holds %q", other)
			}
		}
	})
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func values(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// Deleting an account asks for the email first, then leaves no row in any
// table holding the person's id, email or name, removes their files, keeps
// the other member whole, and still refuses the same pair again.
func TestDeleteMyAccountErasesEverywhere(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		c := w.client(w.a.p.Email)
		phone := w.client(w.a.p.Email) // signed in on a second device too
		// A sign-in code on record too.
		other := apptest.NewClient(t, w.srv)
		other.Get("/signin")
		other.PostForm("/signin/email", url.Values{"email": {w.a.p.Email}})

		if res := c.Get("/account/delete"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `name="confirm"`) {
			t.Fatalf("confirmation page: %d", res.StatusCode)
		}
		for _, typed := range []string{"", "yolanda.pink@example.com"} {
			res := c.PostForm("/account/delete", url.Values{"confirm": {typed}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "to confirm") {
				t.Fatalf("confirm %q: %d", typed, res.StatusCode)
			}
		}
		if _, err := s.PersonByID(w.ctx, w.a.p.ID); err != nil {
			t.Fatal("erased without confirmation")
		}
		res := c.PostForm("/account/delete", url.Values{"confirm": {" Zebedee.Quux@example.com "}})
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "account is deleted") {
			t.Fatalf("erase: %d %s", res.StatusCode, res.Body)
		}
		assertErased(t, w, w.a)
		for _, cl := range []*apptest.Client{c, phone} {
			if res := cl.Get("/account"); res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("still signed in: %d", res.StatusCode)
			}
		}

		// The other member keeps everything.
		if _, err := s.EnrollmentByID(w.ctx, w.b.e.ID); err != nil {
			t.Fatalf("partner's enrollment: %v", err)
		}
		if _, err := os.Stat(filepath.Join(w.dir, w.b.file)); err != nil {
			t.Fatalf("partner's file: %v", err)
		}
		counts, err := s.RetainedCounts(w.ctx, w.prog.ID)
		w.must(err)
		if counts["enrollments"] != 1 || counts["mentors"] != 1 || counts["pairs"] != 1 {
			t.Fatalf("retained counts %v", counts)
		}
		// They come back under the same address; the same pair is refused.
		again := &db.Person{Email: w.a.p.Email, Name: "Zeb"}
		w.must(s.CreatePerson(w.ctx, again))
		e := &db.Enrollment{ProgramID: w.prog.ID, PersonID: again.ID, Status: db.StatusApproved, FullName: "Zeb",
			TimeZone: "UTC", AvailMask: 1<<24 - 1, IsMentor: true}
		w.must(s.CreateEnrollments(w.ctx, []*db.Enrollment{e}))
		_, refused, err := w.svc.Create(w.ctx, pairs.Actor{}, w.prog, pairs.NewPair{MentorID: e.ID, MenteeID: w.b.e.ID, Source: pairs.SourceManual})
		w.must(err)
		if len(refused) == 0 {
			t.Fatal("a repeat pair was accepted after erasure")
		}
	})
}

// assertErased scans every table of the schema (read from the database,
// so a table added later is scanned too) and every column: no integer
// column referring to people holds m's id, and no value holds m's email or
// name, or is m's id as text (an audit subject).
func assertErased(t *testing.T, w *world, m member) {
	t.Helper()
	s := w.s
	type col struct{ table, name string }
	var cols []col
	personRefs := map[col]bool{}
	if s.Dialect() == config.DialectSQLite {
		var tables []string
		w.must(s.DB().NewRaw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).Scan(w.ctx, &tables))
		for _, tb := range tables {
			var names []string
			w.must(s.DB().NewRaw(`SELECT name FROM pragma_table_info(?)`, tb).Scan(w.ctx, &names))
			for _, n := range names {
				cols = append(cols, col{tb, n})
			}
			var refs []string
			w.must(s.DB().NewRaw(`SELECT "from" FROM pragma_foreign_key_list(?) WHERE "table" = 'people'`, tb).Scan(w.ctx, &refs))
			for _, r := range refs {
				personRefs[col{tb, r}] = true
			}
		}
	} else {
		var rows []struct {
			Table string `bun:"table_name"`
			Name  string `bun:"column_name"`
		}
		w.must(s.DB().NewRaw(`SELECT c.table_name, c.column_name FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`).Scan(w.ctx, &rows))
		for _, r := range rows {
			cols = append(cols, col{r.Table, r.Name})
		}
		w.must(s.DB().NewRaw(`SELECT kcu.table_name, kcu.column_name
FROM information_schema.referential_constraints rc
JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name AND kcu.constraint_schema = rc.constraint_schema
JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.unique_constraint_name AND ccu.constraint_schema = rc.unique_constraint_schema
WHERE ccu.table_name = 'people' AND kcu.table_schema = current_schema()`).Scan(w.ctx, &rows))
		for _, r := range rows {
			personRefs[col{r.Table, r.Name}] = true
		}
	}
	if len(cols) < 50 || len(personRefs) < 10 {
		t.Fatalf("schema scan found %d columns, %d references to people", len(cols), len(personRefs))
	}
	idText := strconv.FormatInt(m.p.ID, 10)
	for _, cl := range cols {
		text := fmt.Sprintf("LOWER(CAST(%q AS TEXT))", cl.name)
		q := fmt.Sprintf(`SELECT COUNT(*) FROM %q WHERE %s LIKE ?`, cl.table, text)
		args := []any{"%" + strings.ToLower(m.p.Email) + "%"}
		for _, word := range strings.Fields(strings.ToLower(m.p.Name)) {
			q += fmt.Sprintf(` OR %s LIKE ?`, text)
			args = append(args, "%"+word+"%")
		}
		if personRefs[cl] || cl.name == "person_id" {
			q += fmt.Sprintf(` OR CAST(%q AS TEXT) = ?`, cl.name)
			args = append(args, idText)
		}
		var n int
		w.must(s.DB().NewRaw(q, args...).Scan(w.ctx, &n))
		if n > 0 {
			t.Errorf("%s.%s: %d rows still hold the erased person", cl.table, cl.name, n)
		}
	}
	// Audit events keep no subject that is the person.
	var n int
	w.must(s.DB().NewRaw(`SELECT COUNT(*) FROM audit_events WHERE subject_type = 'person' AND subject_id = ?`, idText).Scan(w.ctx, &n))
	if n > 0 {
		t.Errorf("%d audit events still name the erased person", n)
	}
	if _, err := os.Stat(filepath.Join(w.dir, m.file)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("uploaded file still on disk: %v", err)
	}
}

// An admin erases a person on request from the person page: confirmed,
// audited with the admin as actor and no subject; the erased person is
// gone everywhere. The only admin cannot erase their own account, by
// either route.
func TestAdminErasesOnRequest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newWorld(t, s)
		c := w.client(w.admin.Email)
		if res := c.Get(fmt.Sprintf("/admin/people/%d", w.b.p.ID)); !strings.Contains(res.Body, fmt.Sprintf(`href="/admin/people/%d/erase"`, w.b.p.ID)) {
			t.Fatalf("person page has no erase link: %d", res.StatusCode)
		}
		path := fmt.Sprintf("/admin/people/%d/erase", w.b.p.ID)
		if res := c.Get(path); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, w.b.p.Email) {
			t.Fatalf("confirmation page: %d", res.StatusCode)
		}
		if res := c.PostForm(path, url.Values{"confirm": {w.a.p.Email}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong email accepted: %d", res.StatusCode)
		}
		res := c.PostForm(path, url.Values{"confirm": {w.b.p.Email}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("erase: %d %s", res.StatusCode, res.Body)
		}
		assertErased(t, w, member{p: w.b.p, file: w.b.file})
		evs, err := s.ListAudit(w.ctx, db.AuditQuery{Action: account.ActionErase, Limit: 10})
		w.must(err)
		if len(evs) != 1 || evs[0].ActorID == nil || *evs[0].ActorID != w.admin.ID || evs[0].SubjectID != "" || evs[0].Details["by"] != "admin" {
			t.Fatalf("audit: %+v", evs)
		}

		for _, route := range []string{"/account/delete", fmt.Sprintf("/admin/people/%d/erase", w.admin.ID)} {
			res := c.PostForm(route, url.Values{"confirm": {w.admin.Email}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "only admin") {
				t.Fatalf("%s: the only admin erased itself: %d", route, res.StatusCode)
			}
		}
		if _, err := s.PersonByID(w.ctx, w.admin.ID); err != nil {
			t.Fatalf("admin gone: %v", err)
		}
	})
}
