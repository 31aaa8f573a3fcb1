// Command cohort runs the Cohort server and its maintenance commands.
//
//	cohort [serve]                         run the web server (default)
//	cohort migrate up|down [--yes]|status  manage the database schema
//	cohort seed demo [--participants N]    load deterministic demo data
//	cohort load -url URL [flags]           put HTTP load on a local server
//	cohort jobs list | run NAME            list scheduled jobs, or run one now
//	cohort token create --email E [--name N]  make an API token (printed once)
//	cohort backup create FILE | restore FILE [--force]  back up or restore database and uploads
//	cohort version | help
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	_ "time/tzdata" // time zones work in a scratch-like image too

	"cohort/app"
	"cohort/app/api"
	"cohort/app/demo"
	"cohort/app/jobs"
	"cohort/app/loadgen"
	"cohort/app/loadgen/scenario"
	"cohort/app/mail"
	"cohort/app/metrics"
	"cohort/config"
	"cohort/db"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `Usage: cohort <command> [arguments]

Commands:
  serve                          run the web server (the default)
  migrate up|down|status         apply, revert the last group of, or list migrations
             [down --yes]        (down asks first: it drops data; --yes answers for scripts)
  seed demo [--participants N]   load deterministic demo data (default 60 participants)
             [--seed S]
  load -url URL [flags]          load-test a server on this machine (-h for flags);
             [-scenario save-step|save-step-name -users N -program SLUG]
                                 members saving a step (an answer, or the name), writes checked in the DB
  jobs list                      list the scheduled jobs: schedule, on/off, last outcome
  jobs run NAME                  run one job now (even if switched off) and print its counts
  token create --email E         make a JSON API token for the person with that email and print it
             [--name N]          (shown only this once; it acts with that person's permissions)
  backup create FILE             write a backup (database + uploads + manifest) to FILE (.tar.gz),
                                 safely while the server runs
  backup restore FILE [--force]  restore FILE into an empty database (--force: replace what is
                                 there), its uploads into UPLOAD_DIR, then migrate up; stop serve first
             [--database URL --upload-dir DIR]   restore elsewhere than DATABASE_URL/UPLOAD_DIR
  version                        print the version
  help                           print this help

Configuration comes from environment variables; see README.md.
`

