package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"cohort/config"
	"cohort/db"
)

// testEnv points the commands at a fresh SQLite file and APP_ENV=test (so no
// dotenv file in the working directory is read). It returns the file path.
func testEnv(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.db")
	t.Setenv("APP_ENV", "test")
	t.Setenv("DATABASE_URL", "sqlite:"+path)
	return path
}

// runCmd runs the CLI and returns the exit code and both outputs.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestRunHelpAndVersion(t *testing.T) {
	tests := []struct {
		args       []string
		wantStdout string
	}{
		{[]string{"help"}, "Usage:"},
		{[]string{"-h"}, "Usage:"},
		{[]string{"--help"}, "Usage:"},
		{[]string{"version"}, "cohort dev"},
		{[]string{"--version"}, "cohort dev"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCmd(t, tt.args...)
			if code != 0 {
				t.Errorf("exit code %d, want 0 (stderr %q)", code, stderr)
			}
			if !strings.Contains(stdout, tt.wantStdout) {
				t.Errorf("stdout %q does not contain %q", stdout, tt.wantStdout)
			}
			if stderr != "" {
				t.Errorf("stderr = %q, want empty", stderr)
			}
		})
	}
}

func TestRunUsageErrors(t *testing.T) {
	// None of these may touch a database, but give them a harmless one in
	// case a regression makes them try.
	testEnv(t)
	tests := []struct {
		args       []string
		wantStderr string // in addition to the usage text
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"serve", "extra"}, "serve takes no arguments"},
		{[]string{"migrate"}, "migrate needs one of"},
		{[]string{"migrate", "up", "down"}, "migrate needs one of"},
		{[]string{"migrate", "sideways"}, `unknown migrate subcommand "sideways"`},
		{[]string{"migrate", "down", "--force"}, "migrate down takes only --yes"},
		{[]string{"migrate", "up", "--yes"}, "migrate needs one of"},
		{[]string{"seed"}, "seed needs a dataset name"},
		{[]string{"seed", "users"}, "seed needs a dataset name"},
		{[]string{"seed", "demo", "--participants"}, "flag needs an argument"},
		{[]string{"seed", "demo", "--participants", "many"}, "seed demo:"},
		{[]string{"seed", "demo", "--bogus"}, "not defined"},
		{[]string{"seed", "demo", "--participants", "-5"}, "N ≥ 0"},
		{[]string{"seed", "demo", "extra"}, "seed demo takes only"},
		{[]string{"seed", "demo", "--seed", "-1"}, "seed demo:"},
		{[]string{"load", "-bogus"}, "load:"},
		{[]string{"load", "extra"}, "load:"},
		{[]string{"load", "-users", "0", "-url", "http://127.0.0.1:1"}, "-users must be a positive number"},
		{[]string{"load", "-users"}, "flag needs an argument"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCmd(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit code %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want empty", stdout)
			}
			if !strings.Contains(stderr, "Usage:") {
				t.Errorf("stderr does not show the usage:\n%s", stderr)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantStderr, stderr)
			}
		})
	}
}

func TestRunConfigError(t *testing.T) {
	t.Setenv("APP_ENV", "test")
	t.Setenv("DATABASE_URL", "mysql://u:hunter2@h/db")
	for _, args := range [][]string{{"migrate", "status"}, {"seed", "demo"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, stdout, stderr := runCmd(t, args...)
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want empty", stdout)
			}
			if !strings.Contains(stderr, "DATABASE_URL") || strings.Contains(stderr, "hunter2") {
				t.Errorf("stderr %q: want a DATABASE_URL problem without the password", stderr)
			}
		})
	}
}

