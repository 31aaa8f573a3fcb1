package main

// Deployment checks. No Docker engine or flyctl runs in CI, so the Dockerfile,
// .dockerignore and fly.toml are checked here by reading them: against each
// other (port, binary path, stage names) and against the app itself (default
// SHUTDOWN_TIMEOUT, production config validation, CLI subcommands, the Go
// version in go.mod). TestDeployChecksCatchBreakage breaks the files on
// purpose and expects these checks to notice, so they cannot rot into
// always-passing.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"cohort/config"
)

// deployFiles is the raw text of the files under test.
type deployFiles struct {
	fly, dockerfile, dockerignore, gomod string
}

func readDeployFiles(t *testing.T) deployFiles {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return deployFiles{
		fly:          read("fly.toml"),
		dockerfile:   read("Dockerfile"),
		dockerignore: read(".dockerignore"),
		gomod:        read("go.mod"),
	}
}

// deployment is the parsed form of deployFiles plus what the build needs.
type deployment struct {
	fly    flyConfig
	stages []dockerStage
	ignore []ignorePattern
	// goMinor is go.mod's language version as "major.minor", e.g. "1.26".
	goMinor string
	// buildInputs are the repo-relative files `go build .` reads.
	buildInputs []string
}

func parseDeployment(f deployFiles, buildInputs []string) (*deployment, error) {
	d := &deployment{buildInputs: buildInputs}
	if _, err := toml.Decode(f.fly, &d.fly); err != nil {
		return nil, fmt.Errorf("fly.toml: %w", err)
	}
	var err error
	if d.stages, err = parseDockerfile(f.dockerfile); err != nil {
		return nil, fmt.Errorf("Dockerfile: %w", err)
	}
	if d.ignore, err = parseDockerignore(f.dockerignore); err != nil {
		return nil, fmt.Errorf(".dockerignore: %w", err)
	}
	m := regexp.MustCompile(`(?m)^go\s+(\d+\.\d+)`).FindStringSubmatch(f.gomod)
	if m == nil {
		return nil, errors.New("go.mod: no go directive")
	}
	d.goMinor = m[1]
	return d, nil
}

// goBuildInputs lists the files `go build` reads: go.mod, go.sum and, for
// every package in the module, its Go files and embedded files.
func goBuildInputs(t *testing.T) []string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	const tmpl = `{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}
{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}
{{end}}`
	out, err := exec.Command("go", "list", "-f", tmpl, "./...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	files := []string{"go.mod", "go.sum"}
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" {
			continue
		}
		rel, err := filepath.Rel(wd, filepath.FromSlash(line))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, filepath.ToSlash(rel))
	}
	return files
}

// deployCheck is one named assertion about the deployment files.
type deployCheck struct {
	name  string
	check func(d *deployment) error
}

