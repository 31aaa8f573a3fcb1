package main

import (
	"io/fs"
	"slices"
	"strings"
	"testing"

	"cohort/db/migrations"
)

// migrate down drops tables: it shows what it will revert, in the order it
// reverts it, and goes ahead only with --yes or a "yes" typed at a terminal.
func TestMigrateDownConfirms(t *testing.T) {
	ups, err := fs.Glob(migrations.FS, "*.up.sql")
	if err != nil || len(ups) < 2 {
		t.Fatalf("migration files: %v %v", ups, err)
	}
	// Reverted newest first: the reverse of the file names' order.
	var want []string
	for _, f := range slices.Backward(ups) {
		want = append(want, strings.TrimSuffix(strings.TrimSuffix(f, ".up.sql"), ".tx"))
	}
	tests := []struct {
		name       string
		args       []string
		terminal   bool
		typed      string
		wantCode   int
		wantErr    string
		wantRevert bool
	}{
		{name: "no terminal, no --yes", args: []string{"migrate", "down"}, wantCode: 1, wantErr: "--yes"},
		{name: "terminal, answer no", args: []string{"migrate", "down"}, terminal: true, typed: "no\n", wantCode: 1, wantErr: "cancelled"},
		{name: "terminal, answer empty", args: []string{"migrate", "down"}, terminal: true, typed: "", wantCode: 1, wantErr: "cancelled"},
		{name: "terminal, answer yes", args: []string{"migrate", "down"}, terminal: true, typed: "yes\n", wantRevert: true},
		{name: "--yes", args: []string{"migrate", "down", "--yes"}, wantRevert: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testEnv(t)
			if code, _, stderr := runCmd(t, "migrate", "up"); code != 0 {
				t.Fatalf("migrate up: %s", stderr)
			}
			oldIn, oldTerm := stdin, stdinIsTerminal
			t.Cleanup(func() { stdin, stdinIsTerminal = oldIn, oldTerm })
			stdin = strings.NewReader(tt.typed)
			stdinIsTerminal = func() bool { return tt.terminal }

			code, stdout, stderr := runCmd(t, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, stdout, stderr)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr %q does not say %q", stderr, tt.wantErr)
			}
			// The plan, in the order it runs, and a plain warning.
			plan := "migrate down will revert, in this order:\n  " + strings.Join(want, "\n  ") + "\n"
			if !strings.HasPrefix(stdout, plan) {
				t.Errorf("stdout does not start with the plan\n%s\ngot:\n%s", plan, stdout)
			}
			if !strings.Contains(stdout, "this reverts everything") {
				t.Errorf("stdout does not say that everything is reverted:\n%s", stdout)
			}
			if tt.terminal != strings.Contains(stdout, "Type yes") {
				t.Errorf("prompt shown = %v, want %v:\n%s", !tt.terminal, tt.terminal, stdout)
			}
			var reverted []string
			// A terminal echoes the answer and its line break; the test's
			// stdout has only the prompt.
			lines := strings.ReplaceAll(stdout, "Type yes to go ahead: ", "Type yes to go ahead:\n")
			for _, l := range strings.Split(lines, "\n") {
				if n, ok := strings.CutPrefix(l, "reverted "); ok {
					reverted = append(reverted, n)
				}
			}
			_, status, _ := runCmd(t, "migrate", "status")
			if tt.wantRevert {
				if !slices.Equal(reverted, want) {
					t.Errorf("reverted %q, want %q", reverted, want)
				}
				if strings.Contains(status, "applied ") {
					t.Errorf("migrations still applied after down:\n%s", status)
				}
				return
			}
			if len(reverted) > 0 || strings.Contains(status, "pending ") {
				t.Errorf("a refused down reverted something (%q):\n%s", reverted, status)
			}
		})
	}
}