// exitUsage is the exit code for a command line we do not understand.
const exitUsage = 2

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		if len(args) > 0 {
			return badUsage(stderr, "serve takes no arguments")
		}
		err = serve(stderr)
	case "migrate":
		if len(args) == 0 {
			return badUsage(stderr, "migrate needs one of: up, down, status")
		}
		err = migrate(args[0], args[1:], stdout, stderr)
	case "seed":
		return seed(args, stdout, stderr)
	case "load":
		return load(args, stdout, stderr)
	case "jobs":
		return jobsCmd(args, stdout, stderr)
	case "token":
		return tokenCmd(args, stdout, stderr)
	case "backup":
		return backupCmd(args, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "cohort", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		return badUsage(stderr, fmt.Sprintf("unknown command %q", cmd))
	}
	var u usageError
	if errors.As(err, &u) {
		return badUsage(stderr, u.msg)
	}
	if err != nil {
		fmt.Fprintln(stderr, "cohort:", err)
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func badUsage(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "cohort: %s\n\n%s", msg, usage)
	return exitUsage
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func openStore(ctx context.Context, cfg *config.Config) (*db.Store, error) {
	if err := cfg.CheckDataLocation(); err != nil {
		return nil, err
	}
	return db.Open(ctx, cfg.Database(), db.Options{MaxOpenConns: cfg.DBMaxOpenConns, MaxIdleConns: cfg.DBMaxIdleConns})
}

func serve(stderr io.Writer) error {
	cfg, err := config.Load(".")
	if err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		// The live heap is a few megabytes, so at Go's default (100) the
		// collector runs many times a second under load; 400 spends tens of
		// megabytes to give most of that CPU back to requests. GOGC in the
		// environment still decides.
		debug.SetGCPercent(400)
	}
	log := newLogger(cfg, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal a second one acts as it normally does (ends
	// the process at once): the way out if a shutdown ever hangs.
	context.AfterFunc(ctx, stop)
	err = serveUntil(ctx, cfg, log)
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		// A signal during start-up: stopping is what was asked for.
		log.Info("stopped during start-up")
		return nil
	}
	return err
}

// serveUntil starts everything serve runs and serves until ctx ends.
func serveUntil(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if *cfg.MigrateOnStart {
		applied, err := store.Migrate(ctx)
		if err != nil {
			return err
		}
		if len(applied) > 0 {
			log.Info("migrations applied", "names", strings.Join(applied, ","))
		}
	} else if err := checkMigrated(ctx, store); err != nil {
		return err
	}
	if *cfg.SeedDemo {
		if err := seedIfEmpty(ctx, store, log); err != nil {
			return err
		}
	}
	// The mail dispatcher delivers what requests put in the outbox. It has
	// its own context: a signal stops HTTP first, and mail enqueued by the
	// requests still draining must find the dispatcher running.
	sender, err := mail.NewSender(cfg)
	if err != nil {
		return err
	}
	if sender == nil && *cfg.DevLogin {
		log.Info("SMTP_HOST is not set: mail stays in the outbox", "page", cfg.BaseURL+"/dev/outbox")
	}
	mailCtx, cancelMail := context.WithCancel(context.WithoutCancel(ctx))
	mailDone := make(chan struct{})
	go func() {
		defer close(mailDone)
		mail.NewDispatcher(cfg, store, sender, log).Run(mailCtx, mail.DefaultInterval)
	}()
	stopMail := sync.OnceFunc(func() { cancelMail(); <-mailDone })
	defer stopMail() // early returns: still before the deferred store.Close
	runner, err := jobs.Default(jobs.Deps{Config: cfg, Store: store, Log: log})
	if err != nil {
		return err
	}
	srv, err := app.New(cfg, store, log, app.WithJobs(runner))
	if err != nil {
		return err
	}
	stopJobs := func() {}
	if cfg.SchedulerEnabled {
		sched, err := jobs.NewScheduler(runner, jobs.SchedulerOptions{})
		if err != nil {
			return err
		}
		sched.Start()
		stopJobs = sync.OnceFunc(func() {
			if err := sched.Shutdown(); err != nil {
				log.Error("stopping the job scheduler", "err", err)
			}
		})
		defer stopJobs() // early returns: runs before stopMail and store.Close
	} else {
		log.Info("SCHEDULER_ENABLED is off: this instance runs no scheduled jobs")
	}
	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		return err
	}
	if addr := cfg.MetricsAddr(); addr != "" {
		mln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("METRICS_PORT: %w", err)
		}
		log.Info("metrics listening", "addr", mln.Addr().String(), "path", "/metrics")
		go func() {
			if err := metrics.Serve(ctx, mln, store); err != nil {
				log.Error("metrics listener", "err", err)
			}
		}()
	}
	log.Info("cohort listening", "addr", ln.Addr().String(), "url", cfg.BaseURL, "env", cfg.Env,
		"db", cfg.Database().Dialect, "version", version, "dev_login", *cfg.DevLogin)
	// Order matters: HTTP drains first, then background workers stop — the
	// scheduler (running jobs are cancelled and their results recorded),
	// then the mail dispatcher (jobs enqueue mail) — then the database
	// closes via the deferred Close.
	err = srv.Serve(ctx, ln)
	stopJobs()
	stopMail()
	return err
}

// checkMigrated refuses to serve a database that lacks migrations this
// binary needs: every request would otherwise fail on a missing table or
// column.
func checkMigrated(ctx context.Context, store *db.Store) error {
	pending, err := store.PendingMigrations(ctx)
	if err != nil {
		return fmt.Errorf("checking the database schema: %w", err)
	}
	switch n := len(pending); n {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("1 migration is pending (%s); run `cohort migrate up` first (MIGRATE_ON_START is off)", pending[0])
	default:
		return fmt.Errorf("%d migrations are pending (%s … %s); run `cohort migrate up` first (MIGRATE_ON_START is off)",
			n, pending[0], pending[n-1])
	}
}

