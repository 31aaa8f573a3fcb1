package jobs_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"cohort/app/apptest"
	"cohort/app/jobs"
	"cohort/app/pairing"
	"cohort/app/pairs"
	"cohort/db"
	"cohort/db/dbtest"
)

// Retention: once the period has passed, a withdrawn member's answers,
// uploads (rows and files), notes, snapshots and pairs are gone and the
// audit details cleared; the counts and the pair-history hash remain, and
// pairing the same two people again is still refused. Running enrollments
// and ones still inside the period are untouched.
func TestRetentionPurge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		w := newNotifyWorld(t, s, db.ProgramSettings{RetentionDays: 30})
		dir := t.TempDir()
		cfg := apptest.Config(t, map[string]string{"UPLOAD_DIR": dir, "PAIR_ID_HASH_SECRET": "retention-test-secret-0123456789abcdef"})
		reg, err := jobs.NewRegistry(jobs.Builtin()...)
		w.must(err)
		w.r, err = jobs.NewRunner(reg, jobs.Deps{Config: cfg, Store: s, Instance: "test", Log: apptest.Logger()})
		w.must(err)
		svc := pairs.NewService(s, cfg.PairIDHashSecret)

		mentorP, mentor := w.member("mentor@example.com", "Mentor", db.StatusActive, nil, true, false)
		menteeP, mentee := w.member("mentee@example.com", "Mentee Person", db.StatusApproved, nil, false, true)
		_, recent := w.member("recent@example.com", "Recent", db.StatusApproved, nil, false, true)
		pair, refused, err := svc.Create(w.ctx, pairs.Actor{}, w.prog, pairs.NewPair{MentorID: mentor.ID, MenteeID: mentee.ID, Source: pairs.SourceManual})
		w.must(err)
		if len(refused) > 0 {
			t.Fatalf("pairing refused: %v", refused)
		}

		// The mentee's personal data: answers, an upload on disk, a staff
		// note, a snapshot, an audit event quoting an answer.
		_, err = s.UpdateEnrollment(w.ctx, mentee.ID, func(e *db.Enrollment) error {
			e.Answers = map[string]any{"comments": "my secret hopes"}
			e.Comments = "my secret hopes"
			return nil
		})
		w.must(err)
		file := "0123456789abcdef"
		w.must(os.WriteFile(filepath.Join(dir, file), []byte("%PDF-1.4 cv"), 0o600))
		w.must(s.CreateUpload(w.ctx, &db.Upload{EnrollmentID: mentee.ID, PersonID: menteeP.ID, FieldKey: "cv",
			Filename: "cv.pdf", ContentType: "application/pdf", Size: 11, StorageName: file}))
		w.must(s.AddStaffNote(w.ctx, &db.StaffNote{EnrollmentID: mentee.ID, AuthorID: &mentorP.ID, Body: "talked about hopes"}))
		w.must(s.SaveSnapshot(w.ctx, mentee.ID, "renewal", map[string]any{"comments": "older hopes"}))
		w.must(s.RecordAudit(w.ctx, &db.AuditEvent{Action: "enrollment.edit", SubjectType: "enrollment",
			SubjectID: strconv.FormatInt(mentee.ID, 10), ProgramID: &w.prog.ID, Details: map[string]any{"comments": "my secret hopes"}}))

		// The pair ends and the mentee withdraws on day 1; another mentee
		// withdraws on day 20.
		w.at(day)
		_, err = svc.End(w.ctx, pairs.Actor{}, w.prog, pair.ID, "done")
		w.must(err)
		_, err = s.UpdateEnrollment(w.ctx, mentee.ID, func(e *db.Enrollment) error {
			now := s.Now().UTC()
			e.Status, e.WithdrawnAt = db.StatusWithdrawn, &now
			return nil
		})
		w.must(err)
		w.at(20 * day)
		_, err = s.UpdateEnrollment(w.ctx, recent.ID, func(e *db.Enrollment) error {
			now := s.Now().UTC()
			e.Status, e.WithdrawnAt = db.StatusWithdrawn, &now
			return nil
		})
		w.must(err)

		w.at(31*day - 1)
		if c := w.runCounts("retention"); c["enrollments"] != 0 {
			t.Fatalf("inside the period: %v", c)
		}
		w.at(31 * day)
		c := w.runCounts("retention")
		want := map[string]int{"enrollments": 1, "uploads": 1, "files": 1, "notes": 1, "snapshots": 1, "pairs": 1, "audit_events": 1}
		for k, v := range want {
			if c[k] != v {
				t.Fatalf("purge counts %v, want %v", c, want)
			}
		}
		if c := w.runCounts("retention"); c["enrollments"] != 0 {
			t.Fatalf("purged twice: %v", c)
		}

		// Gone.
		if _, err := s.EnrollmentByID(w.ctx, mentee.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("purged enrollment still there: %v", err)
		}
		if ups, err := s.UploadsForEnrollment(w.ctx, mentee.ID); err != nil || len(ups) != 0 {
			t.Fatalf("uploads: %d %v", len(ups), err)
		}
		if _, err := os.Stat(filepath.Join(dir, file)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("uploaded file still on disk: %v", err)
		}
		if notes, err := s.StaffNotes(w.ctx, mentee.ID); err != nil || len(notes) != 0 {
			t.Fatalf("notes: %d %v", len(notes), err)
		}
		if _, err := s.LatestSnapshot(w.ctx, mentee.ID, "renewal"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("snapshot: %v", err)
		}
		if _, err := s.PairByID(w.ctx, pair.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("pair: %v", err)
		}
		evs, err := s.ListAudit(w.ctx, db.AuditQuery{Action: "enrollment.edit", Limit: 10})
		w.must(err)
		if len(evs) != 1 || evs[0].Details["comments"] != nil || evs[0].Details["purged"] != true {
			t.Fatalf("audit details kept: %v", evs[0].Details)
		}

		// Kept: the other enrollments, the counts, the pair's hash.
		if w.status(mentor) != db.StatusActive || w.status(recent) != db.StatusWithdrawn {
			t.Fatal("an enrollment outside the purge changed")
		}
		counts, err := s.RetainedCounts(w.ctx, w.prog.ID)
		w.must(err)
		for k, v := range map[string]int{"enrollments": 1, "status:withdrawn": 1, "mentees": 1, "pairs": 1} {
			if counts[k] != v {
				t.Fatalf("retained counts %v", counts)
			}
		}
		if seen, err := s.PairSeen(w.ctx, pairs.HistoryHash([]byte(cfg.PairIDHashSecret), "mentor@example.com", "mentee@example.com")); err != nil || !seen {
			t.Fatalf("pair history lost: %v %v", seen, err)
		}

		// The mentee enrolls again; pairing them with the same mentor is
		// still refused as a repeat.
		again := &db.Enrollment{ProgramID: w.prog.ID, PersonID: menteeP.ID, Status: db.StatusApproved, FullName: "Mentee Person",
			TimeZone: "UTC", AvailMask: 1<<24 - 1, IsMentee: true}
		w.must(s.CreateEnrollments(w.ctx, []*db.Enrollment{again}))
		_, refused, err = svc.Create(w.ctx, pairs.Actor{}, w.prog, pairs.NewPair{MentorID: mentor.ID, MenteeID: again.ID, Source: pairs.SourceManual})
		w.must(err)
		if len(refused) == 0 || refused[0].Code != pairing.CodeRepeat {
			t.Fatalf("repeat pair after purge: refusals %v", refused)
		}

		// A program that keeps data for ever purges nothing.
		w.at(400 * day)
		forever := &db.Program{Slug: "forever", Name: "Forever", Kind: db.KindMentoring, FormKey: "mentoring",
			Settings: db.ProgramSettings{RetentionDays: -1}}
		w.must(s.CreateProgram(w.ctx, forever))
		w.prog = forever
		_, old := w.member("old@example.com", "Old", db.StatusWithdrawn, nil, false, true)
		w.at(4000 * day)
		if c := w.runCounts("retention"); c["enrollments"] != 1 {
			t.Fatalf("year 11: %v, want only the first program's recent withdrawal", c)
		}
		if w.status(old) != db.StatusWithdrawn {
			t.Fatal("kept-for-ever enrollment purged")
		}
	})
}
