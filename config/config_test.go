package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// validProduction is a production configuration that passes validation.
func validProduction() map[string]string {
	return map[string]string{
		"APP_ENV":             "production",
		"BASE_URL":            "https://cohort.example.org/",
		"SECRET_KEY":          strings.Repeat("s", 32),
		"PAIR_ID_HASH_SECRET": strings.Repeat("p", 40),
		"DATABASE_URL":        "postgres://cohort:pw@db.internal:5432/cohort?sslmode=require",
		"SMTP_HOST":           "smtp.example.org",
	}
}

// with returns a copy of base with the given key/value pairs set.
func with(base map[string]string, kv ...string) map[string]string {
	m := make(map[string]string, len(base)+len(kv)/2)
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestDefaults(t *testing.T) {
	c, err := FromMap(map[string]string{})
	if err != nil {
		t.Fatalf("FromMap(empty): %v", err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"Env", c.Env, EnvDevelopment},
		{"IsDevelopment", c.IsDevelopment(), true},
		{"IsProduction", c.IsProduction(), false},
		{"Port", c.Port, 8080},
		{"Addr", c.Addr(), ":8080"},
		{"BaseURL", c.BaseURL, "http://localhost:8080"},
		{"DevLogin", *c.DevLogin, true},
		{"SeedDemo", *c.SeedDemo, true},
		{"MigrateOnStart", *c.MigrateOnStart, true},
		{"LogFormat", c.LogFormat, "text"},
		{"LogLevel", c.LogLevel, "info"},
		{"Database", c.Database(), Database{Dialect: DialectSQLite, DSN: filepath.Join("data", "cohort.db")}},
		{"SecretKey non-empty", c.SecretKey != "", true},
		{"PairIDHashSecret non-empty", c.PairIDHashSecret != "", true},
		{"ReadTimeout", c.ReadTimeout, 15 * time.Second},
		{"SessionAbsoluteTimeout", c.SessionAbsoluteTimeout, 168 * time.Hour},
		{"SecureCookies", c.SecureCookies(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	if len(c.SecretKey) < 32 {
		t.Errorf("development SecretKey default is %d characters, want 32 or more", len(c.SecretKey))
	}
}

func TestParseDatabaseURL(t *testing.T) {
	const pgURL = "postgres://u:secret@db.example.org:5432/cohort?sslmode=require"
	tests := []struct {
		name    string
		raw     string
		dataDir string
		want    Database
		wantErr bool
		secret  string // must not appear in the error message
	}{
		{name: "unset", raw: "", dataDir: "/var/lib/cohort", want: Database{DialectSQLite, filepath.Join("/var/lib/cohort", "cohort.db")}},
		{name: "unset relative", raw: "", dataDir: "./data", want: Database{DialectSQLite, filepath.Join("data", "cohort.db")}},
		{name: "postgres", raw: pgURL, want: Database{DialectPostgres, pgURL}},
		{name: "postgresql", raw: "postgresql://u:secret@h/db", want: Database{DialectPostgres, "postgresql://u:secret@h/db"}},
		{name: "sqlite:relative", raw: "sqlite:data/x.db", want: Database{DialectSQLite, "data/x.db"}},
		{name: "sqlite:absolute", raw: "sqlite:/tmp/x.db", want: Database{DialectSQLite, "/tmp/x.db"}},
		{name: "sqlite://relative", raw: "sqlite://x.db", want: Database{DialectSQLite, "x.db"}},
		{name: "sqlite:///absolute", raw: "sqlite:///srv/x.db", want: Database{DialectSQLite, "/srv/x.db"}},
		{name: "sqlite with query", raw: "sqlite:/tmp/x.db?_pragma=foo", want: Database{DialectSQLite, "/tmp/x.db"}},
		{name: "file:", raw: "file:/tmp/y.db", want: Database{DialectSQLite, "/tmp/y.db"}},
		{name: "file: with query", raw: "file:/tmp/y.db?cache=shared&mode=rwc", want: Database{DialectSQLite, "/tmp/y.db"}},
		{name: "sqlite memory", raw: "sqlite::memory:", wantErr: true},
		{name: "file memory", raw: "file::memory:?cache=shared", wantErr: true},
		{name: "sqlite empty path", raw: "sqlite:", wantErr: true},
		{name: "sqlite:// empty path", raw: "sqlite://", wantErr: true},
		{name: "sqlite only query", raw: "sqlite:?mode=memory", wantErr: true},
		{name: "mysql", raw: "mysql://u:hunter2@h/db", wantErr: true, secret: "hunter2"},
		{name: "no scheme", raw: "u:hunter2@h/db", wantErr: true, secret: "hunter2"},
		{name: "long no scheme", raw: "averyveryverylongusername:hunter2@h/db", wantErr: true, secret: "hunter2"},
		{name: "bare word", raw: "cohort", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDatabaseURL(tt.raw, tt.dataDir)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseDatabaseURL(%q) = %+v, want an error", tt.raw, got)
				}
				if !strings.Contains(err.Error(), "DATABASE_URL") {
					t.Errorf("error %q does not name DATABASE_URL", err)
				}
				if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
					t.Errorf("error %q leaks the password %q", err, tt.secret)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDatabaseURL(%q): %v", tt.raw, err)
			}
			if got != tt.want {
				t.Errorf("ParseDatabaseURL(%q) = %+v, want %+v", tt.raw, got, tt.want)
			}
		})
	}

	// The same errors surface through FromMap without the password.
	_, err := FromMap(map[string]string{"DATABASE_URL": "mysql://u:hunter2@h/db"})
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("FromMap with a mysql URL: err = %v, want a DATABASE_URL problem without the password", err)
	}
}

