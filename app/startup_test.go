package app_test

import (
	"context"
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
