package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBackupUsage(t *testing.T) {
	for _, args := range [][]string{
		{"backup"}, {"backup", "frob", "x"}, {"backup", "create"}, {"backup", "create", "a", "b"},
		{"backup", "create", "x", "--force"}, {"backup", "restore"}, {"backup", "restore", "x", "--yes"},
		{"backup", "restore", "x", "--database"}, {"backup", "restore", "x", "--database", "mysql://h/d"},
		{"backup", "create", "x", "--database", "sqlite:y"}, {"backup", "restore", "x", "--upload-dir="},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if code, _, stderr := runCmd(t, args...); code != exitUsage || !strings.Contains(stderr, "Usage:") {
				t.Errorf("exit %d, stderr %q; want %d with the usage", code, stderr, exitUsage)
			}
		})
	}
}

// TestBackupCommands: create from one SQLite database and its uploads,
// restore into another, refuse a second restore unless --force.
func TestBackupCommands(t *testing.T) {
	testEnv(t)
	uploads := t.TempDir()
	t.Setenv("UPLOAD_DIR", uploads)
	if code, _, stderr := runCmd(t, "seed", "demo", "--participants", "5"); code != 0 {
		t.Fatalf("seed: %d %s", code, stderr)
	}
	if err := os.WriteFile(filepath.Join(uploads, "abc123"), []byte("%PDF-1.4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "backup-1.tar.gz")
	code, stdout, stderr := runCmd(t, "backup", "create", file)
	if code != 0 || !strings.Contains(stdout, "backup written to "+file) || !strings.Contains(stdout, "1 uploads") {
		t.Fatalf("backup create: %d %q %q", code, stdout, stderr)
	}
	if code, _, stderr := runCmd(t, "backup", "create", file); code != 1 || !strings.Contains(stderr, "already exists") {
		t.Errorf("second create to the same file: %d %q", code, stderr)
	}

	t.Setenv("DATABASE_URL", "sqlite:"+filepath.Join(t.TempDir(), "new", "c.db"))
	restored := filepath.Join(t.TempDir(), "uploads")
	t.Setenv("UPLOAD_DIR", restored)
	code, stdout, stderr = runCmd(t, "backup", "restore", file)
	if code != 0 || !strings.Contains(stdout, "restored "+file) || !strings.Contains(stdout, "people 8") {
		t.Fatalf("backup restore: %d %q %q", code, stdout, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(restored, "abc123")); err != nil || string(b) != "%PDF-1.4\n" {
		t.Errorf("restored upload: %q, %v", b, err)
	}
	if code, _, stderr := runCmd(t, "backup", "restore", file); code != 1 || !strings.Contains(stderr, "--force") {
		t.Errorf("restore over data without --force: %d %q", code, stderr)
	}
	if code, _, stderr := runCmd(t, "backup", "restore", file, "--force"); code != 0 {
		t.Errorf("restore --force: %d %q", code, stderr)
	}

	// Beside the configured database: the flags name the target, and the
	// configured one is not touched.
	aside, asideUploads := filepath.Join(t.TempDir(), "aside.db"), filepath.Join(t.TempDir(), "aside-uploads")
	code, stdout, stderr = runCmd(t, "backup", "restore", file, "--database", "sqlite:"+aside, "--upload-dir="+asideUploads)
	if code != 0 || !strings.Contains(stdout, asideUploads) {
		t.Fatalf("restore beside: %d %q %q", code, stdout, stderr)
	}
	if _, err := os.Stat(aside); err != nil {
		t.Errorf("restored database: %v", err)
	}
	if _, err := os.Stat(filepath.Join(asideUploads, "abc123")); err != nil {
		t.Errorf("restored upload: %v", err)
	}
}