func TestProduction(t *testing.T) {
	tests := []struct {
		name      string
		vars      map[string]string
		wantProbs []string // substrings, one per expected problem
	}{
		{
			name: "bare production",
			vars: map[string]string{"APP_ENV": "production"},
			wantProbs: []string{
				"SECRET_KEY is required",
				"PAIR_ID_HASH_SECRET is required",
				"BASE_URL must use https",
				"SMTP_HOST is required",
			},
		},
		{
			name: "bare production with dev conveniences on",
			vars: map[string]string{"APP_ENV": "production", "DEV_LOGIN": "true", "SEED_DEMO": "true"},
			wantProbs: []string{
				"SECRET_KEY is required",
				"PAIR_ID_HASH_SECRET is required",
				"BASE_URL must use https",
				"DEV_LOGIN must be off",
				"SEED_DEMO must be off",
				"SMTP_HOST is required",
			},
		},
		{
			name:      "DEV_LOGIN on",
			vars:      with(validProduction(), "DEV_LOGIN", "true"),
			wantProbs: []string{"DEV_LOGIN must be off"},
		},
		{
			name:      "short SECRET_KEY",
			vars:      with(validProduction(), "SECRET_KEY", "short"),
			wantProbs: []string{"SECRET_KEY is too short"},
		},
		{
			name:      "short PAIR_ID_HASH_SECRET",
			vars:      with(validProduction(), "PAIR_ID_HASH_SECRET", strings.Repeat("x", 31)),
			wantProbs: []string{"PAIR_ID_HASH_SECRET is too short"},
		},
		{
			name:      "development SECRET_KEY",
			vars:      with(validProduction(), "SECRET_KEY", devSecret),
			wantProbs: []string{"SECRET_KEY is the development default"},
		},
		{
			name:      "http BASE_URL",
			vars:      with(validProduction(), "BASE_URL", "http://cohort.example.org"),
			wantProbs: []string{"BASE_URL must use https"},
		},
		{
			name: "parse errors listed with validation problems",
			vars: with(validProduction(), "READ_TIMEOUT", "abc", "PORT", "eighty", "LOG_LEVEL", "loud", "SECRET_KEY", ""),
			wantProbs: []string{
				"READ_TIMEOUT: ",
				"PORT: ",
				"LOG_LEVEL must be",
				"SECRET_KEY is required",
			},
		},
		{
			name: "mixed with general problems",
			vars: with(validProduction(), "PORT", "0", "LOG_LEVEL", "loud", "SECRET_KEY", "", "SEED_DEMO", "1"),
			wantProbs: []string{
				"PORT must be between",
				"LOG_LEVEL must be",
				"SECRET_KEY is required",
				"SEED_DEMO must be off",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromMap(tt.vars)
			if err == nil {
				t.Fatalf("FromMap(%v) = %+v, want an error", tt.vars, c)
			}
			var probs Problems
			if !errors.As(err, &probs) {
				t.Fatalf("error %T %q is not Problems", err, err)
			}
			if len(probs) != len(tt.wantProbs) {
				t.Errorf("got %d problems, want %d:\n%s", len(probs), len(tt.wantProbs), err)
			}
			for _, want := range tt.wantProbs {
				if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, want) }) {
					t.Errorf("no problem mentions %q in:\n%s", want, err)
				}
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Error() does not list %q", want)
				}
			}
			if !slices.IsSorted(probs) {
				t.Errorf("problems are not sorted: %q", probs)
			}
		})
	}

	t.Run("valid", func(t *testing.T) {
		c, err := FromMap(validProduction())
		if err != nil {
			t.Fatalf("valid production config refused: %v", err)
		}
		checks := []struct {
			name      string
			got, want any
		}{
			{"IsProduction", c.IsProduction(), true},
			{"LogFormat", c.LogFormat, "json"},
			{"DevLogin", *c.DevLogin, false},
			{"SeedDemo", *c.SeedDemo, false},
			{"MigrateOnStart", *c.MigrateOnStart, false},
			{"BaseURL trailing slash trimmed", c.BaseURL, "https://cohort.example.org"},
			{"Database dialect", c.Database().Dialect, DialectPostgres},
			{"SecureCookies", c.SecureCookies(), true},
		}
		for _, ch := range checks {
			if ch.got != ch.want {
				t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
			}
		}
	})

	t.Run("explicit overrides kept", func(t *testing.T) {
		c, err := FromMap(with(validProduction(), "LOG_FORMAT", "text", "MIGRATE_ON_START", "true"))
		if err != nil {
			t.Fatal(err)
		}
		if c.LogFormat != "text" || !*c.MigrateOnStart {
			t.Errorf("LogFormat=%q MigrateOnStart=%v, want text and true", c.LogFormat, *c.MigrateOnStart)
		}
	})
}

