// Package designer serves the program form designer: admins holding
// program.manage in a program edit its form as a draft, preview each step
// with the templates members see, try sample answers, and publish
// immutable versions. The edit operations (edit.go) are pure functions on a
// forms.Document; the handlers parse one change per request, apply it,
// check the result with forms.Build and save the draft.
package designer

import (
	"context"

	"cohort/app/forms"
	"cohort/app/web"
	"cohort/db"
)

// Source is what the designer needs from app/formsource: the built-in
// forms to start from and a program's current published form.
// *formsource.Source satisfies it.
type Source interface {
	Builtin() *forms.Registry
	Current(ctx context.Context, p *db.Program) (*forms.Definition, error)
}

// Register adds the designer routes under /admin/programs/SLUG/form.
func Register(s *web.Server, src Source) {
	_ = s
	_ = src
}
