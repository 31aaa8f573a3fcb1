package web_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apptest"
	"cohort/app/web"
	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
	"cohort/static"
	"cohort/views"
)

// bare builds a server with extra test routes (registered before the
// catch-all, as features are).
func bare(t *testing.T, s *db.Store, routes func(r fiber.Router)) *web.Server {
	t.Helper()
	srv, err := web.New(apptest.Config(t, nil), s, apptest.Logger(), web.Options{Views: views.FS, Static: static.FS})
	if err != nil {
		t.Fatal(err)
	}
	routes(srv.Router())
	srv.NotFound()
	return srv
}

// A request in flight when SIGINT arrives completes with 200, and Serve
// returns only after it has (the trap: returning from main earlier kills it).
func TestGracefulShutdownOnSignal(t *testing.T) {
	s := dbtest.New(t, config.DialectSQLite)
	started := make(chan struct{})
	srv := bare(t, s, func(r fiber.Router) {
		r.Get("/slow", func(c *fiber.Ctx) error {
			close(started)
			time.Sleep(1500 * time.Millisecond)
			return c.SendString("finished")
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	type result struct {
		status int
		body   string
		err    error
		at     time.Time
	}
	got := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- result{err: err, at: time.Now()}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got <- result{status: res.StatusCode, body: string(b), at: time.Now()}
	}()
	<-started
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var serveErr error
	var returned time.Time
	select {
	case serveErr = <-served:
		returned = time.Now()
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after SIGINT")
	}
	r := <-got
	if r.err != nil || r.status != 200 || r.body != "finished" {
		t.Fatalf("in-flight request: %d %q %v; want 200 finished", r.status, r.body, r.err)
	}
	if serveErr != nil {
		t.Fatalf("Serve: %v", serveErr)
	}
	if returned.Before(r.at.Add(-50 * time.Millisecond)) {
		t.Fatal("Serve returned before the in-flight request finished")
	}
	// Once shutdown has begun the instance reports not ready.
	res, err := srv.App().Test(httpRequest("/readyz"))
	if err != nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz after shutdown = %v %v, want 503", res.StatusCode, err)
	}
}

func httpRequest(path string) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, path, nil)
	return req
}

func TestPanicBecomesLogged500(t *testing.T) {
	s := dbtest.New(t, config.DialectSQLite)
	srv := bare(t, s, func(r fiber.Router) {
		r.Get("/boom", func(c *fiber.Ctx) error { panic("secret internal detail") })
	})
	c := apptest.NewClient(t, srv)
	res := c.Get("/boom")
	if res.StatusCode != 500 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if strings.Contains(res.Body, "secret internal detail") {
		t.Fatal("panic value leaked to the user")
	}
	if id := res.Header.Get("X-Request-ID"); id == "" || !strings.Contains(res.Body, id) {
		t.Fatal("error page lacks the request id")
	}
	// The server keeps serving.
	if res := c.Get("/healthz"); res.StatusCode != 200 {
		t.Fatalf("after panic healthz = %d", res.StatusCode)
	}
}

func TestRequestIDKeptWhenSane(t *testing.T) {
	s := dbtest.New(t, config.DialectSQLite)
	srv := bare(t, s, func(fiber.Router) {})
	tests := []struct {
		in   string
		keep bool
	}{
		{"abcdef12-3456-7890", true},
		{"short", false},
		{"has spaces in it!!", false},
		{strings.Repeat("a", 65), false},
	}
	for _, tt := range tests {
		req := httpRequest("/healthz")
		req.Header.Set("X-Request-ID", tt.in)
		res, err := srv.App().Test(req)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Header.Get("X-Request-ID"); (got == tt.in) != tt.keep || got == "" {
			t.Errorf("request id %q → %q, keep=%v", tt.in, got, tt.keep)
		}
	}
}

// Behind fly the client address comes from Fly-Client-IP, but only when the
// connection comes from a configured proxy; anyone else's header is ignored.
func TestClientIPFromTrustedProxyOnly(t *testing.T) {
	s := dbtest.New(t, config.DialectSQLite)
	tests := []struct {
		name      string
		overrides map[string]string
		want      string
	}{
		// App.Test connections come from 0.0.0.0.
		{"trusted proxy", map[string]string{"TRUSTED_PROXIES": "0.0.0.0", "PROXY_HEADER": "Fly-Client-IP"}, "203.0.113.9"},
		{"untrusted peer", map[string]string{"TRUSTED_PROXIES": "10.0.0.1", "PROXY_HEADER": "Fly-Client-IP"}, "0.0.0.0"},
		{"no proxy configured", nil, "0.0.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := web.New(apptest.Config(t, tt.overrides), s, apptest.Logger(), web.Options{Views: views.FS, Static: static.FS})
			if err != nil {
				t.Fatal(err)
			}
			srv.Router().Get("/ip", func(c *fiber.Ctx) error { return c.SendString(c.IP()) })
			req := httpRequest("/ip")
			req.Header.Set("Fly-Client-IP", "203.0.113.9")
			res, err := srv.App().Test(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			if string(b) != tt.want {
				t.Fatalf("client IP = %q, want %q", b, tt.want)
			}
		})
	}
}