func TestInvalidValues(t *testing.T) {
	tests := []struct {
		name     string
		vars     map[string]string
		variable string // the error must name it
	}{
		{name: "APP_ENV", vars: map[string]string{"APP_ENV": "staging"}, variable: "APP_ENV"},
		{name: "PORT 0", vars: map[string]string{"PORT": "0"}, variable: "PORT"},
		{name: "PORT too big", vars: map[string]string{"PORT": "65536"}, variable: "PORT"},
		{name: "BASE_URL relative", vars: map[string]string{"BASE_URL": "/cohort"}, variable: "BASE_URL"},
		{name: "BASE_URL ftp", vars: map[string]string{"BASE_URL": "ftp://example.org"}, variable: "BASE_URL"},
		{name: "LOG_LEVEL", vars: map[string]string{"LOG_LEVEL": "loud"}, variable: "LOG_LEVEL"},
		{name: "LOG_FORMAT", vars: map[string]string{"LOG_FORMAT": "xml"}, variable: "LOG_FORMAT"},
		{name: "BODY_LIMIT", vars: map[string]string{"BODY_LIMIT": "10"}, variable: "BODY_LIMIT"},
		{name: "DB_MAX_OPEN_CONNS", vars: map[string]string{"DB_MAX_OPEN_CONNS": "0"}, variable: "DB_MAX_OPEN_CONNS"},
		{name: "PROXY_HEADER without TRUSTED_PROXIES", vars: map[string]string{"PROXY_HEADER": "X-Forwarded-For"}, variable: "PROXY_HEADER"},
		{name: "TRUSTED_PROXIES bad entry", vars: map[string]string{"TRUSTED_PROXIES": "10.0.0.1,not-an-ip", "PROXY_HEADER": "X-Forwarded-For"}, variable: "TRUSTED_PROXIES"},
		{name: "TRUSTED_PROXIES bad CIDR", vars: map[string]string{"TRUSTED_PROXIES": "10.0.0.0/33"}, variable: "TRUSTED_PROXIES"},
		{name: "READ_TIMEOUT negative", vars: map[string]string{"READ_TIMEOUT": "-1s"}, variable: "READ_TIMEOUT"},
		{name: "METRICS_PORT is PORT", vars: map[string]string{"METRICS_PORT": "8080"}, variable: "METRICS_PORT"},
		{name: "METRICS_PORT too big", vars: map[string]string{"METRICS_PORT": "70000"}, variable: "METRICS_PORT"},
		{name: "METRICS_TOKEN short", vars: map[string]string{"METRICS_TOKEN": "secret"}, variable: "METRICS_TOKEN"},
		{name: "SESSION_IDLE_TIMEOUT zero", vars: map[string]string{"SESSION_IDLE_TIMEOUT": "0s"}, variable: "SESSION_IDLE_TIMEOUT"},
		{
			name: "READ_TIMEOUT not a duration", vars: map[string]string{"READ_TIMEOUT": "soon"}, variable: "READ_TIMEOUT",
		},
		{
			name: "PORT not a number", vars: map[string]string{"PORT": "eighty"}, variable: "PORT",
		},
		{
			name: "DEV_LOGIN not a bool", vars: map[string]string{"DEV_LOGIN": "perhaps"}, variable: "DEV_LOGIN",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromMap(tt.vars)
			if err == nil {
				t.Fatalf("FromMap(%v) = %+v, want an error", tt.vars, c)
			}
			if c != nil {
				t.Errorf("FromMap returned a config alongside the error")
			}
			if !strings.Contains(err.Error(), tt.variable) {
				t.Errorf("error %q does not name %s", err, tt.variable)
			}
		})
	}
}

