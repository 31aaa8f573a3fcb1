package main

import (
	"context"
	"strings"
	"testing"

	"cohort/config"
	"cohort/db"
)

func TestTokenCreate(t *testing.T) {
	path := testEnv(t)
	if code, _, stderr := runCmd(t, "migrate", "up"); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	ctx := context.Background()
	store, err := db.Open(ctx, config.Database{Dialect: config.DialectSQLite, DSN: path}, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.CreatePerson(ctx, &db.Person{Email: "ops@example.org", Name: "Ops", Role: db.RoleStaff}); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, "token", "create", "--email", "OPS@example.org", "--name", "nightly")
	token := strings.TrimSpace(stdout)
	if code != 0 || !strings.HasPrefix(token, db.APITokenPrefix) || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("token create = %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if strings.Contains(stderr, token) {
		t.Error("the token went to stderr as well")
	}
	got, err := store.APITokenByToken(ctx, token)
	if err != nil || got.Name != "nightly" {
		t.Fatalf("stored token = %+v, %v", got, err)
	}
	evs, err := store.ListAudit(ctx, db.AuditQuery{Action: "token.create"})
	if err != nil || len(evs) != 1 || evs[0].ActorID != nil {
		t.Fatalf("audit = %+v, %v", evs, err)
	}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"token"}, exitUsage, "token needs"},
		{[]string{"token", "create"}, exitUsage, "needs --email"},
		{[]string{"token", "create", "--email", "ops@example.org", "extra"}, exitUsage, "needs --email"},
		{[]string{"token", "create", "--email", "ops@example.org", "--name", " "}, exitUsage, "--name must be"},
		{[]string{"token", "create", "--bogus"}, exitUsage, "not defined"},
		{[]string{"token", "create", "--email", "nobody@example.org"}, 1, "no person has the email nobody@example.org"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCmd(t, tt.args...)
			if code != tt.code || stdout != "" || !strings.Contains(stderr, tt.want) {
				t.Fatalf("= %d, stdout %q, stderr %q; want %d and %q", code, stdout, stderr, tt.code, tt.want)
			}
		})
	}
}
