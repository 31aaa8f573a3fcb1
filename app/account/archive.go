package account

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"cohort/db"
)

// Document is the JSON document of a data download: everything Cohort
// holds about the person, in plain names.
type Document struct {
	ExportedAt    time.Time         `json:"exported_at"`
	Person        PersonDoc         `json:"person"`
	Enrollments   []EnrollmentDoc   `json:"enrollments"`
	Pairs         []db.PairData     `json:"pairs"`
	Notifications []NotificationDoc `json:"notifications_sent"`
	SignIns       SignInDoc         `json:"sign_ins"`
	Activity      []ActivityDoc     `json:"activity"`
	Files         []FileDoc         `json:"files"`
}

// PersonDoc is the person record.
type PersonDoc struct {
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        string     `json:"role"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	LastLoginAt *time.Time `json:"last_sign_in_at"`
}

// EnrollmentDoc is one enrollment: its answers now, and every earlier
// version kept.
type EnrollmentDoc struct {
	Program      string         `json:"program"`
	Status       string         `json:"status"`
	Answers      map[string]any `json:"answers"`
	Interests    []string       `json:"interests"`
	NotesToStaff string         `json:"notes_to_staff"`
	SubmittedAt  *time.Time     `json:"submitted_at"`
	ExpiresAt    *time.Time     `json:"expires_at"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
	Versions     []VersionDoc   `json:"earlier_versions"`
}

// VersionDoc is an earlier version of an enrollment's answers.
type VersionDoc struct {
	Kind    string         `json:"kind"`
	At      time.Time      `json:"at"`
	Answers map[string]any `json:"answers"`
}

// NotificationDoc is a notice Cohort sent.
type NotificationDoc struct {
	Kind   string    `json:"kind"`
	SentAt time.Time `json:"sent_at"`
}

// SignInDoc is the sign-in history Cohort keeps: the last sign-in and when
// each browser's session still on record ends.
type SignInDoc struct {
	Last           *time.Time  `json:"last_sign_in_at"`
	SessionsEnding []time.Time `json:"open_sessions_end_at"`
}

// ActivityDoc is one thing the person did, from the audit log.
type ActivityDoc struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
}

// FileDoc is an uploaded file and where it is in the archive.
type FileDoc struct {
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	UploadedAt  time.Time `json:"uploaded_at"`
	Path        string    `json:"path_in_archive"`
}

// NewDocument shapes d as the download's JSON document.
func NewDocument(d *db.PersonData, now time.Time) Document {
	p := d.Person
	doc := Document{
		ExportedAt: now.UTC(),
		Person: PersonDoc{Email: p.Email, Name: p.Name, Role: p.Role, Status: p.Status,
			CreatedAt: p.CreatedAt, LastLoginAt: p.LastLoginAt},
		Enrollments:   []EnrollmentDoc{},
		Pairs:         d.Pairs,
		Notifications: []NotificationDoc{},
		SignIns:       SignInDoc{Last: p.LastLoginAt, SessionsEnding: d.SignIns},
		Activity:      []ActivityDoc{},
		Files:         []FileDoc{},
	}
	if doc.Pairs == nil {
		doc.Pairs = []db.PairData{}
	}
	for _, ed := range d.Enrollments {
		e := ed.Enrollment
		out := EnrollmentDoc{Program: ed.Program, Status: e.Status, Answers: e.Answers, Interests: []string{},
			NotesToStaff: e.Comments, SubmittedAt: e.SubmittedAt, ExpiresAt: e.ExpiresAt,
			CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt, Versions: []VersionDoc{}}
		for _, in := range e.Interests {
			out.Interests = append(out.Interests, in.Side+": "+in.Interest)
		}
		for _, s := range ed.Snapshots {
			out.Versions = append(out.Versions, VersionDoc{Kind: s.Kind, At: s.CreatedAt, Answers: s.Answers})
		}
		doc.Enrollments = append(doc.Enrollments, out)
	}
	for _, n := range d.Notifications {
		doc.Notifications = append(doc.Notifications, NotificationDoc{Kind: n.Kind, SentAt: n.SentAt})
	}
	for _, a := range d.Activity {
		doc.Activity = append(doc.Activity, ActivityDoc{At: a.At, Action: a.Action})
	}
	for _, u := range d.Uploads {
		doc.Files = append(doc.Files, FileDoc{Name: u.Filename, ContentType: u.ContentType, Size: u.Size,
			UploadedAt: u.CreatedAt, Path: archivePath(u)})
	}
	return doc
}

// archivePath names an upload inside the archive: its id keeps two files
// of the same name apart, and only the base of the name the member gave is
// used, so no entry escapes the archive's folder when unpacked.
func archivePath(u *db.Upload) string {
	name := filepath.Base(strings.ReplaceAll(u.Filename, "\\", "/"))
	if name == "." || name == "/" || name == ".." {
		name = "file"
	}
	return fmt.Sprintf("files/%d-%s", u.ID, name)
}

// WriteArchive writes the download as a zip to w as it goes (nothing is
// held in memory but one copy buffer): my-data.json, then each uploaded
// file read from dir. A file missing on disk is left out and noted in
// missing.txt rather than failing the whole download.
func WriteArchive(w io.Writer, d *db.PersonData, dir string, now time.Time) error {
	z := zip.NewWriter(w)
	doc := NewDocument(d, now)
	f, err := z.Create("my-data.json")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	var missing []string
	for _, u := range d.Uploads {
		if u.StorageName == "" || u.StorageName != filepath.Base(u.StorageName) {
			missing = append(missing, archivePath(u))
			continue
		}
		src, err := os.Open(filepath.Join(dir, u.StorageName))
		if err != nil {
			missing = append(missing, archivePath(u))
			continue
		}
		dst, err := z.CreateHeader(&zip.FileHeader{Name: archivePath(u), Method: zip.Deflate, Modified: u.CreatedAt})
		if err == nil {
			_, err = io.Copy(dst, src)
		}
		_ = src.Close()
		if err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		m, err := z.Create("missing.txt")
		if err != nil {
			return err
		}
		if _, err := io.WriteString(m, "These uploaded files were recorded but are no longer stored:\n"+strings.Join(missing, "\n")+"\n"); err != nil {
			return err
		}
	}
	return z.Close()
}