func TestValidValues(t *testing.T) {
	tests := []struct {
		name  string
		vars  map[string]string
		check func(t *testing.T, c *Config)
	}{
		{
			name: "trusted proxies with header",
			vars: map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8,127.0.0.1,::1", "PROXY_HEADER": "X-Forwarded-For"},
			check: func(t *testing.T, c *Config) {
				if want := []string{"10.0.0.0/8", "127.0.0.1", "::1"}; !slices.Equal(c.TrustedProxies, want) {
					t.Errorf("TrustedProxies = %q, want %q", c.TrustedProxies, want)
				}
			},
		},
		{
			name: "trusted proxies with spaces are trimmed",
			vars: map[string]string{"TRUSTED_PROXIES": "10.0.0.1, 10.0.0.2", "PROXY_HEADER": "X-Forwarded-For"},
			check: func(t *testing.T, c *Config) {
				if want := []string{"10.0.0.1", "10.0.0.2"}; !slices.Equal(c.TrustedProxies, want) {
					// Fiber matches trusted proxies by exact string.
					t.Errorf("TrustedProxies = %q, want %q", c.TrustedProxies, want)
				}
			},
		},
		{
			name: "upper-case log level",
			vars: map[string]string{"LOG_LEVEL": "DEBUG"},
			check: func(t *testing.T, c *Config) {
				if c.LogLevel != "DEBUG" {
					t.Errorf("LogLevel = %q", c.LogLevel)
				}
			},
		},
		{
			name: "durations and numbers",
			vars: map[string]string{"READ_TIMEOUT": "2m", "PORT": "9090", "DB_MAX_OPEN_CONNS": "4"},
			check: func(t *testing.T, c *Config) {
				if c.ReadTimeout != 2*time.Minute || c.Port != 9090 || c.DBMaxOpenConns != 4 || c.Addr() != ":9090" {
					t.Errorf("ReadTimeout=%v Port=%d DBMaxOpenConns=%d Addr=%q", c.ReadTimeout, c.Port, c.DBMaxOpenConns, c.Addr())
				}
			},
		},
		{
			name: "test env defaults",
			vars: map[string]string{"APP_ENV": "test"},
			check: func(t *testing.T, c *Config) {
				if *c.DevLogin || *c.SeedDemo || !*c.MigrateOnStart || c.LogFormat != "text" || c.SecretKey == "" {
					t.Errorf("DevLogin=%v SeedDemo=%v MigrateOnStart=%v LogFormat=%q SecretKey set=%v",
						*c.DevLogin, *c.SeedDemo, *c.MigrateOnStart, c.LogFormat, c.SecretKey != "")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromMap(tt.vars)
			if err != nil {
				t.Fatalf("FromMap(%v): %v", tt.vars, err)
			}
			tt.check(t, c)
		})
	}
}

// unsetenv removes k from the process environment for the rest of the test
// (t.Setenv records the original value and restores it afterwards).
func unsetenv(t *testing.T, k string) {
	t.Helper()
	t.Setenv(k, "")
	if err := os.Unsetenv(k); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string // dotenv file name → contents
		env      map[string]string // real process environment
		wantPort int
		wantEnv  string
	}{
		{
			name:     "no files",
			wantPort: 8080,
			wantEnv:  EnvDevelopment,
		},
		{
			name:     ".env only",
			files:    map[string]string{".env": "A=1\nPORT=7000\n"},
			wantPort: 7000,
			wantEnv:  EnvDevelopment,
		},
		{
			name:     ".env.local overrides .env",
			files:    map[string]string{".env": "A=1\nPORT=7000\n", ".env.local": "PORT=7001\n"},
			wantPort: 7001,
			wantEnv:  EnvDevelopment,
		},
		{
			name:     "real env wins over both files",
			files:    map[string]string{".env": "A=1\nPORT=7000\n", ".env.local": "PORT=7001\n"},
			env:      map[string]string{"PORT": "7002"},
			wantPort: 7002,
			wantEnv:  EnvDevelopment,
		},
		{
			name:     "explicit development reads files",
			files:    map[string]string{".env": "PORT=7000\n"},
			env:      map[string]string{"APP_ENV": "development"},
			wantPort: 7000,
			wantEnv:  EnvDevelopment,
		},
		{
			name:     "test env does not read files",
			files:    map[string]string{".env": "PORT=7000\n", ".env.local": "PORT=7001\n"},
			env:      map[string]string{"APP_ENV": "test"},
			wantPort: 8080,
			wantEnv:  EnvTest,
		},
		{
			name: "production does not read files",
			// The files would even make production valid; they must be ignored.
			files: map[string]string{".env": "PORT=7000\nLOG_FORMAT=text\n"},
			env: map[string]string{
				"APP_ENV":             "production",
				"BASE_URL":            "https://cohort.example.org",
				"SECRET_KEY":          strings.Repeat("k", 32),
				"PAIR_ID_HASH_SECRET": strings.Repeat("h", 32),
				"DATABASE_URL":        "postgres://u@h/db",
				"SMTP_HOST":           "smtp.example.org",
			},
			wantPort: 8080,
			wantEnv:  EnvProduction,
		},
	}
	// Variables the cases touch: cleared first so the developer's or CI's own
	// environment cannot leak in.
	touched := []string{"APP_ENV", "PORT", "A", "BASE_URL", "SECRET_KEY", "PAIR_ID_HASH_SECRET",
		"DATABASE_URL", "DATA_DIR", "LOG_FORMAT", "LOG_LEVEL", "DEV_LOGIN", "SEED_DEMO",
		"MIGRATE_ON_START", "TRUSTED_PROXIES", "PROXY_HEADER", "SMTP_HOST", "OIDC_ISSUER", "EMAIL_LOGIN"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range touched {
				unsetenv(t, k)
			}
			dir := t.TempDir()
			for name, body := range tt.files {
				writeFile(t, dir, name, body)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := Load(dir)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.Port != tt.wantPort {
				t.Errorf("Port = %d, want %d", c.Port, tt.wantPort)
			}
			if c.Env != tt.wantEnv {
				t.Errorf("Env = %q, want %q", c.Env, tt.wantEnv)
			}
			if tt.wantEnv == EnvProduction && c.LogFormat != "json" {
				t.Errorf("LogFormat = %q: .env was read in production", c.LogFormat)
			}
		})
	}

	t.Run("dotenv does not touch the process environment", func(t *testing.T) {
		unsetenv(t, "A")
		unsetenv(t, "APP_ENV")
		unsetenv(t, "PORT")
		dir := t.TempDir()
		writeFile(t, dir, ".env", "A=1\nPORT=7000\n")
		if _, err := Load(dir); err != nil {
			t.Fatal(err)
		}
		if v, ok := os.LookupEnv("A"); ok {
			t.Errorf("A = %q leaked into the process environment", v)
		}
	})

	t.Run("invalid value in .env is reported", func(t *testing.T) {
		unsetenv(t, "APP_ENV")
		unsetenv(t, "LOG_LEVEL")
		dir := t.TempDir()
		writeFile(t, dir, ".env", "LOG_LEVEL=loud\n")
		if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "LOG_LEVEL") {
			t.Errorf("Load with LOG_LEVEL=loud in .env: err = %v", err)
		}
	})
}

