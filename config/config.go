// Package config reads Cohort's settings from environment variables (and, in
// development only, from .env and .env.local) into a typed Config, and
// validates them so a misconfigured production instance refuses to start with
// every problem listed at once.
package config

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/joho/godotenv"
)

// Environments Cohort knows. Anything else is a configuration error.
const (
	EnvDevelopment = "development"
	EnvTest        = "test"
	EnvProduction  = "production"
)

// DefaultProductionDrainDelay is SHUTDOWN_DRAIN_DELAY's production default:
// long enough for a proxy to see /readyz fail or a closed connection.
const DefaultProductionDrainDelay = 5 * time.Second

// devSecret is used only in development and test so `go run .` works on a
// fresh clone; production validation rejects it.
const devSecret = "development-secret-key-not-for-production-use-0123456789"

// Config is every setting Cohort reads. Field tags name the environment
// variable; README's configuration table mirrors this struct (a test checks).
type Config struct {
	Env     string `env:"APP_ENV" envDefault:"development"`
	Port    int    `env:"PORT" envDefault:"8080"`
	BaseURL string `env:"BASE_URL"` // unset: http://localhost:PORT, so mail links follow PORT

	DatabaseURL string `env:"DATABASE_URL"`
	DataDir     string `env:"DATA_DIR" envDefault:"./data"`
	// DBMaxOpenConns bounds the Postgres pool (and the SQLite reader pool).
	DBMaxOpenConns int `env:"DB_MAX_OPEN_CONNS" envDefault:"16"`
	DBMaxIdleConns int `env:"DB_MAX_IDLE_CONNS" envDefault:"8"`
	// DBRequestTimeout bounds the database work of one request: a hung
	// database then answers 503 instead of holding every request open.
	DBRequestTimeout time.Duration `env:"DB_REQUEST_TIMEOUT" envDefault:"10s"`
	// MigrateOnStart applies pending migrations when serve starts. Production
	// on fly runs them once from release_command instead.
	MigrateOnStart *bool `env:"MIGRATE_ON_START"`
	// SeedDemo seeds demo data into an empty database at start.
	SeedDemo *bool `env:"SEED_DEMO"`
	// DevLogin offers "sign in as a demo person". Development only.
	DevLogin *bool `env:"DEV_LOGIN"`

	SecretKey        string `env:"SECRET_KEY"`
	PairIDHashSecret string `env:"PAIR_ID_HASH_SECRET"`

	LogLevel  string `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat string `env:"LOG_FORMAT"`

	BodyLimit       int           `env:"BODY_LIMIT" envDefault:"1048576"`
	ReadTimeout     time.Duration `env:"READ_TIMEOUT" envDefault:"15s"`
	WriteTimeout    time.Duration `env:"WRITE_TIMEOUT" envDefault:"30s"`
	IdleTimeout     time.Duration `env:"IDLE_TIMEOUT" envDefault:"60s"`
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"20s"`
	// ShutdownDrainDelay is the lame-duck period after SIGINT/SIGTERM:
	// /readyz answers 503 and every response closes its connection while
	// the listener still accepts, so a proxy stops using this instance
	// before anything it sends can hit a closed connection. Unset: 5s in
	// production, 0 elsewhere.
	ShutdownDrainDelay *time.Duration `env:"SHUTDOWN_DRAIN_DELAY"`

	// TrustedProxies lists proxy addresses or CIDRs whose ProxyHeader is
	// believed for the client IP (and X-Forwarded-Proto/Host).
	TrustedProxies []string `env:"TRUSTED_PROXIES" envSeparator:","`
	ProxyHeader    string   `env:"PROXY_HEADER"`

	SessionIdleTimeout     time.Duration `env:"SESSION_IDLE_TIMEOUT" envDefault:"12h"`
	SessionAbsoluteTimeout time.Duration `env:"SESSION_ABSOLUTE_TIMEOUT" envDefault:"168h"`

	// OpenID Connect (Auth0 or any provider with discovery). Sign-in by SSO
	// is offered when OIDC_ISSUER is set.
	OIDCIssuer       string   `env:"OIDC_ISSUER"`
	OIDCClientID     string   `env:"OIDC_CLIENT_ID"`
	OIDCClientSecret string   `env:"OIDC_CLIENT_SECRET"`
	OIDCScopes       []string `env:"OIDC_SCOPES" envSeparator:" " envDefault:"openid email profile"`
	OIDCName         string   `env:"OIDC_NAME" envDefault:"Company SSO"`
	// GroupsClaim names the ID-token claim listing the person's groups.
	GroupsClaim string   `env:"GROUPS_CLAIM" envDefault:"https://sso.mozilla.com/claim/groups"`
	StaffGroups []string `env:"STAFF_GROUPS" envSeparator:","`
	AdminGroups []string `env:"ADMIN_GROUPS" envSeparator:","`

	// Sign-in by a code sent by email.
	EmailLogin bool `env:"EMAIL_LOGIN" envDefault:"true"`
	// SelfRegistration lets an unknown email address create an account by
	// signing in with a code.
	SelfRegistration     bool          `env:"SELF_REGISTRATION" envDefault:"true"`
	LoginCodeTTL         time.Duration `env:"LOGIN_CODE_TTL" envDefault:"10m"`
	LoginCodeMaxAttempts int           `env:"LOGIN_CODE_MAX_ATTEMPTS" envDefault:"5"`
	// Sign-in requests allowed per RateLimitWindow, per client IP and per
	// email address (stored in the database, so shared by all instances).
	RateLimitPerIP    int           `env:"RATE_LIMIT_PER_IP" envDefault:"30"`
	RateLimitPerEmail int           `env:"RATE_LIMIT_PER_EMAIL" envDefault:"5"`
	RateLimitWindow   time.Duration `env:"RATE_LIMIT_WINDOW" envDefault:"15m"`

	// Outgoing mail. Without SMTP_HOST, mail stays in the database outbox
	// (shown at /dev/outbox in development).
	SMTPHost     string `env:"SMTP_HOST"`
	SMTPPort     int    `env:"SMTP_PORT" envDefault:"587"`
	SMTPUsername string `env:"SMTP_USERNAME"`
	SMTPPassword string `env:"SMTP_PASSWORD"`
	// SMTPTLS is starttls (required), tls (implicit, port 465) or none
	// (local relays and tests only).
	SMTPTLS  string `env:"SMTP_TLS" envDefault:"starttls"`
	MailFrom string `env:"MAIL_FROM" envDefault:"Cohort <cohort@localhost>"`

	// SMTPCAFile names a PEM file of extra root certificates, added to the
	// system's, for SMTP servers whose certificate a private CA signed.
	// There is deliberately no setting that skips verification.
	SMTPCAFile string `env:"SMTP_CA_FILE"`

	// Uploaded files (enrollment file fields) live here, outside any served
	// directory, under random names. Empty means DATA_DIR/uploads.
	UploadDir string `env:"UPLOAD_DIR"`
	// MaxUploadSize caps one uploaded file in bytes; a form field may set a
	// lower limit.
	MaxUploadSize int `env:"MAX_UPLOAD_SIZE" envDefault:"10485760"`

	// Scheduled jobs (app/jobs). SchedulerEnabled runs the scheduler inside
	// `serve`; turn it off on instances that should only answer requests
	// (another instance, or `cohort jobs run` from cron, does the work).
	// JobsTimeZone is the IANA zone job schedules are read in.
	SchedulerEnabled bool   `env:"SCHEDULER_ENABLED" envDefault:"true"`
	JobsTimeZone     string `env:"JOBS_TIME_ZONE" envDefault:"UTC"`
	// DigestWebhookURL, when set, is a Mattermost- or Slack-compatible
	// incoming webhook the staff digest is posted to as well as mailed. It
	// is a secret: whoever has it can post to the channel.
	DigestWebhookURL string `env:"DIGEST_WEBHOOK_URL"`

	// Prometheus metrics (app/metrics). MetricsPort, when set, serves
	// /metrics on a listener of its own (a private network's port, such as
	// fly's scraper uses); MetricsToken, when set, serves /metrics on the
	// main port to a Bearer of it. With neither there is no endpoint.
	MetricsPort  int    `env:"METRICS_PORT"`
	MetricsToken string `env:"METRICS_TOKEN"`
}

