// Package web is Cohort's HTTP layer: the Fiber app, its middleware chain,
// rendering (full page or htmx partial), errors, sessions, CSRF and static
// files. Feature packages (auth, enroll, staff, …) register their routes on
// a Server and use its helpers; they hold no HTTP plumbing of their own.
package web

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/session"

	"cohort/config"
	"cohort/db"
)

// Server is the HTTP server and the helpers handlers share.
type Server struct {
	app      *fiber.App
	cfg      *config.Config
	store    *db.Store
	log      *slog.Logger
	assets   *Assets
	sessions *session.Store
	// sessionStorage is the sessions table as fiber's Storage; loadSession
	// reads it directly and decodes through sessionCache.
	sessionStorage sessionStorage
	sessionCache   sessionCache
	// enrollmentIn names the enrollment a request path is about (0 for
	// none), so loadSession reads it along with the session.
	enrollmentIn func(path string) int64
	baseOrigin   string
	shuttingDown atomic.Bool
	// When each deployment warning was last logged (see deployWarnings).
	warnedPlainHTTP, warnedHostMismatch atomic.Int64
	// endpointsOnce builds endpointSet, the routes request metrics name.
	endpointsOnce sync.Once
	endpointSet   map[string]bool
}

// Options are the embedded trees the server serves.
type Options struct {
	Views  fs.FS
	Static fs.FS
}

// New builds the server with its middleware chain and the routes that
// belong to no feature (health, static files). Features add theirs with
// Router.
func New(cfg *config.Config, store *db.Store, log *slog.Logger, o Options) (*Server, error) {
	assets, err := LoadAssets(o.Static)
	if err != nil {
		return nil, err
	}
	engine, err := newEngine(o.Views, assets, false)
	if err != nil {
		return nil, fmt.Errorf("views: %w", err)
	}
	s := &Server{cfg: cfg, store: store, log: log, assets: assets}
	s.baseOrigin = cfg.BaseURL
	s.sessionStorage = sessionStorage{store: store}
	s.sessions = newSessionStore(s)
	s.app = fiber.New(fiber.Config{
		AppName: "cohort",
		// Fiber's strings point into pooled buffers by default; copies are
		// the price of never seeing another request's data.
		Immutable:               true,
		Views:                   engine,
		ErrorHandler:            s.handleError,
		BodyLimit:               hardBodyLimit(cfg), // BODY_LIMIT: see limitBody
		ReadTimeout:             cfg.ReadTimeout,
		WriteTimeout:            cfg.WriteTimeout,
		IdleTimeout:             cfg.IdleTimeout,
		EnableTrustedProxyCheck: true,
		TrustedProxies:          cfg.TrustedProxies,
		ProxyHeader:             cfg.ProxyHeader,
		DisableStartupMessage:   true,
		ReadBufferSize:          16 * 1024,
	})
	s.app.Server().ErrorHandler = s.serverError
	s.app.Use(s.countRequests, s.lameDuck, requestID, s.accessLog, s.recoverer, s.securityHeaders, s.deadline,
		compress.New(compress.Config{Level: compress.LevelBestSpeed}))
	s.app.Get("/healthz", s.healthz)
	s.app.Get("/readyz", s.readyz)
	if cfg.MetricsToken != "" {
		s.app.Get("/metrics", s.metricsEndpoint())
	}
	s.app.Get("/static/*", s.assets.Handler)
	s.app.Use(noStore, s.deployWarnings, s.limitBody, s.rejectControlChars, s.csrf, s.loadSession)
	return s, nil
}

// Router is where features register routes; everything on it has passed
// CSRF and session loading.
func (s *Server) Router() fiber.Router { return s.app }

// App is the underlying Fiber app (tests drive it with App().Test).
func (s *Server) App() *fiber.App { return s.app }

// Config is the running configuration.
func (s *Server) Config() *config.Config { return s.cfg }

// Store is the database.
func (s *Server) Store() *db.Store { return s.store }

// Log is the server's logger.
func (s *Server) Log() *slog.Logger { return s.log }

// NotFound is the catch-all, registered last.
func (s *Server) NotFound() {
	s.app.Use(func(c *fiber.Ctx) error { c.Locals(localUnmatched, true); return fiber.ErrNotFound })
}

// Serve answers on ln until ctx is cancelled, then shuts down in three
// steps:
//
//  1. lame duck, for SHUTDOWN_DRAIN_DELAY: /readyz answers 503 and every
//     response carries Connection: close, while the listener still accepts.
//     A proxy holding a kept-alive connection to us learns to stop using it
//     from a response, instead of sending a request into a connection we
//     close at the same moment (a POST it cannot retry);
//  2. the listener closes and in-flight requests get SHUTDOWN_TIMEOUT to
//     finish;
//  3. Serve returns, only after they have: returning while requests are
//     still draining is what kills them.
//
// Serve owns ln and closes it itself, so a cancellation that comes before
// the server is accepting (Fiber's Shutdown is a no-op then, and the server
// would go on serving) still ends it.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listener(ln) }()
	select {
	case err := <-errc:
		_ = ln.Close()
		return err
	case <-ctx.Done():
	}
	s.shuttingDown.Store(true)
	start := time.Now()
	var served error
	stopped := false
	if d := *s.cfg.ShutdownDrainDelay; d > 0 {
		s.log.Info("shutting down: lame duck, closing connections as requests finish", "drain_delay", d.String())
		select {
		case <-time.After(d):
		case served = <-errc:
			stopped = true
		}
	}
	s.log.Info("shutting down: draining requests", "timeout", s.cfg.ShutdownTimeout.String())
	err := s.app.ShutdownWithTimeout(s.cfg.ShutdownTimeout)
	// Closing ln stops a server that had not started accepting when
	// Shutdown ran (and is harmless when Shutdown closed it already).
	_ = ln.Close()
	if !stopped {
		select {
		case served = <-errc:
		case <-time.After(s.cfg.ShutdownTimeout):
			served = errors.New("http server did not stop within SHUTDOWN_TIMEOUT")
		}
	}
	if served != nil && !errors.Is(served, net.ErrClosed) && err == nil {
		err = served
	}
	s.log.Info("http server stopped", "took", time.Since(start).Round(time.Millisecond).String())
	return err
}

// lameDuck makes every response close its connection once shutdown has
// begun, so keep-alive clients reconnect (to another instance) instead of
// reusing a connection that is about to go away.
func (s *Server) lameDuck(c *fiber.Ctx) error {
	if s.shuttingDown.Load() {
		c.Context().SetConnectionClose()
	}
	return c.Next()
}