func TestSecureCookies(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want bool
	}{
		{"development over http", map[string]string{"BASE_URL": "http://localhost:8080"}, false},
		{"development over https", map[string]string{"BASE_URL": "https://dev.example.org"}, true},
		{"test over http", map[string]string{"APP_ENV": "test", "BASE_URL": "http://localhost:8080"}, true},
		{"test over https", map[string]string{"APP_ENV": "test", "BASE_URL": "https://test.example.org"}, true},
		{"production", validProduction(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromMap(tt.vars)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.SecureCookies(); got != tt.want {
				t.Errorf("SecureCookies() = %v, want %v", got, tt.want)
			}
		})
	}
}

// A value that does not parse is reported once, under its variable, next to
// every other problem; its bad value does not also fail validation as zero.
func TestParseErrorsListedWithValidation(t *testing.T) {
	_, err := FromMap(map[string]string{"READ_TIMEOUT": "abc", "PORT": "0", "LOG_LEVEL": "loud", "DEV_LOGIN": "perhaps"})
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("error %T %v is not Problems", err, err)
	}
	want := []string{"DEV_LOGIN: ", "LOG_LEVEL must be", "PORT must be between", "READ_TIMEOUT: "}
	if len(probs) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(probs), len(want), err)
	}
	for _, w := range want {
		if !slices.ContainsFunc(probs, func(p string) bool { return strings.HasPrefix(p, w) }) {
			t.Errorf("no problem starts with %q in:\n%s", w, err)
		}
	}
	if strings.Contains(err.Error(), "READ_TIMEOUT must be a positive") {
		t.Errorf("READ_TIMEOUT reported twice:\n%s", err)
	}
	if !slices.IsSorted(probs) {
		t.Errorf("problems are not sorted: %q", probs)
	}
}