// MetricsAddr is the metrics listener's address ("" when METRICS_PORT is
// unset).
func (c *Config) MetricsAddr() string {
	if c.MetricsPort == 0 {
		return ""
	}
	return fmt.Sprintf(":%d", c.MetricsPort)
}

func (c *Config) metricsProblems() []string {
	var p []string
	if c.MetricsPort != 0 && (c.MetricsPort < 1 || c.MetricsPort > 65535 || c.MetricsPort == c.Port) {
		p = append(p, fmt.Sprintf("METRICS_PORT must be between 1 and 65535 and differ from PORT (got %d)", c.MetricsPort))
	}
	// The token is all that stands between the metrics and the internet.
	if c.MetricsToken != "" && len(c.MetricsToken) < 32 {
		p = append(p, "METRICS_TOKEN must be at least 32 characters (e.g. openssl rand -hex 32)")
	}
	return p
}

// Uploads is the directory for uploaded files.
func (c *Config) Uploads() string {
	if c.UploadDir != "" {
		return c.UploadDir
	}
	return filepath.Join(c.DataDir, "uploads")
}

// OIDCEnabled reports whether sign-in by SSO is configured.
func (c *Config) OIDCEnabled() bool { return c.OIDCIssuer != "" }

// Load reads the configuration from the process environment. In development
// (APP_ENV unset or "development") it first reads .env and then .env.local
// from dir; variables already set in the real environment always win.
func Load(dir string) (*Config, error) {
	vars := environ()
	appEnv := vars["APP_ENV"]
	if appEnv == "" || appEnv == EnvDevelopment {
		files, err := readDotenv(dir)
		if err != nil {
			return nil, err
		}
		for k, v := range files {
			if _, set := vars[k]; !set {
				vars[k] = v
			}
		}
	}
	return FromMap(vars)
}

