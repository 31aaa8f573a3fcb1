// Package app assembles Cohort: it builds the web server and lets each room
// (auth, home, and the features that follow) register its routes.
package app

import (
	"context"
	"log/slog"

	"cohort/app/access"
	"cohort/app/admin"
	"cohort/app/auth"
	"cohort/app/home"
	"cohort/app/mail"
	"cohort/app/web"
	"cohort/config"
	"cohort/db"
	"cohort/static"
	"cohort/views"
)

// New returns the server with every route registered.
func New(cfg *config.Config, store *db.Store, log *slog.Logger) (*web.Server, error) {
	// Unknown permission names (in code or in the database) stop start-up
	// here rather than silently granting or revoking nothing later.
	if err := access.Validate(context.Background(), store); err != nil {
		return nil, err
	}
	s, err := web.New(cfg, store, log, web.Options{Views: views.FS, Static: static.FS})
	if err != nil {
		return nil, err
	}
	home.Register(s)
	auth.Register(s, mail.NewOutbox(cfg, store))
	mail.Register(s)
	admin.Register(s)
	s.NotFound()
	return s, nil
}