// deployChecks is the table TestDeployConfig runs and
// TestDeployChecksCatchBreakage refers to by name.
var deployChecks = []deployCheck{
	// fly.toml
	{"fly/port", checkPort},
	{"fly/release_command", func(d *deployment) error {
		// Runs as ENTRYPOINT + this, i.e. `/cohort migrate up`.
		if got := d.fly.Deploy.ReleaseCommand; got != "migrate up" {
			return fmt.Errorf("[deploy] release_command = %q, want %q", got, "migrate up")
		}
		return nil
	}},
	{"fly/kill_signal", func(d *deployment) error {
		// serve drains only on these two (signal.NotifyContext in main.go).
		sig := d.fly.KillSignal
		if sig == "" {
			sig = "SIGINT" // fly's default
		}
		if sig != "SIGINT" && sig != "SIGTERM" {
			return fmt.Errorf("kill_signal = %q: the app drains on SIGINT or SIGTERM only", sig)
		}
		return nil
	}},
	{"fly/kill_timeout", func(d *deployment) error {
		kt, err := flyDuration(d.fly.KillTimeout)
		if err != nil {
			return fmt.Errorf("kill_timeout: %w", err)
		}
		def, err := config.FromMap(map[string]string{})
		if err != nil {
			return err
		}
		prod, err := productionConfig(d)
		if err != nil {
			return err
		}
		// fly sends SIGKILL kill_timeout after kill_signal: it must outlast
		// the lame-duck period and the drain after it, or in-flight
		// requests are cut off mid-response.
		for _, c := range []*config.Config{def, prod} {
			if need := *c.ShutdownDrainDelay + c.ShutdownTimeout; kt <= need {
				return fmt.Errorf("kill_timeout %s must exceed SHUTDOWN_DRAIN_DELAY %s + SHUTDOWN_TIMEOUT %s",
					kt, *c.ShutdownDrainDelay, c.ShutdownTimeout)
			}
		}
		return nil
	}},
	{"fly/app_env", func(d *deployment) error {
		if got := d.fly.Env["APP_ENV"]; got != config.EnvProduction {
			return fmt.Errorf("[env] APP_ENV = %v, want %q", got, config.EnvProduction)
		}
		return nil
	}},
	{"fly/readiness_check", func(d *deployment) error {
		for _, c := range d.fly.HTTPService.Checks {
			if c.Path != "/readyz" {
				continue
			}
			if c.Method != "" && !strings.EqualFold(c.Method, "GET") {
				return fmt.Errorf("/readyz check uses method %q, want GET", c.Method)
			}
			interval, err := time.ParseDuration(c.Interval)
			if err != nil {
				return fmt.Errorf("/readyz check interval: %w", err)
			}
			timeout, err := time.ParseDuration(c.Timeout)
			if err != nil {
				return fmt.Errorf("/readyz check timeout: %w", err)
			}
			if timeout <= 0 || timeout >= interval {
				return fmt.Errorf("/readyz check timeout %s must be positive and below interval %s", timeout, interval)
			}
			return nil
		}
		return errors.New("no [[http_service.checks]] with path = \"/readyz\"")
	}},
	{"fly/force_https", func(d *deployment) error {
		// Production cookies are Secure; plain http would lose the session.
		if !d.fly.HTTPService.ForceHTTPS {
			return errors.New("[http_service] force_https must be true")
		}
		return nil
	}},
	{"fly/concurrency", func(d *deployment) error {
		c := d.fly.HTTPService.Concurrency
		if c.Type != "requests" || c.SoftLimit <= 0 || c.HardLimit < c.SoftLimit {
			return fmt.Errorf("[http_service.concurrency] = %+v, want type requests and 0 < soft_limit <= hard_limit", c)
		}
		return nil
	}},
	{"fly/dockerfile", func(d *deployment) error {
		if df := d.fly.Build.Dockerfile; df != "" && path.Clean(df) != "Dockerfile" {
			return fmt.Errorf("[build] dockerfile = %q, want the Dockerfile this test checks", df)
		}
		if d.fly.Build.Image != "" {
			return fmt.Errorf("[build] image = %q would deploy a prebuilt image instead of the Dockerfile", d.fly.Build.Image)
		}
		return nil
	}},
	{"fly/no_secrets_in_env", func(d *deployment) error {
		// fly.toml is committed; these belong in `fly secrets set`.
		for _, k := range []string{"DATABASE_URL", "SECRET_KEY", "PAIR_ID_HASH_SECRET", "SMTP_PASSWORD", "OIDC_CLIENT_SECRET"} {
			if _, ok := d.fly.Env[k]; ok {
				return fmt.Errorf("[env] sets %s: use `fly secrets set` instead", k)
			}
		}
		return nil
	}},
	{"fly/metrics", func(d *deployment) error {
		// fly's Prometheus scrapes [metrics] over the private network; the
		// app serves it there only when METRICS_PORT names that port, and it
		// must never be the public http_service port (no token there).
		prod, err := productionConfig(d)
		if err != nil {
			return err
		}
		m := d.fly.Metrics
		if m.Port == 0 || m.Port != prod.MetricsPort || m.Path != "/metrics" {
			return fmt.Errorf("[metrics] port = %d, path = %q; want METRICS_PORT (%d) and /metrics", m.Port, m.Path, prod.MetricsPort)
		}
		if m.Port == d.fly.HTTPService.InternalPort {
			return fmt.Errorf("[metrics] port %d is the public internal_port", m.Port)
		}
		return nil
	}},
	{"fly/production_config_valid", func(d *deployment) error {
		// The image ENV plus fly [env] plus the documented secrets must pass
		// the app's production validation (TRUSTED_PROXIES CIDRs, …).
		_, err := productionConfig(d)
		return err
	}},

	// Dockerfile
	{"docker/stages", func(d *deployment) error {
		if len(d.stages) < 2 {
			return fmt.Errorf("%d stage(s), want a build stage and a separate runtime stage", len(d.stages))
		}
		return nil
	}},
	{"docker/build_stage", func(d *deployment) error {
		b, run, err := buildStage(d)
		if err != nil {
			return err
		}
		if !regexp.MustCompile(`(^|\s)CGO_ENABLED=0(\s|$)`).MatchString(run) && b.env(d.stages)["CGO_ENABLED"] != "0" {
			return errors.New("the go build step does not set CGO_ENABLED=0 (the distroless/static image has no libc)")
		}
		ldflags := goBuildFlag(run, "-ldflags")
		if !strings.Contains(ldflags, "-X main.version=") {
			return fmt.Errorf("go build -ldflags %q does not set main.version", ldflags)
		}
		_ = version // the variable -X main.version sets; fails to compile if renamed
		if !strings.Contains(run, "-trimpath") {
			return errors.New("go build lacks -trimpath")
		}
		return nil
	}},
	{"docker/go_version", func(d *deployment) error {
		b, _, err := buildStage(d)
		if err != nil {
			return err
		}
		base := d.resolveBase(b)
		repo, tag, _ := strings.Cut(base, ":")
		if path.Base(repo) != "golang" {
			return fmt.Errorf("build stage image %q is not golang", base)
		}
		// GOTOOLCHAIN=local in the official image: an older Go refuses go.mod.
		if tag != d.goMinor && !strings.HasPrefix(tag, d.goMinor+".") && !strings.HasPrefix(tag, d.goMinor+"-") {
			return fmt.Errorf("build stage image %q does not match go.mod's go %s", base, d.goMinor)
		}
		return nil
	}},
	{"docker/cross_compile", func(d *deployment) error {
		b, run, err := buildStage(d)
		if err != nil {
			return err
		}
		// A build stage on $BUILDPLATFORM must target $TARGETOS/$TARGETARCH,
		// or an arm64 image would contain an amd64 binary.
		if !strings.Contains(b.Platform, "BUILDPLATFORM") {
			return nil
		}
		env := b.env(d.stages)
		for k, arg := range map[string]string{"GOOS": "TARGETOS", "GOARCH": "TARGETARCH"} {
			want := regexp.MustCompile(`(^|\s)` + k + `=\$\{?` + arg + `\}?(\s|$)`)
			if !want.MatchString(run) && !strings.Contains(env[k], arg) {
				return fmt.Errorf("build stage runs on $BUILDPLATFORM but go build does not set %s=$%s", k, arg)
			}
		}
		return nil
	}},
	{"docker/final_stage_base", func(d *deployment) error {
		final := &d.stages[len(d.stages)-1]
		repo, _, _ := strings.Cut(d.resolveBase(final), ":")
		if path.Base(repo) == "golang" {
			return fmt.Errorf("final stage is based on %q: ship the binary, not the toolchain", final.Base)
		}
		return nil
	}},
	{"docker/final_stage_user", func(d *deployment) error {
		final := &d.stages[len(d.stages)-1]
		var user string
		for _, in := range final.chain(d.stages) {
			if in.Cmd == "USER" {
				user = strings.TrimSpace(in.Args)
			}
		}
		name, _, _ := strings.Cut(user, ":")
		if name == "" || name == "root" || name == "0" {
			return fmt.Errorf("final stage USER is %q, want an explicit unprivileged user", user)
		}
		return nil
	}},
	{"docker/final_stage_copies_binary", func(d *deployment) error {
		_, err := d.binaryPath()
		return err
	}},
	{"docker/entrypoint", func(d *deployment) error {
		bin, err := d.binaryPath()
		if err != nil {
			return err
		}
		ep, err := d.finalExec("ENTRYPOINT")
		if err != nil {
			return err
		}
		if len(ep) != 1 || ep[0] != bin {
			return fmt.Errorf("ENTRYPOINT %q, want [%q] (the copied binary, so CMD and release_command are its arguments)", ep, bin)
		}
		return nil
	}},
	{"docker/cmd", func(d *deployment) error {
		cmd, err := d.finalExec("CMD")
		if err != nil {
			return err
		}
		if !slices.Equal(cmd, []string{"serve"}) {
			return fmt.Errorf("CMD %q, want [\"serve\"]", cmd)
		}
		return nil
	}},

	// .dockerignore
	{"dockerignore/excludes", func(d *deployment) error {
		for _, p := range []string{".git", ".git/HEAD", "data", "data/cohort.db", ".env", ".env.local"} {
			if !dockerignored(d.ignore, p) {
				return fmt.Errorf("%s is not excluded from the build context", p)
			}
		}
		return nil
	}},
	{"dockerignore/keeps_build_inputs", func(d *deployment) error {
		if len(d.buildInputs) < 3 {
			return fmt.Errorf("suspiciously few build inputs: %q", d.buildInputs)
		}
		var lost []string
		for _, f := range d.buildInputs {
			if dockerignored(d.ignore, f) {
				lost = append(lost, f)
			}
		}
		if len(lost) > 0 {
			return fmt.Errorf("excludes files go build needs: %q", lost)
		}
		return nil
	}},
}