// FromMap builds a Config from a map of variables (no dotenv files). Tests
// use it to configure an instance without touching the process environment.
// A value that does not parse is listed together with every validation
// problem, so one typo does not hide the rest.
func FromMap(vars map[string]string) (*Config, error) {
	var c Config
	var p Problems
	if err := env.ParseWithOptions(&c, env.Options{Environment: vars}); err != nil {
		failed, probs, err := parseProblems(err)
		if err != nil {
			return nil, err
		}
		p = probs
		// Parse again without the variables that failed: they take their
		// defaults, so validation reports the other variables' problems
		// and not a second one ("must be positive") for a value it never
		// saw.
		rest := maps.Clone(vars)
		for _, name := range failed {
			delete(rest, name)
		}
		c = Config{}
		if err := env.ParseWithOptions(&c, env.Options{Environment: rest}); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		var vp Problems
		if !errors.As(err, &vp) {
			return nil, err
		}
		p = append(p, vp...)
	}
	if len(p) > 0 {
		sort.Strings(p)
		return nil, p
	}
	return &c, nil
}

// parseProblems turns caarlos0/env's parse errors, which name the Go field
// (ReadTimeout), into Problems naming the variable (READ_TIMEOUT), and
// returns the names of the variables that failed. An error that is not
// about one variable's value comes back as err.
func parseProblems(err error) (failed []string, p Problems, _ error) {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	for _, e := range agg.Errors {
		var pe env.ParseError
		if !errors.As(e, &pe) {
			return nil, nil, fmt.Errorf("config: %w", err)
		}
		f, ok := reflect.TypeFor[Config]().FieldByName(pe.Name)
		name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
		if !ok || name == "" {
			return nil, nil, fmt.Errorf("config: %w", err)
		}
		failed = append(failed, name)
		p = append(p, fmt.Sprintf("%s: %v", name, pe.Err))
	}
	return failed, p, nil
}