// Without BASE_URL, links point at the port the server listens on.
func TestBaseURLFollowsPort(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"default port", map[string]string{}, "http://localhost:8080"},
		{"PORT set", map[string]string{"PORT": "18200"}, "http://localhost:18200"},
		{"test env", map[string]string{"APP_ENV": "test", "PORT": "9001"}, "http://localhost:9001"},
		{"BASE_URL wins", map[string]string{"PORT": "18200", "BASE_URL": "http://cohort.local:8080/"}, "http://cohort.local:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromMap(tt.vars)
			if err != nil {
				t.Fatal(err)
			}
			if c.BaseURL != tt.want {
				t.Errorf("BaseURL = %q, want %q", c.BaseURL, tt.want)
			}
		})
	}
}

// SMTP_CA_FILE must be a readable file with at least one certificate; a
// mistake is a configuration problem at start, not a mail failure later.
func TestSMTPCAFile(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	writeFile(t, dir, "garbage.pem", "not a certificate\n")
	badCert := filepath.Join(dir, "bad.pem")
	writeFile(t, dir, "bad.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
	good := filepath.Join(dir, "ca.pem")
	writeFile(t, dir, "ca.pem", selfSignedPEM(t))
	tests := []struct {
		name, file, wantProb string
	}{
		{"missing file", filepath.Join(dir, "nope.pem"), "SMTP_CA_FILE cannot be read"},
		{"no certificate", garbage, "holds no PEM certificate"},
		{"broken certificate", badCert, "does not parse"},
		{"valid", good, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromMap(map[string]string{"SMTP_CA_FILE": tt.file})
			if tt.wantProb == "" {
				if err != nil {
					t.Fatal(err)
				}
				pool, err := c.SMTPRootCAs()
				if err != nil || pool == nil {
					t.Fatalf("SMTPRootCAs() = %v, %v", pool, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantProb) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantProb)
			}
		})
	}
	c, err := FromMap(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if pool, err := c.SMTPRootCAs(); pool != nil || err != nil {
		t.Errorf("without SMTP_CA_FILE SMTPRootCAs() = %v, %v; want nil, nil (system roots)", pool, err)
	}
}

// selfSignedPEM is a fresh CA certificate in PEM form.
func selfSignedPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestShutdownDrainDelay(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		want    time.Duration
		wantErr string
	}{
		{"development default", map[string]string{}, 0, ""},
		{"test default", map[string]string{"APP_ENV": "test"}, 0, ""},
		{"production default", validProduction(), DefaultProductionDrainDelay, ""},
		{"production zero kept", with(validProduction(), "SHUTDOWN_DRAIN_DELAY", "0s"), 0, ""},
		{"set", map[string]string{"SHUTDOWN_DRAIN_DELAY": "250ms"}, 250 * time.Millisecond, ""},
		{"negative", map[string]string{"SHUTDOWN_DRAIN_DELAY": "-1s"}, 0, "SHUTDOWN_DRAIN_DELAY must be between"},
		{"too long", map[string]string{"SHUTDOWN_DRAIN_DELAY": "2m"}, 0, "SHUTDOWN_DRAIN_DELAY must be between"},
		{"not a duration", map[string]string{"SHUTDOWN_DRAIN_DELAY": "soon"}, 0, "SHUTDOWN_DRAIN_DELAY: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromMap(tt.vars)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *c.ShutdownDrainDelay != tt.want {
				t.Errorf("ShutdownDrainDelay = %v, want %v", *c.ShutdownDrainDelay, tt.want)
			}
		})
	}
}

// SQLite on a volume is a supported production database on one machine; a
// relative path (the default DATA_DIR) is refused when a command opens it.
func TestCheckDataLocation(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		wantErr string
	}{
		{"production Postgres", validProduction(), ""},
		{"production SQLite in DATA_DIR on a volume", with(validProduction(), "DATABASE_URL", "", "DATA_DIR", "/data"), ""},
		{"production SQLite at an absolute path", with(validProduction(), "DATABASE_URL", "sqlite:/var/lib/cohort/c.db"), ""},
		{"production SQLite in the default DATA_DIR", with(validProduction(), "DATABASE_URL", ""), `SQLite database "data/cohort.db" must be an absolute path`},
		{"production SQLite at a relative path", with(validProduction(), "DATABASE_URL", "sqlite:c.db"), `SQLite database "c.db" must be an absolute path`},
		{"development SQLite in the default DATA_DIR", map[string]string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromMap(tt.vars)
			if err != nil {
				t.Fatalf("config refused: %v", err)
			}
			err = c.CheckDataLocation()
			if tt.wantErr == "" && err != nil {
				t.Fatalf("CheckDataLocation: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("CheckDataLocation = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
