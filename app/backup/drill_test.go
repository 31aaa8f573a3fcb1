package backup_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"cohort/app/apptest"
	"cohort/app/backup"
	"cohort/app/demo"
	"cohort/app/forms"
	"cohort/app/loadgen"
	"cohort/app/loadgen/scenario"
	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// newTarget is a fresh migrated database of the dialect with its own
// upload directory, opened.
func newTarget(t *testing.T, dialect string) (*db.Store, backup.Target) {
	t.Helper()
	d := config.Database{Dialect: dialect}
	switch dialect {
	case config.DialectSQLite:
		d.DSN = filepath.Join(t.TempDir(), "cohort.db")
	case config.DialectPostgres:
		d.DSN = dbtest.PostgresDSN(t)
	}
	s, err := db.Open(context.Background(), d, db.Options{MaxOpenConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, backup.Target{Database: d, UploadDir: t.TempDir()}
}

// emptyTarget is a database of the dialect with nothing in it, not even a
// schema (SQLite: a file that does not exist yet).
func emptyTarget(t *testing.T, dialect string) backup.Target {
	t.Helper()
	d := config.Database{Dialect: dialect}
	switch dialect {
	case config.DialectSQLite:
		d.DSN = filepath.Join(t.TempDir(), "restored", "cohort.db")
	case config.DialectPostgres:
		d.DSN = dbtest.EmptyPostgresDSN(t)
	}
	return backup.Target{Database: d, UploadDir: filepath.Join(t.TempDir(), "uploads")}
}

// addUploads stores n files with their rows, on draft enrollments of the
// demo program.
func addUploads(t *testing.T, s *db.Store, dir string, n int) {
	t.Helper()
	ctx := context.Background()
	prog, err := s.ProgramBySlug(ctx, demo.ProgramSlug)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := s.EnrollmentsWithStatus(ctx, prog.ID, db.StatusDraft, n)
	if err != nil || len(refs) < n {
		t.Fatalf("draft enrollments: %d, %v", len(refs), err)
	}
	for i, r := range refs {
		p, err := s.PersonByEmail(ctx, r.Email)
		if err != nil {
			t.Fatal(err)
		}
		body := fmt.Appendf(nil, "%%PDF-1.4\n%% upload %d of enrollment %d\n", i, r.ID)
		name := fmt.Sprintf("u%02d%x", i, r.ID)
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o600); err != nil {
			t.Fatal(err)
		}
		u := &db.Upload{EnrollmentID: r.ID, PersonID: p.ID, FieldKey: "cv", Filename: fmt.Sprintf("cv-%d.pdf", i),
			ContentType: "application/pdf", Size: int64(len(body)), StorageName: name}
		if err := s.CreateUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDrill is the restore drill: a running server under step-save load,
// a backup taken mid-load, restored into a fresh database, and the app
// started on the copy.
func TestDrill(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) { drill(t, dialect) })
	}
}

