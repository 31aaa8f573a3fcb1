// Package backup makes and restores Cohort backups: one gzipped tar holding
// the database (a consistent SQLite copy made while the app runs, or a
// pg_dump custom-format dump), every file of UPLOAD_DIR, and a manifest
// with the format, time, app version and the row counts of the main
// tables at the moment of the copy.
//
// Archive layout:
//
//	database.sqlite | database.pgdump
//	uploads/NAME …
//	manifest.json
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"cohort/config"
	"cohort/db"
)

// Format names this layout; Restore refuses any other.
const Format = "cohort-backup/1"

// Names inside the archive.
const (
	SQLiteFile   = "database.sqlite"
	PostgresFile = "database.pgdump"
	ManifestFile = "manifest.json"
	uploadsDir   = "uploads/"
)

// Tables are the tables whose row counts the manifest records (and a drill
// compares after a restore).
var Tables = []string{
	"people", "identities", "programs", "enrollments", "enrollment_interests",
	"enrollment_snapshots", "uploads", "staff_notes", "pairs", "pair_history",
	"audit_events", "sessions", "api_tokens", "mail_outbox", "notifications_sent",
	"job_runs", "retained_counts",
}

// Manifest describes a backup.
type Manifest struct {
	Format     string    `json:"format"`
	CreatedAt  time.Time `json:"created_at"`
	AppVersion string    `json:"app_version"`
	Dialect    string    `json:"dialect"`
	Database   string    `json:"database"`
	// Rows are the row counts as of the database copy.
	Rows map[string]int64 `json:"rows"`
	// Uploads lists every file of UPLOAD_DIR in the archive.
	Uploads []File `json:"uploads"`
}

// File is one uploaded file in the archive.
type File struct {
	Name string `json:"name"` // relative to UPLOAD_DIR, slash-separated
	Size int64  `json:"size"`
}

// Target is where a backup comes from or goes to.
type Target struct {
	Database  config.Database
	UploadDir string
}

// pgTool finds a Postgres client program, or says which one is missing.
func pgTool(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not on PATH: install the PostgreSQL client tools (Debian: apt-get install postgresql-client), or back up by hand as README describes", name)
	}
	return p, nil
}

var tableName = regexp.MustCompile(`^[a-z_]+$`)