func seedIfEmpty(ctx context.Context, store *db.Store, log *slog.Logger) error {
	n, err := store.CountPeople(ctx)
	if err != nil || n > 0 {
		return err
	}
	sum, err := demo.Seed(ctx, store, demo.Options{Participants: demo.DefaultParticipants, Seed: demo.DefaultSeed})
	if err != nil {
		return fmt.Errorf("seeding demo data: %w", err)
	}
	log.Info("demo data seeded", "people", sum.People, "enrollments", sum.Enrollments)
	return nil
}

func migrate(sub string, args []string, stdout, stderr io.Writer) error {
	switch sub {
	case "up", "down", "status":
	default:
		return usageError{fmt.Sprintf("unknown migrate subcommand %q (want up, down or status)", sub)}
	}
	yes := false
	for _, a := range args {
		if sub == "down" && (a == "--yes" || a == "-yes" || a == "-y") {
			yes = true
			continue
		}
		if sub == "down" {
			return usageError{fmt.Sprintf("migrate down takes only --yes (got %q)", a)}
		}
		return usageError{"migrate needs one of: up, down, status"}
	}
	cfg, err := config.Load(".")
	if err != nil {
		return err
	}
	ctx := context.Background()
	var names []string
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	switch sub {
	case "up":
		if names, err = store.Migrate(ctx); err != nil {
			return err
		}
		if len(names) == 0 {
			fmt.Fprintln(stdout, "database is up to date")
		}
		for _, n := range names {
			fmt.Fprintln(stdout, "applied", n)
		}
	case "down":
		names, err = store.RollbackConfirmed(ctx, func(plan db.RollbackPlan) error {
			return confirmRollback(plan, yes, stdout)
		})
		if err != nil {
			return err
		}
		if len(names) == 0 {
			fmt.Fprintln(stdout, "nothing to roll back")
		}
		for _, n := range names {
			fmt.Fprintln(stdout, "reverted", n)
		}
	case "status":
		st, err := store.MigrationStatuses(ctx)
		if err != nil {
			return err
		}
		for _, m := range st {
			state := "pending"
			if m.Applied {
				state = "applied"
			}
			fmt.Fprintf(stdout, "%-8s %s\n", state, m.Name)
		}
	}
	return nil
}

// stdin and stdinIsTerminal are where migrate down asks for confirmation
// (tests replace them).
var (
	stdin           io.Reader = os.Stdin
	stdinIsTerminal           = func() bool {
		fi, err := os.Stdin.Stat()
		return err == nil && fi.Mode()&os.ModeCharDevice != 0
	}
)

// confirmRollback prints what migrate down will run, in the order it runs,
// and lets it go ahead only with --yes or a "yes" typed at a terminal: the
// down files drop tables, and the data in them is gone.
func confirmRollback(plan db.RollbackPlan, yes bool, stdout io.Writer) error {
	fmt.Fprintln(stdout, "migrate down will revert, in this order:")
	for _, n := range plan.Names {
		fmt.Fprintf(stdout, "  %s\n", n)
	}
	if plan.Everything {
		fmt.Fprintln(stdout, "These are all the applied migrations (they were applied together): this reverts everything,\n"+
			"dropping every table and all the data in them.")
	} else {
		fmt.Fprintln(stdout, "Reverting drops what these migrations created, with its data.")
	}
	if yes {
		return nil
	}
	if !stdinIsTerminal() {
		return errors.New("migrate down would drop data: run `cohort migrate down --yes` to go ahead")
	}
	fmt.Fprint(stdout, "Type yes to go ahead: ")
	line, _ := bufio.NewReader(stdin).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		return errors.New("migrate down cancelled: nothing was reverted")
	}
	return nil
}

