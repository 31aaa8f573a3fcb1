package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// execMainEnv makes the test binary run the command line it was given
// instead of the tests, so a test can start `cohort serve` as a real process
// and signal it.
const execMainEnv = "COHORT_TEST_EXEC_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(execMainEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// lockedBuffer is a bytes.Buffer that the process writes while the test
// reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe starts `cohort serve` as a child process on a fresh port.
func startServe(t *testing.T, dbPath string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(os.Environ(),
		execMainEnv+"=1",
		"APP_ENV=test",
		"DATABASE_URL=sqlite:"+dbPath,
		"PORT="+strconv.Itoa(freePort(t)),
		"SHUTDOWN_TIMEOUT=3s",
		"LOG_LEVEL=info",
	)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// waitExit waits up to limit for cmd to end; past it the process is killed
// and the test fails.
func waitExit(t *testing.T, cmd *exec.Cmd, out *lockedBuffer, limit time.Duration, what string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err == nil {
			return
		}
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM {
				return // signalled before serve listened for signals: the default action
			}
		}
		t.Errorf("%s: serve ended with %v:\n%s", what, err, out)
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		<-done
		t.Errorf("%s: serve still running %v after SIGTERM (SHUTDOWN_TIMEOUT is 3s):\n%s", what, limit, out)
	}
}

// A SIGTERM at any moment of start-up — before the signal handler, during
// migrations, just before or after the listener starts — ends serve within
// SHUTDOWN_TIMEOUT.
func TestServeExitsOnSignalDuringStartup(t *testing.T) {
	if testing.Short() {
		t.Skip("starts serve 21 times")
	}
	dbPath := filepath.Join(t.TempDir(), "c.db")
	const limit = 6 * time.Second // SHUTDOWN_TIMEOUT 3s plus slack for a loaded machine

	// The first start migrates the database; the second measures how long
	// start-up takes here, up to "cohort listening". Each is then stopped
	// right after that line (Fiber had not always started accepting yet).
	var startup time.Duration
	for _, what := range []string{"first start", "second start"} {
		cmd, out := startServe(t, dbPath)
		began := time.Now()
		for !strings.Contains(out.String(), "cohort listening") {
			if time.Since(began) > 30*time.Second {
				_ = cmd.Process.Kill()
				t.Fatalf("serve did not start:\n%s", out)
			}
			time.Sleep(200 * time.Microsecond)
		}
		startup = time.Since(began)
		_ = cmd.Process.Signal(syscall.SIGTERM)
		waitExit(t, cmd, out, limit, what)
	}

	const tries = 20
	for i := range tries {
		// Spread over the start-up, and a little beyond it.
		delay := startup * time.Duration(i) / (tries - 4)
		t.Run(fmt.Sprintf("SIGTERM after %v", delay.Round(time.Microsecond)), func(t *testing.T) {
			cmd, out := startServe(t, dbPath)
			time.Sleep(delay)
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			waitExit(t, cmd, out, limit, "SIGTERM after "+delay.String())
		})
	}
	t.Logf("start-up took %v", startup)
}
