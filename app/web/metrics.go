package web

import (
	"crypto/subtle"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"cohort/app/metrics"
)

// countRequests records every request's method, route pattern, status and
// latency. It runs first, so the status it reads is the one the error
// handler chose. The route is the pattern Fiber matched (/programs/:slug),
// never the raw path, so the number of series stays bounded whatever
// clients ask for.
func (s *Server) countRequests(c *fiber.Ctx) error {
	start := time.Now()
	metrics.HTTPInFlight.Inc()
	defer metrics.HTTPInFlight.Dec()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		// Nothing below turned the error into a response (the access log
		// normally does); count what the error handler will send.
		status = fiber.StatusInternalServerError
		if fe, ok := err.(*fiber.Error); ok {
			status = fe.Code
		}
	}
	metrics.ObserveRequest(c.Method(), s.routeLabel(c), status, time.Since(start))
	return err
}

// routeLabel is the route pattern that answered c. Fiber reports the
// last route that ran, which for a request no endpoint handled is a
// middleware's ("/" for the catch-all 404 and for a refusal before
// routing); those share one label, so a client cannot mint label values.
func (s *Server) routeLabel(c *fiber.Ctx) string {
	if c.Locals(localUnmatched) != nil {
		return metrics.UnmatchedRoute
	}
	r := c.Route()
	if !s.endpoints()[r.Method+" "+r.Path] {
		return metrics.UnmatchedRoute
	}
	return r.Path
}

// localUnmatched marks a request the catch-all answered.
const localUnmatched = "cohort.unmatched"

// endpoints is the set of "METHOD pattern" of every registered endpoint
// (middleware excluded). Routes are all registered before the first
// request, which is when it is first read.
func (s *Server) endpoints() map[string]bool {
	s.endpointsOnce.Do(func() {
		s.endpointSet = map[string]bool{}
		for _, r := range s.app.GetRoutes(true) {
			s.endpointSet[r.Method+" "+r.Path] = true
		}
	})
	return s.endpointSet
}

// metricsEndpoint serves /metrics on the main port to a Bearer of
// METRICS_TOKEN (compared in constant time). It is registered only when the
// token is set, so without it the path is an ordinary 404.
func (s *Server) metricsEndpoint() fiber.Handler {
	h := adaptor.HTTPHandler(metrics.Handler(s.store))
	want := []byte("Bearer " + s.cfg.MetricsToken)
	return func(c *fiber.Ctx) error {
		got := []byte(strings.TrimSpace(c.Get(fiber.HeaderAuthorization)))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
			// A plain answer for a machine client, not the sign-in page.
			return c.Status(fiber.StatusUnauthorized).SendString("a valid metrics token is required\n")
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return h(c)
	}
}