func environ() map[string]string {
	m := make(map[string]string)
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// readDotenv returns .env overlaid with .env.local; missing files are fine.
func readDotenv(dir string) (map[string]string, error) {
	out := map[string]string{}
	for _, name := range []string{".env", ".env.local"} {
		p := filepath.Join(dir, name)
		vals, err := godotenv.Read(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("config: reading %s: %w", p, err)
		}
		for k, v := range vals {
			out[k] = v
		}
	}
	return out, nil
}

// applyDefaults fills the settings whose default depends on the environment.
func (c *Config) applyDefaults() {
	dev := c.Env == EnvDevelopment
	if c.DevLogin == nil {
		c.DevLogin = boolPtr(dev)
	}
	if c.SeedDemo == nil {
		c.SeedDemo = boolPtr(dev)
	}
	if c.ShutdownDrainDelay == nil {
		d := time.Duration(0)
		if c.Env == EnvProduction {
			d = DefaultProductionDrainDelay
		}
		c.ShutdownDrainDelay = &d
	}
	if c.MigrateOnStart == nil {
		c.MigrateOnStart = boolPtr(c.Env != EnvProduction)
	}
	if c.LogFormat == "" {
		c.LogFormat = "text"
		if c.Env == EnvProduction {
			c.LogFormat = "json"
		}
	}
	if c.SecretKey == "" && c.Env != EnvProduction {
		c.SecretKey = devSecret
	}
	if c.PairIDHashSecret == "" && c.Env != EnvProduction {
		c.PairIDHashSecret = devSecret
	}
	if c.BaseURL == "" {
		c.BaseURL = fmt.Sprintf("http://localhost:%d", c.Port)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	for i, tp := range c.TrustedProxies {
		c.TrustedProxies[i] = strings.TrimSpace(tp)
	}
	// "root, cohort-admins" must mean the group cohort-admins, not
	// " cohort-admins", which no provider sends.
	c.StaffGroups = cleanList(c.StaffGroups)
	c.AdminGroups = cleanList(c.AdminGroups)
}

// cleanList trims every entry and drops the empty ones (a trailing comma).
func cleanList(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func boolPtr(b bool) *bool { return &b }

// IsProduction reports whether production rules apply.
func (c *Config) IsProduction() bool { return c.Env == EnvProduction }

// IsDevelopment reports whether development conveniences apply.
func (c *Config) IsDevelopment() bool { return c.Env == EnvDevelopment }

// SecureCookies reports whether cookies carry Secure and the __Host- prefix.
// Only development over plain http goes without, so a browser on
// http://localhost keeps its session.
func (c *Config) SecureCookies() bool {
	return !(c.IsDevelopment() && strings.HasPrefix(c.BaseURL, "http://"))
}

// Addr is the listen address.
func (c *Config) Addr() string { return fmt.Sprintf(":%d", c.Port) }

// Problems is every validation failure at once, so an operator fixes them in
// one round instead of one restart per mistake.
type Problems []string

func (p Problems) Error() string {
	return "invalid configuration:\n  - " + strings.Join(p, "\n  - ")
}

// Validate checks the settings; in production it also enforces what a safe
// deployment needs. It returns Problems listing everything wrong.
func (c *Config) Validate() error {
	var p Problems
	switch c.Env {
	case EnvDevelopment, EnvTest, EnvProduction:
	default:
		p = append(p, fmt.Sprintf("APP_ENV must be development, test or production (got %q)", c.Env))
	}
	if c.Port < 1 || c.Port > 65535 {
		p = append(p, fmt.Sprintf("PORT must be between 1 and 65535 (got %d)", c.Port))
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		p = append(p, fmt.Sprintf("BASE_URL must be an absolute http(s) URL (got %q)", c.BaseURL))
	}
	if _, err := ParseDatabaseURL(c.DatabaseURL, c.DataDir); err != nil {
		p = append(p, err.Error())
	}
	if c.DigestWebhookURL != "" {
		// Never echo the URL: it carries the webhook's secret.
		if wu, err := url.Parse(c.DigestWebhookURL); err != nil || wu.Host == "" || (wu.Scheme != "https" && wu.Scheme != "http") {
			p = append(p, "DIGEST_WEBHOOK_URL must be an absolute http(s) URL")
		} else if c.Env == EnvProduction && wu.Scheme != "https" {
			p = append(p, "DIGEST_WEBHOOK_URL must use https in production")
		}
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		p = append(p, fmt.Sprintf("LOG_LEVEL must be debug, info, warn or error (got %q)", c.LogLevel))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		p = append(p, fmt.Sprintf("LOG_FORMAT must be text or json (got %q)", c.LogFormat))
	}
	if c.BodyLimit < 1024 {
		p = append(p, fmt.Sprintf("BODY_LIMIT must be at least 1024 bytes (got %d)", c.BodyLimit))
	}
	if c.MaxUploadSize < 1024 || c.MaxUploadSize > 100<<20 {
		p = append(p, "MAX_UPLOAD_SIZE must be between 1024 bytes and 100 MiB")
	}
	if c.DBMaxOpenConns < 1 {
		p = append(p, "DB_MAX_OPEN_CONNS must be at least 1")
	}
	for name, d := range map[string]time.Duration{
		"READ_TIMEOUT": c.ReadTimeout, "WRITE_TIMEOUT": c.WriteTimeout, "IDLE_TIMEOUT": c.IdleTimeout,
		"SHUTDOWN_TIMEOUT": c.ShutdownTimeout, "SESSION_IDLE_TIMEOUT": c.SessionIdleTimeout,
		"SESSION_ABSOLUTE_TIMEOUT": c.SessionAbsoluteTimeout, "DB_REQUEST_TIMEOUT": c.DBRequestTimeout,
	} {
		if d <= 0 {
			p = append(p, name+" must be a positive duration such as 30s")
		}
	}
	if d := *c.ShutdownDrainDelay; d < 0 || d > time.Minute {
		p = append(p, fmt.Sprintf("SHUTDOWN_DRAIN_DELAY must be between 0s and 1m (got %s)", d))
	}
	for _, tp := range c.TrustedProxies {
		tp = strings.TrimSpace(tp)
		if net.ParseIP(tp) == nil {
			if _, _, err := net.ParseCIDR(tp); err != nil {
				p = append(p, fmt.Sprintf("TRUSTED_PROXIES entry %q is neither an IP nor a CIDR", tp))
			}
		}
	}
	if c.ProxyHeader != "" && len(c.TrustedProxies) == 0 {
		p = append(p, "PROXY_HEADER is set but TRUSTED_PROXIES is empty: the header would never be believed")
	}
	p = append(p, c.authProblems()...)
	p = append(p, c.jobsProblems()...)
	p = append(p, c.metricsProblems()...)
	if c.IsProduction() {
		p = append(p, c.productionProblems(u)...)
	}
	if len(p) == 0 {
		return nil
	}
	sort.Strings(p)
	return p
}

func (c *Config) authProblems() []string {
	var p []string
	if c.OIDCIssuer != "" || c.OIDCClientID != "" || c.OIDCClientSecret != "" {
		if c.OIDCIssuer == "" || c.OIDCClientID == "" || c.OIDCClientSecret == "" {
			p = append(p, "OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set together")
		}
		iu, err := url.Parse(c.OIDCIssuer)
		switch {
		case c.OIDCIssuer == "":
		case err != nil || iu.Host == "" || (iu.Scheme != "https" && iu.Scheme != "http"):
			p = append(p, fmt.Sprintf("OIDC_ISSUER must be the provider's URL, e.g. https://TENANT.auth0.com/ (got %q)", c.OIDCIssuer))
		case c.IsProduction() && iu.Scheme != "https":
			// Discovery, keys and the code exchange would travel in clear
			// text: anyone on the path could sign in as anyone.
			p = append(p, fmt.Sprintf("OIDC_ISSUER must use https in production (got %q)", c.OIDCIssuer))
		}
	}
	if c.LoginCodeTTL < time.Minute || c.LoginCodeTTL > time.Hour {
		p = append(p, "LOGIN_CODE_TTL must be between 1m and 1h")
	}
	if c.LoginCodeMaxAttempts < 1 || c.LoginCodeMaxAttempts > 10 {
		p = append(p, "LOGIN_CODE_MAX_ATTEMPTS must be between 1 and 10")
	}
	if c.RateLimitPerIP < 1 || c.RateLimitPerEmail < 1 || c.RateLimitWindow <= 0 {
		p = append(p, "RATE_LIMIT_PER_IP and RATE_LIMIT_PER_EMAIL must be at least 1 and RATE_LIMIT_WINDOW positive")
	}
	switch c.SMTPTLS {
	case "starttls", "tls", "none":
	default:
		p = append(p, fmt.Sprintf("SMTP_TLS must be starttls, tls or none (got %q)", c.SMTPTLS))
	}
	if c.SMTPPort < 1 || c.SMTPPort > 65535 {
		p = append(p, "SMTP_PORT must be between 1 and 65535")
	}
	if (c.SMTPUsername == "") != (c.SMTPPassword == "") {
		p = append(p, "SMTP_USERNAME and SMTP_PASSWORD must be set together")
	}
	if _, err := c.SMTPRootCAs(); err != nil {
		p = append(p, err.Error())
	}
	return p
}

func (c *Config) productionProblems(u *url.URL) []string {
	var p []string
	switch {
	case c.SecretKey == "":
		p = append(p, "SECRET_KEY is required in production (32 or more random characters)")
	case len(c.SecretKey) < 32:
		p = append(p, "SECRET_KEY is too short: use 32 or more random characters")
	case c.SecretKey == devSecret:
		p = append(p, "SECRET_KEY is the development default")
	}
	switch {
	case c.PairIDHashSecret == "":
		p = append(p, "PAIR_ID_HASH_SECRET is required in production (32 or more random characters)")
	case len(c.PairIDHashSecret) < 32:
		p = append(p, "PAIR_ID_HASH_SECRET is too short: use 32 or more random characters")
	case c.PairIDHashSecret == devSecret:
		p = append(p, "PAIR_ID_HASH_SECRET is the development default")
	}
	if u != nil && u.Scheme != "https" {
		p = append(p, fmt.Sprintf("BASE_URL must use https in production (got %q)", c.BaseURL))
	}
	if *c.DevLogin {
		p = append(p, "DEV_LOGIN must be off in production")
	}
	if *c.SeedDemo {
		p = append(p, "SEED_DEMO must be off in production")
	}
	if !c.OIDCEnabled() && !c.EmailLogin {
		p = append(p, "no way to sign in: set OIDC_ISSUER (SSO) or EMAIL_LOGIN=true")
	}
	if c.SMTPHost == "" {
		p = append(p, "SMTP_HOST is required in production (sign-in codes and notifications are mailed)")
	}
	if c.SMTPHost != "" && c.SMTPTLS == "none" {
		p = append(p, "SMTP_TLS=none is not allowed in production")
	}
	return p
}

func (c *Config) jobsProblems() []string {
	if _, err := time.LoadLocation(c.JobsTimeZone); err != nil || c.JobsTimeZone == "" || c.JobsTimeZone == "Local" {
		return []string{fmt.Sprintf("JOBS_TIME_ZONE must be an IANA time zone such as UTC or Europe/Berlin (got %q)", c.JobsTimeZone)}
	}
	return nil
}

// SMTPRootCAs is the certificate pool SMTP connections verify the server
// against: nil (the system's roots) without SMTP_CA_FILE, else the system's
// roots plus every certificate in that file. A file that cannot be read or
// holds no valid certificate is an error, not a silent fallback.
func (c *Config) SMTPRootCAs() (*x509.CertPool, error) {
	if c.SMTPCAFile == "" {
		return nil, nil
	}
	b, err := os.ReadFile(c.SMTPCAFile)
	if err != nil {
		return nil, fmt.Errorf("SMTP_CA_FILE cannot be read: %v", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	n := 0
	for rest := b; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("SMTP_CA_FILE %s: certificate %d does not parse: %v", c.SMTPCAFile, n+1, err)
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("SMTP_CA_FILE %s holds no PEM certificate", c.SMTPCAFile)
	}
	return pool, nil
}