func seed(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "demo" {
		return badUsage(stderr, "seed needs a dataset name: seed demo")
	}
	fs := flag.NewFlagSet("seed demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("participants", demo.DefaultParticipants, "participants to create")
	s := fs.Uint64("seed", demo.DefaultSeed, "random seed (same seed, same data)")
	if err := fs.Parse(args[1:]); err != nil {
		return badUsage(stderr, "seed demo: "+err.Error())
	}
	if fs.NArg() > 0 || *n < 0 {
		return badUsage(stderr, "seed demo takes only --participants N (N ≥ 0) and --seed S")
	}
	ctx := context.Background()
	_, store, closeStore, ok := commandStore(ctx, stderr, always)
	if !ok {
		return 1
	}
	defer closeStore()
	sum, err := demo.Seed(ctx, store, demo.Options{Participants: *n, Seed: *s})
	if err != nil {
		fmt.Fprintln(stderr, "cohort:", err)
		return 1
	}
	fmt.Fprintf(stdout, "seeded %d people, %d enrollments, %d interests in %s\n",
		sum.People, sum.Enrollments, sum.Interests, sum.Took.Round(1e6))
	return 0
}

func load(args []string, stdout, stderr io.Writer) int {
	var scenarioName, program string
	var users int
	o, err := loadgen.ParseFlags(args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&scenarioName, "scenario", "", "scenario `name` to run against -url, its writes checked in the database afterwards:\n"+
			"save-step (members save an answer of a step) or save-step-name (they save their name)")
		fs.IntVar(&users, "users", 200, "members the scenario signs in and spreads its saves over")
		fs.StringVar(&program, "program", demo.ProgramSlug, "`slug` of the program the scenario's members enroll in")
	})
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return badUsage(stderr, "load: "+err.Error())
	}
	if users < 1 {
		return badUsage(stderr, "load: -users must be a positive number")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var verify func(loadgen.Result) (string, error)
	switch scenarioName {
	case "":
	case "save-step", "save-step-name":
		cfg, err := config.Load(".")
		if err != nil {
			fmt.Fprintln(stderr, "cohort:", err)
			return 1
		}
		store, err := openStore(ctx, cfg)
		if err != nil {
			fmt.Fprintln(stderr, "cohort:", err)
			return 1
		}
		defer store.Close()
		base := strings.TrimSuffix(o.URL, "/")
		sc, err := scenario.PrepareStepSave(ctx, base, store, program, users)
		if err != nil {
			fmt.Fprintln(stderr, "cohort:", err)
			return 1
		}
		sc.VaryName = scenarioName == "save-step-name"
		sc.Apply(&o)
		verify = func(r loadgen.Result) (string, error) { return sc.Verify(context.Background(), r) }
	default:
		return badUsage(stderr, fmt.Sprintf("load: unknown scenario %q (known: save-step, save-step-name)", scenarioName))
	}
	res, err := loadgen.Run(ctx, o)
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "cohort:", err)
		return 1
	}
	fmt.Fprintln(stdout, res.String())
	if verify != nil {
		msg, err := verify(res)
		fmt.Fprintln(stdout, msg)
		if err != nil {
			fmt.Fprintln(stderr, "cohort:", err)
			return 1
		}
	}
	if res.Failures > 0 {
		return 1
	}
	return 0
}