func drill(t *testing.T, dialect string) {
	ctx := context.Background()
	src, from := newTarget(t, dialect)
	if _, err := demo.Seed(ctx, src, demo.Options{Participants: 60, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	addUploads(t, src, from.UploadDir, 4)
	base := apptest.Serve(t, apptest.New(t, src, map[string]string{"UPLOAD_DIR": from.UploadDir}))

	// Members save their first step (each save renames them: the typed
	// column, the search document and the answers move together) for two
	// seconds; the backup is taken in the middle.
	sc, err := scenario.PrepareStepSave(ctx, base, src, demo.ProgramSlug, 16)
	if err != nil {
		t.Fatal(err)
	}
	sc.VaryName = true
	var ids []int64
	for _, u := range sc.Users {
		ids = append(ids, u.EnrollmentID)
	}
	before, err := src.SumVersions(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	o := loadgen.Options{URL: base, Concurrency: 4, Duration: 3 * time.Second}
	sc.Apply(&o)
	type outcome struct {
		res loadgen.Result
		err error
	}
	loaded := make(chan outcome, 1)
	go func() {
		res, err := loadgen.Run(ctx, o)
		loaded <- outcome{res, err}
	}()
	// Mid-load: once saves are landing, with more to come.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		n, err := src.SumVersions(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if n > before+int64(len(ids)) || time.Now().After(deadline) {
			break
		}
	}
	file := filepath.Join(t.TempDir(), "backup.tar.gz")
	m, err := backup.Create(ctx, src, from, file, "drill")
	if err != nil {
		t.Fatalf("backup mid-load: %v", err)
	}
	out := <-loaded
	if out.err != nil || out.res.Failures > 0 || out.res.Requests == 0 {
		t.Fatalf("load: %+v, %v", out.res, out.err)
	}
	after, err := src.SumVersions(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, %v (want mode 0600)", info, err)
	}

	// Restore into a fresh, empty database and upload directory.
	to := emptyTarget(t, dialect)
	rr, err := backup.Restore(ctx, to, file, false)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if rr.Manifest.Format != backup.Format || rr.Manifest.Dialect != dialect || rr.Manifest.AppVersion != "drill" {
		t.Errorf("manifest = %+v", rr.Manifest)
	}
	dst, err := db.Open(ctx, to.Database, db.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dst.Close() })

	// Integrity, and the row counts of the moment of the backup.
	if dialect == config.DialectSQLite {
		var res string
		if err := dst.DB().QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
			t.Errorf("integrity_check = %q, %v", res, err)
		}
	}
	rows, err := backup.CountRows(ctx, dst.DB().DB)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range backup.Tables {
		if rows[table] != m.Rows[table] {
			t.Errorf("%s: %d rows restored, manifest says %d", table, rows[table], m.Rows[table])
		}
	}
	if m.Rows["enrollments"] < 60 || m.Rows["uploads"] != 4 {
		t.Errorf("manifest rows = %v", m.Rows)
	}
	// Mid-load: some saves are in the copy, some came after it.
	mid, err := dst.SumVersions(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if !(before < mid && mid < after) {
		t.Errorf("restored versions sum %d, want strictly between %d (before the load) and %d (after it)", mid, before, after)
	}

	// No half-written enrollment: each one's answers parse and its typed
	// columns are what its answers say.
	reg, err := forms.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var es []db.Enrollment
	if err := dst.DB().NewSelect().Model(&es).Scan(ctx); err != nil {
		t.Fatalf("reading restored enrollments: %v", err)
	}
	progs := map[int64]*forms.Definition{}
	for _, e := range es {
		def, ok := progs[e.ProgramID]
		if !ok {
			p, err := dst.ProgramByID(ctx, e.ProgramID)
			if err != nil {
				t.Fatal(err)
			}
			if def, ok = reg.Get(p.FormKey); !ok {
				t.Fatalf("program %d: form %q", p.ID, p.FormKey)
			}
			progs[e.ProgramID] = def
		}
		if e.Answers == nil {
			t.Errorf("enrollment %d: no answers", e.ID)
			continue
		}
		core := forms.Extract(def, forms.Answers(e.Answers), time.Now())
		if core.FullName != e.FullName || core.ManagerName != e.ManagerName || core.ManagerEmail != e.ManagerEmail {
			t.Errorf("enrollment %d: columns (%q, %q, %q) disagree with its answers (%q, %q, %q)", e.ID,
				e.FullName, e.ManagerName, e.ManagerEmail, core.FullName, core.ManagerName, core.ManagerEmail)
		}
	}

	// Every upload the copy lists, and every one the manifest lists, is
	// there with its bytes.
	var ups []db.Upload
	if err := dst.DB().NewSelect().Model(&ups).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	for _, u := range ups {
		got, err := os.ReadFile(filepath.Join(to.UploadDir, u.StorageName))
		want, _ := os.ReadFile(filepath.Join(from.UploadDir, u.StorageName))
		if err != nil || int64(len(got)) != u.Size || !bytes.Equal(got, want) {
			t.Errorf("upload %d (%s): %d bytes, %v; want %d", u.ID, u.StorageName, len(got), err, u.Size)
		}
	}
	if len(m.Uploads) != len(ups) {
		t.Errorf("manifest lists %d uploads, the database %d", len(m.Uploads), len(ups))
	}
	for _, f := range m.Uploads {
		if info, err := os.Stat(filepath.Join(to.UploadDir, f.Name)); err != nil || info.Size() != f.Size {
			t.Errorf("manifest upload %s: %v", f.Name, err)
		}
	}

	// The app runs on the copy: sign-in, the staff table, a member's
	// enrollment and their file.
	srv := apptest.New(t, dst, map[string]string{"UPLOAD_DIR": to.UploadDir})
	staff := apptest.NewClient(t, srv)
	staff.SignInAs("staff@example.com")
	// A member whose save is in the copy.
	var renamed db.Enrollment
	if err := dst.DB().NewSelect().Model(&renamed).Where("id IN (?)", bun.List(ids)).
		Where("full_name LIKE 'Load User%'").Limit(1).Scan(ctx); err != nil {
		t.Fatalf("no saved member in the copy: %v", err)
	}
	var loadedEmail string
	for _, u := range sc.Users {
		if u.EnrollmentID == renamed.ID {
			loadedEmail = u.Email
		}
	}
	res := staff.Get("/staff/programs/" + demo.ProgramSlug + "/participants?q=" + url.QueryEscape(renamed.FullName))
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, html.EscapeString(renamed.FullName)) {
		t.Errorf("staff table on the restored database: %d, %q not listed", res.StatusCode, renamed.FullName)
	}
	member := apptest.NewClient(t, srv)
	member.SignInAs(loadedEmail)
	// A draft resumes at its first incomplete step.
	res = member.Get(fmt.Sprintf("/enrollments/%d", renamed.ID))
	if loc := res.Header.Get("Location"); res.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/enrollments/") {
		res = member.Get(loc)
	}
	if res.StatusCode != http.StatusOK {
		t.Errorf("member's enrollment on the restored database: %d", res.StatusCode)
	}
	owner := apptest.NewClient(t, srv)
	p, err := dst.PersonByID(ctx, ups[0].PersonID)
	if err != nil {
		t.Fatal(err)
	}
	owner.SignInAs(p.Email)
	if res := owner.Get(fmt.Sprintf("/uploads/%d", ups[0].ID)); res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Body, "%PDF") {
		t.Errorf("download of a restored upload: %d", res.StatusCode)
	}
}