func TestCLIMigrateAndSeed(t *testing.T) {
	testEnv(t)
	steps := []struct {
		name      string
		args      []string
		wantCode  int
		check     func(t *testing.T, stdout string)
		wantInErr string
	}{
		{
			name: "status before migrating", args: []string{"migrate", "status"},
			check: func(t *testing.T, stdout string) {
				if !strings.Contains(stdout, "pending ") || strings.Contains(stdout, "applied ") {
					t.Errorf("want only pending migrations:\n%s", stdout)
				}
			},
		},
		{
			name: "migrate up", args: []string{"migrate", "up"},
			check: func(t *testing.T, stdout string) {
				if !strings.HasPrefix(stdout, "applied ") {
					t.Errorf("want applied lines:\n%s", stdout)
				}
			},
		},
		{
			name: "migrate up again", args: []string{"migrate", "up"},
			check: func(t *testing.T, stdout string) {
				if strings.TrimSpace(stdout) != "database is up to date" {
					t.Errorf("stdout = %q", stdout)
				}
			},
		},
		{
			name: "status after migrating", args: []string{"migrate", "status"},
			check: func(t *testing.T, stdout string) {
				lines := strings.Split(strings.TrimSpace(stdout), "\n")
				if len(lines) == 0 || lines[0] == "" {
					t.Fatalf("no status lines")
				}
				for _, l := range lines {
					if !strings.HasPrefix(l, "applied ") {
						t.Errorf("line %q is not applied", l)
					}
				}
			},
		},
		{
			name: "seed", args: []string{"seed", "demo", "--participants", "25"},
			check: func(t *testing.T, stdout string) {
				if !strings.HasPrefix(stdout, "seeded 28 people, 25 enrollments, ") {
					t.Errorf("stdout = %q, want seeded 28 people (3 demo accounts + 25)", stdout)
				}
			},
		},
		{
			name: "seed again", args: []string{"seed", "demo"},
			wantCode: 1, wantInErr: "already",
		},
		{
			name: "migrate down", args: []string{"migrate", "down", "--yes"},
			check: func(t *testing.T, stdout string) {
				if !strings.Contains(stdout, "\nreverted ") {
					t.Errorf("want reverted lines:\n%s", stdout)
				}
			},
		},
	}
	for _, st := range steps {
		ok := t.Run(st.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, st.args...)
			if code != st.wantCode {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, st.wantCode, stdout, stderr)
			}
			if st.wantInErr != "" {
				if !strings.Contains(stderr, st.wantInErr) {
					t.Errorf("stderr %q does not mention %q", stderr, st.wantInErr)
				}
				if stdout != "" {
					t.Errorf("stdout = %q, want empty", stdout)
				}
			}
			if st.check != nil {
				st.check(t, stdout)
			}
		})
		if !ok {
			break // later steps depend on earlier ones
		}
	}
}

func TestSeedZeroParticipants(t *testing.T) {
	testEnv(t)
	code, stdout, stderr := runCmd(t, "seed", "demo", "--participants", "0")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "seeded 3 people, 0 enrollments, 0 interests") {
		t.Errorf("stdout = %q", stdout)
	}
}

// seedDigest seeds a fresh database with the given CLI arguments and returns
// a digest of the people's emails and the enrollments' typed columns and
// interests.
func seedDigest(t *testing.T, args ...string) string {
	t.Helper()
	path := testEnv(t)
	if code, stdout, stderr := runCmd(t, append([]string{"seed", "demo"}, args...)...); code != 0 {
		t.Fatalf("seed %v: exit %d\nstdout: %s\nstderr: %s", args, code, stdout, stderr)
	}
	ctx := context.Background()
	store, err := db.Open(ctx, config.Database{Dialect: config.DialectSQLite, DSN: path}, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()

	h := sha256.New()
	var people []db.Person
	if err := store.DB().NewSelect().Model(&people).Order("id").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range people {
		fmt.Fprintf(h, "P|%s|%s|%s\n", p.Email, p.Name, p.Role)
	}
	var ens []db.Enrollment
	if err := store.DB().NewSelect().Model(&ens).
		Column("id", "status", "full_name", "is_mentor", "is_mentee", "time_zone", "tz_offset_min",
			"avail_mask", "org", "level", "time_at_level", "distance_pref", "track_change",
			"manager_name", "manager_email", "comments").
		Order("id").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	for _, e := range ens {
		fmt.Fprintf(h, "E|%d|%s|%s|%t|%t|%s|%d|%d|%s|%s|%s|%s|%s|%s|%s|%s\n", e.ID, e.Status, e.FullName,
			e.IsMentor, e.IsMentee, e.TimeZone, e.TZOffsetMin, e.AvailMask, e.Org, e.Level,
			e.TimeAtLevel, e.DistancePref, e.TrackChange, e.ManagerName, e.ManagerEmail, e.Comments)
	}
	var ins []db.EnrollmentInterest
	if err := store.DB().NewSelect().Model(&ins).Order("enrollment_id", "side", "interest").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		fmt.Fprintf(h, "I|%d|%s|%s\n", in.EnrollmentID, in.Side, in.Interest)
	}
	if len(people) != 203 || len(ens) != 200 || len(ins) == 0 {
		t.Errorf("got %d people, %d enrollments, %d interests; want 203, 200 and some", len(people), len(ens), len(ins))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestSeedDeterministic(t *testing.T) {
	tests := []struct {
		name  string
		a, b  []string
		equal bool
	}{
		{
			name:  "same seed",
			a:     []string{"--participants", "200", "--seed", "7"},
			b:     []string{"--participants", "200", "--seed", "7"},
			equal: true,
		},
		{
			name:  "different seed",
			a:     []string{"--participants", "200", "--seed", "7"},
			b:     []string{"--participants", "200", "--seed", "8"},
			equal: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var digA, digB string
			t.Run("a", func(t *testing.T) { digA = seedDigest(t, tt.a...) })
			t.Run("b", func(t *testing.T) { digB = seedDigest(t, tt.b...) })
			if digA == "" || digB == "" {
				t.Fatal("a seed failed")
			}
			if (digA == digB) != tt.equal {
				t.Errorf("digests %s and %s: equal = %v, want %v", digA, digB, digA == digB, tt.equal)
			}
		})
	}
}
