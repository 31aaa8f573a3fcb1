package backup

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLibpqURL(t *testing.T) {
	tests := []struct {
		name, dsn, want string
		env             []string
		bad             bool
	}{
		{name: "password to the environment", dsn: "postgres://cohort:s3cret@db.internal:5432/cohort?sslmode=require",
			want: "postgres://cohort@db.internal:5432/cohort?sslmode=require", env: []string{"PGPASSWORD=s3cret"}},
		{name: "pgx-only parameters dropped", dsn: "postgresql://u@h/d?default_query_exec_mode=exec&pool_max_conns=4&statement_cache_capacity=0&sslmode=disable",
			want: "postgresql://u@h/d?sslmode=disable"},
		{name: "no user", dsn: "postgres://h/d", want: "postgres://h/d"},
		{name: "not postgres", dsn: "sqlite:/data/cohort.db", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, env, err := libpqURL(tt.dsn)
			if tt.bad {
				if err == nil {
					t.Fatalf("libpqURL(%q) = %q, want an error", tt.dsn, got)
				}
				return
			}
			if err != nil || got != tt.want || !slices.Equal(env, tt.env) {
				t.Errorf("libpqURL(%q) = %q, %q, %v; want %q, %q", tt.dsn, got, env, err, tt.want, tt.env)
			}
			if strings.Contains(got, "s3cret") {
				t.Errorf("the password is on the command line: %q", got)
			}
		})
	}
}

func TestUploadPath(t *testing.T) {
	dir := filepath.Join("/srv", "uploads")
	tests := map[string]string{
		"uploads/abc123":        filepath.Join(dir, "abc123"),
		"uploads/sub/abc":       filepath.Join(dir, "sub", "abc"),
		"uploads/../etc/passwd": "",
		"uploads/./abc":         "",
		"uploads//abc":          "",
		"uploads/":              "",
		"uploads//etc/passwd":   "",
		"uploads/a/../../b":     "",
	}
	for name, want := range tests {
		if got := uploadPath(dir, name); got != want {
			t.Errorf("uploadPath(%q) = %q, want %q", name, got, want)
		}
	}
}

// writeTestArchive writes an archive with the given entries and a manifest.
func writeTestArchive(t *testing.T, m Manifest, entries map[string]string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "b.tar.gz")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	body, _ := json.Marshal(m)
	entries[ManifestFile] = string(body)
	for name, content := range entries {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestReadManifestRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.txt")
	if err := os.WriteFile(plain, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		"not gzip":     plain,
		"missing":      filepath.Join(dir, "nope.tar.gz"),
		"other format": writeTestArchive(t, Manifest{Format: "cohort-backup/99"}, map[string]string{}),
	}
	for name, file := range tests {
		t.Run(name, func(t *testing.T) {
			if m, err := ReadManifest(file); err == nil {
				t.Errorf("ReadManifest = %+v, want an error", m)
			}
		})
	}
}

func TestInside(t *testing.T) {
	tests := []struct {
		dir, file string
		want      bool
	}{
		{"/data/uploads", "/data/uploads/b.tar.gz", true},
		{"/data/uploads", "/data/uploads/sub/b.tar.gz", true},
		{"/data/uploads", "/data/uploads", true},
		{"/data/uploads", "/data/b.tar.gz", false},
		{"/data/uploads", "/data/uploads-old/b.tar.gz", false},
		{"/data/uploads", "/tmp/b.tar.gz", false},
	}
	for _, tt := range tests {
		if got := inside(tt.dir, tt.file); got != tt.want {
			t.Errorf("inside(%q, %q) = %v, want %v", tt.dir, tt.file, got, tt.want)
		}
	}
}
