// Package app assembles Cohort: it builds the web server and lets each room
// (auth, home, and the features that follow) register its routes.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cohort/app/access"
	"cohort/app/account"
	"cohort/app/admin"
	"cohort/app/api"
	"cohort/app/auth"
	"cohort/app/designer"
	"cohort/app/enroll"
	"cohort/app/features"
	"cohort/app/forms"
	"cohort/app/formsource"
	"cohort/app/home"
	"cohort/app/jobs"
	"cohort/app/mail"
	"cohort/app/matching"
	"cohort/app/notify"
	"cohort/app/pairs"
	"cohort/app/staff"
	"cohort/app/web"
	"cohort/config"
	"cohort/db"
	"cohort/static"
	"cohort/views"
)

// Option adjusts what New assembles.
type Option func(*options)

type options struct{ jobs *jobs.Runner }

// WithJobs makes the jobs admin pages use runner (serve passes the one its
// scheduler uses; tests pass one with extra jobs). Without it New builds a
// runner for the built-in jobs.
func WithJobs(runner *jobs.Runner) Option { return func(o *options) { o.jobs = runner } }

// New returns the server with every route registered.
func New(cfg *config.Config, store *db.Store, log *slog.Logger, opts ...Option) (*web.Server, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	// Unknown permission names (in code or in the database) stop start-up
	// here rather than silently granting or revoking nothing later.
	if err := access.Validate(context.Background(), store); err != nil {
		return nil, err
	}
	if err := enroll.CheckUploadDir(cfg.Uploads()); err != nil {
		return nil, err
	}
	src, err := checkPrograms(context.Background(), store)
	if err != nil {
		return nil, err
	}
	s, err := web.New(cfg, store, log, web.Options{Views: views.FS, Static: static.FS})
	if err != nil {
		return nil, err
	}
	home.Register(s)
	auth.Register(s, mail.NewOutbox(cfg, store))
	mail.Register(s)
	admin.Register(s, src)
	account.Register(s)
	designer.Register(s, src)
	enroll.Register(s, src)
	results := staff.Register(s, src)
	pairService := pairs.NewService(store, cfg.PairIDHashSecret)
	pairs.Register(s, pairService)
	matching.Register(s, matching.NewService(store, pairService, cfg.BaseURL), src)
	api.Register(s, pairService, results)
	if o.jobs == nil {
		if o.jobs, err = jobs.Default(jobs.Deps{Config: cfg, Store: store, Log: log}); err != nil {
			return nil, err
		}
	}
	jobs.Register(s, o.jobs)
	notify.Register(s)
	s.NotFound()
	return s, nil
}

// checkPrograms loads the built-in form definitions (a bad definition stops
// start-up with the file and field named) and checks that every program
// names a known form, that its published version reads, and that it uses
// only registered feature flags. It returns the source every room reads
// programs' forms from, with the current versions already parsed.
func checkPrograms(ctx context.Context, store *db.Store) (*formsource.Source, error) {
	registry, err := forms.Builtin()
	if err != nil {
		return nil, fmt.Errorf("form definitions: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	names, err := store.ProgramFlagNames(ctx)
	if err != nil {
		return nil, err
	}
	if err := features.Validate(names); err != nil {
		return nil, fmt.Errorf("programs: %w; fix the program settings", err)
	}
	programs, err := store.ListPrograms(ctx)
	if err != nil {
		return nil, err
	}
	src := formsource.New(store, registry)
	for _, p := range programs {
		if _, ok := registry.Get(p.FormKey); !ok {
			return nil, fmt.Errorf("program %q uses form %q, which is not defined (known: %v)", p.Slug, p.FormKey, registry.Keys())
		}
		if _, err := src.Current(ctx, p); err != nil {
			return nil, fmt.Errorf("programs: %w", err)
		}
	}
	return src, nil
}