// checkPort: fly routes to internal_port, the app listens on PORT; the image
// and fly must agree on both.
func checkPort(d *deployment) error {
	port := d.fly.HTTPService.InternalPort
	if port == 0 {
		return errors.New("[http_service] internal_port is not set")
	}
	final := &d.stages[len(d.stages)-1]
	if got := final.env(d.stages)["PORT"]; got != strconv.Itoa(port) {
		return fmt.Errorf("image ENV PORT = %q, fly internal_port = %d", got, port)
	}
	if v, ok := d.fly.Env["PORT"]; ok && fmt.Sprint(v) != strconv.Itoa(port) {
		return fmt.Errorf("fly [env] PORT = %v, internal_port = %d", v, port)
	}
	var exposed []string
	for _, in := range final.Instrs {
		if in.Cmd == "EXPOSE" {
			for _, p := range strings.Fields(in.Args) {
				exposed = append(exposed, strings.TrimSuffix(p, "/tcp"))
			}
		}
	}
	if !slices.Contains(exposed, strconv.Itoa(port)) {
		return fmt.Errorf("EXPOSE %q does not include fly internal_port %d", exposed, port)
	}
	cfg, err := productionConfig(d)
	if err != nil {
		return err
	}
	if cfg.Port != port {
		return fmt.Errorf("the app would listen on %d, fly routes to %d", cfg.Port, port)
	}
	return nil
}