// Cancelling at any moment of start-up, even before the server accepts,
// ends Serve within SHUTDOWN_TIMEOUT (Fiber ignores a Shutdown that comes
// before its server is listening, and would otherwise serve forever).
func TestServeStopsWhenCancelledDuringStartup(t *testing.T) {
	s := dbtest.New(t, config.DialectSQLite)
	for i := range 20 {
		t.Run(fmt.Sprint("try ", i), func(t *testing.T) {
			srv, err := web.New(apptest.Config(t, map[string]string{"SHUTDOWN_TIMEOUT": "2s"}), s, apptest.Logger(),
				web.Options{Views: views.FS, Static: static.FS})
			if err != nil {
				t.Fatal(err)
			}
			srv.NotFound()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			// From "already cancelled" to a few hundred microseconds in.
			when := "already cancelled"
			if i < 5 {
				cancel()
			} else {
				delay := time.Duration(i%5) * 100 * time.Microsecond
				when = "cancelled after " + delay.String()
				time.AfterFunc(delay, cancel)
			}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ctx, ln) }()
			select {
			case <-served:
			case <-time.After(4 * time.Second):
				cancel()
				_ = srv.App().Shutdown()
				_ = ln.Close()
				t.Fatalf("Serve still running 4s after being %s; SHUTDOWN_TIMEOUT is 2s", when)
			}
			// And nothing answers any more.
			if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
				c.Close()
				t.Fatal("the listener still accepts after Serve returned")
			}
		})
	}
}

// A client on a kept-alive connection sending POSTs through the shutdown
// loses none: during SHUTDOWN_DRAIN_DELAY every response says Connection:
// close and the listener still accepts, so the client reconnects instead of
// writing into a connection the server is closing. It stops, like a proxy,
// once /readyz says 503 and a little after.
func TestLameDuckKeepAlivePOSTsSurviveShutdown(t *testing.T) {
	s := dbtest.New(t, config.DialectSQLite)
	srv, err := web.New(apptest.Config(t, map[string]string{"SHUTDOWN_DRAIN_DELAY": "3s", "SHUTDOWN_TIMEOUT": "5s"}),
		s, apptest.Logger(), web.Options{Views: views.FS, Static: static.FS})
	if err != nil {
		t.Fatal(err)
	}
	srv.Router().Post("/api/echo", func(c *fiber.Ctx) error { return c.Send(c.Body()) })
	srv.NotFound()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	post := func(i int) (closeHdr bool, err error) {
		body := fmt.Sprintf("step %d", i)
		req, _ := http.NewRequest(http.MethodPost, base+"/api/echo", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer test")
		res, err := client.Do(req)
		if err != nil {
			return false, err
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return false, err
		}
		if res.StatusCode != 200 || string(b) != body {
			return false, fmt.Errorf("POST %d: %d %q", i, res.StatusCode, b)
		}
		return res.Close, nil
	}
	var sent, closes int
	var cancelledAt, notReadyAt time.Time
	for i := 0; ; i++ {
		if i == 50 {
			cancelledAt = time.Now()
			cancel() // SIGTERM, as serve sees it
		}
		closeHdr, err := post(i)
		if err != nil {
			t.Fatalf("POST %d failed %v after shutdown began: %v", i, time.Since(cancelledAt), err)
		}
		sent++
		if closeHdr {
			closes++
		}
		if !cancelledAt.IsZero() && notReadyAt.IsZero() && i%10 == 0 {
			res, err := client.Get(base + "/readyz")
			if err != nil {
				t.Fatalf("readyz during the drain: %v", err)
			}
			res.Body.Close()
			if res.StatusCode == http.StatusServiceUnavailable {
				notReadyAt = time.Now()
			}
		}
		// A proxy's health check notices, then it sends elsewhere.
		if !notReadyAt.IsZero() && time.Since(notReadyAt) > 200*time.Millisecond {
			break
		}
		if !cancelledAt.IsZero() && time.Since(cancelledAt) > 10*time.Second {
			t.Fatal("readyz never answered 503")
		}
	}
	if closes == 0 {
		t.Error("no response during the drain said Connection: close")
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if took := time.Since(cancelledAt); took < 3*time.Second {
		t.Errorf("Serve returned %v after cancel, before SHUTDOWN_DRAIN_DELAY (3s) was over", took)
	}
	t.Logf("%d POSTs, %d answered with Connection: close", sent, closes)
}
