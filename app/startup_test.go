package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cohort/app"
	"cohort/app/apptest"
	"cohort/db"
	"cohort/db/dbtest"
)

// Code and data must agree at start-up: a program naming an unknown feature
// flag or an undefined form stops the app with a message saying which.
func TestStartupRefusesUnknownFlagsAndForms(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		tests := []struct {
			name string
			prog *db.Program
			want string
		}{
			{"unknown flag", &db.Program{Slug: "flags", Name: "F", Kind: db.KindMentoring, FormKey: "mentoring",
				Settings: db.ProgramSettings{Flags: map[string]bool{"pairng": true}}}, "unknown feature flag pairng"},
			{"unknown form", &db.Program{Slug: "forms", Name: "G", Kind: db.KindMentoring, FormKey: "mentorship"},
				`program "forms" uses form "mentorship", which is not defined`},
			// A published version that is missing (a damaged restore) is
			// named rather than failing every page of the program later.
			{"missing form version", &db.Program{Slug: "versions", Name: "V", Kind: db.KindMentoring, FormKey: "mentoring", FormVersion: 3},
				`program "versions" form version 3`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := s.CreateProgram(ctx, tt.prog); err != nil {
					t.Fatal(err)
				}
				defer s.DB().NewDelete().Model((*db.Program)(nil)).Where("id = ?", tt.prog.ID).Exec(ctx)
				_, err := app.New(apptest.Config(t, nil), s, apptest.Logger())
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("app.New = %v, want an error containing %q", err, tt.want)
				}
			})
		}
	})
}

// An UPLOAD_DIR the server cannot write stops start-up with a message
// naming it, instead of a 500 the first time a member attaches a file.
// (Tests run as root, whom permissions do not stop: a regular file where
// the directory should be is unwritable for everyone.)
func TestStartupRefusesUnwritableUploadDir(t *testing.T) {
	s := dbtest.New(t, "sqlite")
	notADir := filepath.Join(t.TempDir(), "uploads")
	if err := os.WriteFile(notADir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{notADir, filepath.Join(notADir, "nested")} {
		_, err := app.New(apptest.Config(t, map[string]string{"UPLOAD_DIR": dir}), s, apptest.Logger())
		if err == nil || !strings.Contains(err.Error(), `UPLOAD_DIR "`+dir+`" is not writable`) {
			t.Fatalf("UPLOAD_DIR=%s: app.New = %v", dir, err)
		}
	}
	fresh := filepath.Join(t.TempDir(), "a", "b")
	if _, err := app.New(apptest.Config(t, map[string]string{"UPLOAD_DIR": fresh}), s, apptest.Logger()); err != nil {
		t.Fatalf("a missing UPLOAD_DIR is created: %v", err)
	}
	if ents, err := os.ReadDir(fresh); err != nil || len(ents) != 0 {
		t.Fatalf("the check left %v behind (%v)", ents, err)
	}
}