// productionConfig builds the Config a fly machine would get: image ENV, then
// fly [env], then placeholder values for the secrets the operator sets.
func productionConfig(d *deployment) (*config.Config, error) {
	vars := map[string]string{}
	if len(d.stages) > 0 {
		final := &d.stages[len(d.stages)-1]
		for k, v := range final.env(d.stages) {
			vars[k] = v
		}
	}
	for k, v := range d.fly.Env {
		vars[k] = fmt.Sprint(v)
	}
	for k, v := range map[string]string{
		"BASE_URL":            "https://cohort.example.org",
		"DATABASE_URL":        "postgres://cohort:pw@cohort-db.flycast:5432/cohort",
		"SECRET_KEY":          strings.Repeat("s", 64),
		"PAIR_ID_HASH_SECRET": strings.Repeat("p", 64),
		"SMTP_HOST":           "smtp.example.org",
		"SMTP_USERNAME":       "cohort",
		"SMTP_PASSWORD":       "placeholder",
	} {
		if _, ok := vars[k]; !ok {
			vars[k] = v
		}
	}
	cfg, err := config.FromMap(vars)
	if err != nil {
		return nil, fmt.Errorf("production configuration from Dockerfile + fly.toml: %w", err)
	}
	return cfg, nil
}

func TestDeployConfig(t *testing.T) {
	d, err := parseDeployment(readDeployFiles(t), goBuildInputs(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range deployChecks {
		t.Run(c.name, func(t *testing.T) {
			if err := c.check(d); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestDeployChecksCatchBreakage applies one plausible mistake at a time to the
// real files and expects the named check (or parsing) to fail.
func TestDeployChecksCatchBreakage(t *testing.T) {
	orig := readDeployFiles(t)
	inputs := goBuildInputs(t)
	tests := []struct {
		name      string
		file      string // "fly", "docker" or "ignore"
		old, new  string // old "" appends new
		wantCheck string
	}{
		{"port mismatch", "fly", "internal_port = 8080", "internal_port = 3000", "fly/port"},
		{"release runs status", "fly", `release_command = "migrate up"`, `release_command = "migrate status"`, "fly/release_command"},
		{"kill signal unhandled", "fly", `kill_signal = "SIGINT"`, `kill_signal = "SIGUSR1"`, "fly/kill_signal"},
		{"kill timeout below drain", "fly", `kill_timeout = "30s"`, `kill_timeout = "20s"`, "fly/kill_timeout"},
		{"kill timeout below lame duck plus drain", "fly", `kill_timeout = "30s"`, `kill_timeout = "24s"`, "fly/kill_timeout"},
		{"kill timeout as seconds too short", "fly", `kill_timeout = "30s"`, `kill_timeout = 5`, "fly/kill_timeout"},
		{"not production", "fly", `APP_ENV = "production"`, `APP_ENV = "development"`, "fly/app_env"},
		{"checks liveness only", "fly", `path = "/readyz"`, `path = "/healthz"`, "fly/readiness_check"},
		{"plain http", "fly", "force_https = true", "force_https = false", "fly/force_https"},
		{"bad proxy range", "fly", `"fdaa::/16,172.16.0.0/12"`, `"fdaa::/16,fly"`, "fly/production_config_valid"},
		{"metrics not scraped where served", "fly", "port = 9091 # = METRICS_PORT above", "port = 9092", "fly/metrics"},
		{"metrics on the public port", "fly", `METRICS_PORT = "9091"`, `METRICS_PORT = "8080"`, "fly/metrics"},
		{"secret committed", "fly", "[env]\n", "[env]\n  SECRET_KEY = \"0123456789abcdef0123456789abcdef\"\n", "fly/no_secrets_in_env"},

		{"single stage", "docker", "FROM gcr.io/distroless/static-debian12:nonroot\n", "", "docker/stages"},
		{"cgo on", "docker", "CGO_ENABLED=0 GOOS", "GOOS", "docker/build_stage"},
		{"no version stamp", "docker", " -X main.version=${VERSION}", "", "docker/build_stage"},
		{"go too old", "docker", "golang:1.26-bookworm", "golang:1.22-bookworm", "docker/go_version"},
		{"no cross compile", "docker", " GOARCH=$TARGETARCH", "", "docker/cross_compile"},
		{"ships toolchain", "docker", "FROM gcr.io/distroless/static-debian12:nonroot", "FROM golang:1.26-bookworm", "docker/final_stage_base"},
		{"runs as root", "docker", "USER nonroot:nonroot", "USER root", "docker/final_stage_user"},
		{"runs as uid 0", "docker", "USER nonroot:nonroot", "USER 0:0", "docker/final_stage_user"},
		{"no explicit user", "docker", "USER nonroot:nonroot\n", "", "docker/final_stage_user"},
		{"binary from context", "docker", "COPY --from=build /out/cohort /cohort", "COPY /out/cohort /cohort", "docker/final_stage_copies_binary"},
		{"binary path mismatch", "docker", "COPY --from=build /out/cohort /cohort", "COPY --from=build /out/cohort /usr/bin/cohort", "docker/entrypoint"},
		{"shell-form entrypoint", "docker", `ENTRYPOINT ["/cohort"]`, "ENTRYPOINT /cohort", "docker/entrypoint"},
		{"default command not serve", "docker", `CMD ["serve"]`, `CMD ["migrate", "up"]`, "docker/cmd"},
		{"exposes wrong port", "docker", "EXPOSE 8080", "EXPOSE 3000", "fly/port"},
		{"image port differs", "docker", "PORT=8080 \\", "PORT=3000 \\", "fly/port"},

		{"ships git history", "ignore", "\n.git\n", "\n", "dockerignore/excludes"},
		{"ships local data", "ignore", "\ndata\n", "\n", "dockerignore/excludes"},
		{"excludes embedded assets", "ignore", "", "\nstatic\n", "dockerignore/keeps_build_inputs"},
		{"excludes go sources", "ignore", "", "\n*.go\n", "dockerignore/keeps_build_inputs"},
		{"re-includes git", "ignore", "", "\n!.git\n", "dockerignore/excludes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := orig
			target := map[string]*string{
				"fly": &files.fly, "docker": &files.dockerfile, "ignore": &files.dockerignore,
			}[tt.file]
			if target == nil {
				t.Fatalf("unknown file %q", tt.file)
			}
			if tt.old == "" {
				*target += tt.new
			} else {
				if n := strings.Count(*target, tt.old); n != 1 {
					t.Fatalf("mutation is stale: %q occurs %d times, want once", tt.old, n)
				}
				*target = strings.Replace(*target, tt.old, tt.new, 1)
			}
			d, err := parseDeployment(files, inputs)
			if err != nil {
				return // unparseable counts as caught
			}
			for _, c := range deployChecks {
				if c.name == tt.wantCheck {
					if err := c.check(d); err == nil {
						t.Errorf("check %s passed on the broken files", c.name)
					} else {
						t.Logf("%s: %v", c.name, err)
					}
					return
				}
			}
			t.Fatalf("no check named %q", tt.wantCheck)
		})
	}
}

// ---- fly.toml ----------------------------------------------------------------

// flyConfig is the part of fly.toml the checks read.
type flyConfig struct {
	App           string `toml:"app"`
	PrimaryRegion string `toml:"primary_region"`
	KillSignal    string `toml:"kill_signal"`
	// KillTimeout is a duration string ("30s") or whole seconds (30).
	KillTimeout any `toml:"kill_timeout"`
	Build       struct {
		Dockerfile string `toml:"dockerfile"`
		Image      string `toml:"image"`
	} `toml:"build"`
	Deploy struct {
		ReleaseCommand string `toml:"release_command"`
		Strategy       string `toml:"strategy"`
	} `toml:"deploy"`
	Env     map[string]any `toml:"env"`
	Metrics struct {
		Port int    `toml:"port"`
		Path string `toml:"path"`
	} `toml:"metrics"`
	HTTPService struct {
		InternalPort int  `toml:"internal_port"`
		ForceHTTPS   bool `toml:"force_https"`
		Concurrency  struct {
			Type      string `toml:"type"`
			SoftLimit int    `toml:"soft_limit"`
			HardLimit int    `toml:"hard_limit"`
		} `toml:"concurrency"`
		Checks []struct {
			Method      string `toml:"method"`
			Path        string `toml:"path"`
			Interval    string `toml:"interval"`
			Timeout     string `toml:"timeout"`
			GracePeriod string `toml:"grace_period"`
		} `toml:"checks"`
	} `toml:"http_service"`
}

// flyDuration reads kill_timeout the way flyctl does.
func flyDuration(v any) (time.Duration, error) {
	switch x := v.(type) {
	case nil:
		return 5 * time.Second, nil // fly's default
	case int64:
		return time.Duration(x) * time.Second, nil
	case string:
		return time.ParseDuration(x)
	}
	return 0, fmt.Errorf("unexpected value %#v", v)
}

// ---- Dockerfile ----------------------------------------------------------------

// dockerInstr is one logical Dockerfile line (continuations joined).
type dockerInstr struct {
	Cmd  string // upper-cased instruction, e.g. "COPY"
	Args string
	Line int
}

// dockerStage is a FROM and the instructions up to the next FROM.
type dockerStage struct {
	Base     string // image or earlier stage name
	Name     string // AS name, if any
	Platform string // --platform value, if any
	Instrs   []dockerInstr
}

// parseDockerfile is a small parser for the subset this repository uses:
// comments, `\` continuations, and stages split at FROM. It does not expand
// variables or support heredocs.
func parseDockerfile(src string) ([]dockerStage, error) {
	var (
		stages  []dockerStage
		pending strings.Builder
		start   int
	)
	flush := func() error {
		text := strings.TrimSpace(pending.String())
		pending.Reset()
		if text == "" {
			return nil
		}
		cmd, args, _ := strings.Cut(text, " ")
		in := dockerInstr{Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args), Line: start}
		if in.Cmd == "FROM" {
			flags, rest := splitFlags(in.Args)
			if len(rest) != 1 && !(len(rest) == 3 && strings.EqualFold(rest[1], "AS")) {
				return fmt.Errorf("line %d: malformed FROM %q", start, in.Args)
			}
			st := dockerStage{Base: rest[0], Platform: flags["platform"]}
			if len(rest) == 3 {
				st.Name = rest[2]
			}
			stages = append(stages, st)
			return nil
		}
		if len(stages) == 0 {
			if in.Cmd == "ARG" { // global build args before the first FROM
				return nil
			}
			return fmt.Errorf("line %d: %s before the first FROM", start, in.Cmd)
		}
		stages[len(stages)-1].Instrs = append(stages[len(stages)-1].Instrs, in)
		return nil
	}
	continuing := false
	for i, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && !continuing) {
			continue // comments are dropped even inside continuations
		}
		if !continuing {
			start = i + 1
		}
		if body, ok := strings.CutSuffix(trimmed, `\`); ok {
			pending.WriteString(body + " ")
			continuing = true
			continue
		}
		pending.WriteString(trimmed)
		continuing = false
		if err := flush(); err != nil {
			return nil, err
		}
	}
	if continuing {
		return nil, errors.New("file ends inside a line continuation")
	}
	if len(stages) == 0 {
		return nil, errors.New("no FROM")
	}
	return stages, nil
}

// splitFlags separates leading --key=value flags from the other words.
func splitFlags(args string) (map[string]string, []string) {
	flags := map[string]string{}
	words := strings.Fields(args)
	for len(words) > 0 && strings.HasPrefix(words[0], "--") {
		k, v, _ := strings.Cut(strings.TrimPrefix(words[0], "--"), "=")
		flags[k] = v
		words = words[1:]
	}
	return flags, words
}

// chain returns the instructions of s, preceded by those of the earlier
// stages it is built FROM.
func (s *dockerStage) chain(stages []dockerStage) []dockerInstr {
	for i := range stages {
		if &stages[i] == s {
			break
		}
		if stages[i].Name != "" && strings.EqualFold(stages[i].Name, s.Base) {
			return append(stages[i].chain(stages), s.Instrs...)
		}
	}
	return s.Instrs
}

// env returns the stage's ENV values, inherited ones included.
func (s *dockerStage) env(stages []dockerStage) map[string]string {
	env := map[string]string{}
	for _, in := range s.chain(stages) {
		if in.Cmd != "ENV" {
			continue
		}
		words := shellWords(in.Args)
		if len(words) > 0 && !strings.Contains(words[0], "=") { // legacy ENV KEY value
			env[words[0]] = strings.Join(words[1:], " ")
			continue
		}
		for _, w := range words {
			if k, v, ok := strings.Cut(w, "="); ok {
				env[k] = v
			}
		}
	}
	return env
}

// resolveBase follows FROM <earlier stage> back to an image reference.
func (d *deployment) resolveBase(s *dockerStage) string {
	base := s.Base
	for i := range d.stages {
		if &d.stages[i] == s {
			break
		}
		if d.stages[i].Name != "" && strings.EqualFold(d.stages[i].Name, base) {
			return d.resolveBase(&d.stages[i])
		}
	}
	return base
}

// buildStage returns the stage running `go build`, and that RUN's text.
func buildStage(d *deployment) (*dockerStage, string, error) {
	for i := len(d.stages) - 1; i >= 0; i-- {
		for _, in := range d.stages[i].Instrs {
			if in.Cmd == "RUN" && strings.Contains(in.Args, "go build") {
				return &d.stages[i], in.Args, nil
			}
		}
	}
	return nil, "", errors.New("no stage runs go build")
}

// goBuildFlag returns the value of flag in the `go build` command of run.
func goBuildFlag(run, flag string) string {
	_, cmd, _ := strings.Cut(run, "go build")
	cmd, _, _ = strings.Cut(cmd, "&&")
	words := shellWords(cmd)
	for i, w := range words {
		if w == flag && i+1 < len(words) {
			return words[i+1]
		}
		if v, ok := strings.CutPrefix(w, flag+"="); ok {
			return v
		}
	}
	return ""
}

// binaryPath is where the final stage puts the binary built by go build -o,
// copied --from the build stage.
func (d *deployment) binaryPath() (string, error) {
	b, run, err := buildStage(d)
	if err != nil {
		return "", err
	}
	out := goBuildFlag(run, "-o")
	if out == "" {
		return "", errors.New("go build has no -o output path")
	}
	buildIdx := -1
	for i := range d.stages {
		if &d.stages[i] == b {
			buildIdx = i
		}
	}
	final := &d.stages[len(d.stages)-1]
	if final == b {
		return "", errors.New("the final stage is the build stage")
	}
	for _, in := range final.Instrs {
		if in.Cmd != "COPY" {
			continue
		}
		flags, words := splitFlags(in.Args)
		from := flags["from"]
		if from == "" || len(words) < 2 || !(strings.EqualFold(from, b.Name) && b.Name != "" || from == strconv.Itoa(buildIdx)) {
			continue
		}
		dest := words[len(words)-1]
		for _, src := range words[:len(words)-1] {
			if path.Clean(src) != path.Clean(out) {
				continue
			}
			if strings.HasSuffix(dest, "/") {
				dest += path.Base(out)
			}
			return path.Clean(dest), nil
		}
	}
	return "", fmt.Errorf("the final stage does not COPY --from=%s %s", b.Name, out)
}

// finalExec returns the final stage's last ENTRYPOINT or CMD, which must use
// the JSON (exec) form so the binary is PID 1 and gets fly's kill signal.
func (d *deployment) finalExec(cmd string) ([]string, error) {
	final := &d.stages[len(d.stages)-1]
	var args string
	found := false
	for _, in := range final.Instrs {
		if in.Cmd == cmd {
			args, found = in.Args, true
		}
	}
	if !found {
		return nil, fmt.Errorf("final stage has no %s", cmd)
	}
	var v []string
	if err := json.Unmarshal([]byte(args), &v); err != nil {
		return nil, fmt.Errorf("%s %s is not in JSON (exec) form: %w", cmd, args, err)
	}
	return v, nil
}

// shellWords splits s into words, honouring single and double quotes and
// backslash escapes.
func shellWords(s string) []string {
	var (
		words []string
		cur   strings.Builder
		quote rune
		inWord,
		escaped bool
	)
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// ---- .dockerignore ----------------------------------------------------------------

// ignorePattern is one .dockerignore line.
type ignorePattern struct {
	re     *regexp.Regexp
	negate bool
}

func parseDockerignore(src string) ([]ignorePattern, error) {
	var ps []ignorePattern
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := ignorePattern{}
		if rest, ok := strings.CutPrefix(line, "!"); ok {
			p.negate, line = true, strings.TrimSpace(rest)
		}
		// Like Docker: clean the path and ignore a leading slash.
		line = strings.TrimPrefix(path.Clean(line), "/")
		re, err := ignoreRegexp(line)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w", line, err)
		}
		p.re = re
		ps = append(ps, p)
	}
	return ps, nil
}

// ignoreRegexp translates a Docker ignore pattern (filepath.Match syntax plus
// `**` for any number of directories) into a regexp.
func ignoreRegexp(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '*' && i+1 < len(p) && p[i+1] == '*':
			i++
			if i+1 < len(p) && p[i+1] == '/' {
				i++
				b.WriteString("(.*/)?")
			} else {
				b.WriteString(".*")
			}
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '\\' && i+1 < len(p):
			i++
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		case c == '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return nil, errors.New("unterminated [")
			}
			class := p[i+1 : i+end]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + class + "]")
			i += end
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// dockerignored reports whether Docker leaves the slash-separated relative
// path out of the build context: the last pattern matching it or one of its
// parent directories decides.
func dockerignored(ps []ignorePattern, name string) bool {
	excluded := false
	for _, p := range ps {
		match := false
		for prefix := name; ; {
			if p.re.MatchString(prefix) {
				match = true
				break
			}
			i := strings.LastIndexByte(prefix, '/')
			if i < 0 {
				break
			}
			prefix = prefix[:i]
		}
		if match {
			excluded = !p.negate
		}
	}
	return excluded
}