// CountRows counts the rows of Tables through q.
func CountRows(ctx context.Context, q db.Querier) (map[string]int64, error) {
	out := make(map[string]int64, len(Tables))
	for _, t := range Tables {
		if !tableName.MatchString(t) {
			return nil, fmt.Errorf("backup: bad table name %q", t)
		}
		var n int64
		if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("backup: counting %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

// Create writes a backup of store (described by t) to file. The archive is
// written beside file under a temporary name and renamed into place when
// complete, so file is either the whole backup or absent. It holds
// personal data: it is created readable by its owner only.
func Create(ctx context.Context, store *db.Store, t Target, file, version string) (*Manifest, error) {
	if inside(t.UploadDir, file) {
		// The archive would walk into itself.
		return nil, fmt.Errorf("backup: write the backup outside UPLOAD_DIR (%s)", t.UploadDir)
	}
	dir, err := os.MkdirTemp(filepath.Dir(file), ".cohort-backup-")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(dir)
	m := &Manifest{Format: Format, AppVersion: version, Dialect: store.Dialect()}
	var dump string
	switch store.Dialect() {
	case config.DialectSQLite:
		m.Database, dump = SQLiteFile, filepath.Join(dir, SQLiteFile)
		if err := sqliteSnapshot(ctx, store, dump, m); err != nil {
			return nil, err
		}
	case config.DialectPostgres:
		m.Database, dump = PostgresFile, filepath.Join(dir, PostgresFile)
		if err := pgDump(ctx, store, t.Database.DSN, dump, m); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("backup: unknown dialect %q", store.Dialect())
	}
	// The uploads are copied after the database: a file added meanwhile is
	// a harmless extra; every file the copy's rows name was there already.
	tmp := filepath.Join(dir, "archive.tar.gz")
	if err := writeArchive(tmp, dump, t.UploadDir, m); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, file); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

func sqliteSnapshot(ctx context.Context, store *db.Store, dst string, m *Manifest) error {
	m.CreatedAt = time.Now().UTC()
	if err := store.SnapshotSQLite(ctx, dst); err != nil {
		return err
	}
	// Count in the copy itself: exactly the moment it holds.
	snap, err := sql.Open("sqlite", "file:"+(&url.URL{Path: dst}).EscapedPath()+"?mode=ro")
	if err != nil {
		return err
	}
	m.Rows, err = CountRows(ctx, snap)
	if cerr := snap.Close(); err == nil {
		err = cerr
	}
	return err
}

func pgDump(ctx context.Context, store *db.Store, dsn, dst string, m *Manifest) error {
	bin, err := pgTool("pg_dump")
	if err != nil {
		return err
	}
	conn, env, err := libpqURL(dsn)
	if err != nil {
		return err
	}
	return store.WithPostgresSnapshot(ctx, func(ctx context.Context, snapshot string, q db.Querier) error {
		m.CreatedAt = time.Now().UTC()
		if m.Rows, err = CountRows(ctx, q); err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, bin, "--format=custom", "--no-owner", "--no-privileges",
			"--snapshot="+snapshot, "--file="+dst, "--dbname="+conn)
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("backup: pg_dump: %v: %s", err, strings.TrimSpace(string(out)))
		}
		return nil
	})
}

func writeArchive(file, dump, uploadDir string, m *Manifest) (err error) {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	if err := addFile(tw, m.Database, dump); err != nil {
		return err
	}
	m.Uploads = []File{}
	err = filepath.WalkDir(uploadDir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == uploadDir {
			return fs.SkipDir // no uploads yet
		}
		if err != nil || !d.Type().IsRegular() {
			return err // directories are walked; links and devices skipped
		}
		rel, err := filepath.Rel(uploadDir, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if err := addFile(tw, uploadsDir+name, p); errors.Is(err, fs.ErrNotExist) {
			return nil // deleted since the walk began (a purge): not in the copy's rows either
		} else if err != nil {
			return err
		}
		info, _ := d.Info()
		if info != nil {
			m.Uploads = append(m.Uploads, File{Name: name, Size: info.Size()})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("backup: uploads: %w", err)
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: ManifestFile, Mode: 0o600, Size: int64(len(body)), ModTime: m.CreatedAt, Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := tw.Write(body); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return f.Sync()
}

func addFile(tw *tar.Writer, name, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: name, Mode: 0o600, Size: info.Size(), ModTime: info.ModTime(), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	// Exactly Size bytes: a file still growing is cut at the size taken.
	_, err = io.CopyN(tw, f, info.Size())
	return err
}

// inside reports whether file is dir or somewhere under it.
func inside(dir, file string) bool {
	d, err1 := filepath.Abs(dir)
	f, err2 := filepath.Abs(file)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, f)
	return err == nil && filepath.IsLocal(rel)
}

// libpqURL turns DATABASE_URL into what libpq's tools accept: the
// password moves to PGPASSWORD (not the command line, which other users
// of the machine can read) and pgx-only parameters are dropped.
func libpqURL(dsn string) (conn string, env []string, err error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, errors.New("backup: DATABASE_URL is not a postgres:// URL")
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "default_query_exec_mode", "statement_cache_capacity", "description_cache_capacity":
			q.Del(k)
		default:
			if strings.HasPrefix(k, "pool_") {
				q.Del(k)
			}
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), env, nil
}

// ReadManifest returns the manifest of the backup in file.
func ReadManifest(file string) (*Manifest, error) {
	var m *Manifest
	err := walkArchive(file, func(name string, r io.Reader) error {
		if name == ManifestFile {
			var err error
			m, err = decodeManifest(r)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("backup: %s has no %s: not a Cohort backup", file, ManifestFile)
	}
	return m, nil
}

func decodeManifest(r io.Reader) (*Manifest, error) {
	m := new(Manifest)
	if err := json.NewDecoder(io.LimitReader(r, 64<<20)).Decode(m); err != nil {
		return nil, fmt.Errorf("backup: reading the manifest: %w", err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("backup: unknown format %q (this version reads %q)", m.Format, Format)
	}
	return m, nil
}

// walkArchive calls fn for each regular file of the archive, in order.
func walkArchive(file string, fn func(name string, r io.Reader) error) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("backup: %s is not a gzipped archive: %w", file, err)
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("backup: reading %s: %w", file, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		if err := fn(hdr.Name, tr); err != nil {
			return err
		}
	}
}

// uploadPath maps an archive name under uploads/ to a path inside dir, or
// "" for a name that would land outside it.
func uploadPath(dir, name string) string {
	rel := strings.TrimPrefix(name, uploadsDir)
	if rel == "" || path.Clean(rel) != rel || !filepath.IsLocal(filepath.FromSlash(rel)) {
		return ""
	}
	return filepath.Join(dir, filepath.FromSlash(rel))
}