// jobsCmd is `cohort jobs list` and `cohort jobs run NAME`.
func jobsCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] == "list" && len(args) != 1) || (args[0] == "run" && len(args) != 2) ||
		(args[0] != "list" && args[0] != "run") {
		return badUsage(stderr, "jobs needs: jobs list, or jobs run NAME")
	}
	reg, err := jobs.NewRegistry(jobs.Builtin()...)
	if err != nil {
		fmt.Fprintln(stderr, "cohort:", err)
		return 1
	}
	if args[0] == "run" {
		if _, ok := reg.Lookup(args[1]); !ok {
			return badUsage(stderr, fmt.Sprintf("unknown job %q (known: %s)", args[1], strings.Join(reg.Names(), ", ")))
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, store, closeStore, ok := commandStore(ctx, stderr, whenConfigured)
	if !ok {
		return 1
	}
	defer closeStore()
	log := newLogger(cfg, stderr)
	runner, err := jobs.NewRunner(reg, jobs.Deps{Config: cfg, Store: store, Log: log})
	if err != nil {
		fmt.Fprintln(stderr, "cohort:", err)
		return 1
	}
	if args[0] == "list" {
		if err := jobs.List(ctx, runner, stdout); err != nil {
			fmt.Fprintln(stderr, "cohort:", err)
			return 1
		}
		return 0
	}
	run, err := runner.RunNow(ctx, args[1], jobs.TriggerCLI)
	if err != nil {
		fmt.Fprintln(stderr, "cohort:", err)
		return 1
	}
	fmt.Fprintln(stdout, jobs.Describe(run))
	if run.Outcome != db.JobOK {
		return 1
	}
	return 0
}

// tokenCmd is `cohort token create --email E [--name N]`: it makes an API
// token for an existing, active person and prints it on stdout, once (only
// its hash is stored). The audit log records it with no actor.
func tokenCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "create" {
		return badUsage(stderr, "token needs: token create --email E [--name N]")
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "the person the token acts as")
	name := fs.String("name", "command line", "what the token is for")
	if err := fs.Parse(args[1:]); err != nil {
		return badUsage(stderr, "token create: "+err.Error())
	}
	if fs.NArg() > 0 || strings.TrimSpace(*email) == "" {
		return badUsage(stderr, "token create needs --email E (and takes only --name N besides)")
	}
	if n := strings.TrimSpace(*name); n == "" || len([]rune(n)) > api.MaxTokenName {
		return badUsage(stderr, fmt.Sprintf("token create: --name must be 1 to %d characters", api.MaxTokenName))
	}
	ctx := context.Background()
	_, store, closeStore, ok := commandStore(ctx, stderr, whenConfigured)
	if !ok {
		return 1
	}
	defer closeStore()
	p, err := store.PersonByEmail(ctx, *email)
	if errors.Is(err, db.ErrNotFound) {
		fmt.Fprintf(stderr, "cohort: no person has the email %s\n", db.NormalizeEmail(*email))
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "cohort:", err)
		return 1
	}
	if p.Status != db.PersonActive {
		fmt.Fprintf(stderr, "cohort: %s is disabled; a token would not work\n", p.Email)
		return 1
	}
	token, err := api.CreateToken(ctx, store, p.ID, 0, strings.TrimSpace(*name), "cli")
	if err != nil {
		fmt.Fprintln(stderr, "cohort:", err)
		return 1
	}
	fmt.Fprintln(stdout, token)
	fmt.Fprintf(stderr, "API token for %s created. It is shown only this once; it acts with %s's permissions.\n", p.Email, p.Email)
	return 0
}

// commandStore loads the configuration and opens the database for a
// one-shot command, migrating first when migrate says so. It reports any
// failure on stderr itself; close is nil then.
func commandStore(ctx context.Context, stderr io.Writer, migrate func(*config.Config) bool) (cfg *config.Config, store *db.Store, close func(), ok bool) {
	cfg, err := config.Load(".")
	if err == nil {
		store, err = openStore(ctx, cfg)
	}
	if err == nil && migrate(cfg) {
		if _, err = store.Migrate(ctx); err != nil {
			_ = store.Close()
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "cohort:", err)
		return nil, nil, nil, false
	}
	return cfg, store, func() { _ = store.Close() }, true
}

// always and whenConfigured are commandStore's migrate choices: seeding
// needs the schema; other commands honour MIGRATE_ON_START like serve.
func always(*config.Config) bool { return true }

func whenConfigured(c *config.Config) bool { return *c.MigrateOnStart }
