package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// Group lists are compared with the groups a provider sends, exactly: a
// space after a comma must not make "cohort-admins" a group nobody is in.
func TestGroupListsAreTrimmed(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"space after comma", "root, cohort-admins", []string{"root", "cohort-admins"}},
		{"spaces around", "  staff ,  mentoring-staff  ", []string{"staff", "mentoring-staff"}},
		{"empty entries dropped", "a,, b ,", []string{"a", "b"}},
		{"only separators", " , ,", nil},
		{"unset", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromMap(map[string]string{"STAFF_GROUPS": tt.in, "ADMIN_GROUPS": tt.in})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.StaffGroups, tt.want) || !slices.Equal(c.AdminGroups, tt.want) {
				t.Fatalf("STAFF_GROUPS=%q → %q, ADMIN_GROUPS → %q; want %q", tt.in, c.StaffGroups, c.AdminGroups, tt.want)
			}
		})
	}
}

func TestOIDCIssuerScheme(t *testing.T) {
	sso := func(base map[string]string, issuer string) map[string]string {
		return with(base, "OIDC_ISSUER", issuer, "OIDC_CLIENT_ID", "cohort", "OIDC_CLIENT_SECRET", "s3cret")
	}
	const want = "OIDC_ISSUER must use https in production"
	tests := []struct {
		name    string
		vars    map[string]string
		refused bool
	}{
		{"production https", sso(validProduction(), "https://sso.example.org/"), false},
		{"production http", sso(validProduction(), "http://sso.example.org/"), true},
		{"production http localhost", sso(validProduction(), "http://localhost:5556/dex"), true},
		{"development http localhost", sso(map[string]string{}, "http://localhost:5556/dex"), false},
		{"test http", sso(map[string]string{"APP_ENV": EnvTest}, "http://127.0.0.1:5556/"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromMap(tt.vars)
			var p Problems
			refused := errors.As(err, &p) && slices.ContainsFunc(p, func(s string) bool { return strings.HasPrefix(s, want) })
			if refused != tt.refused {
				t.Fatalf("refused = %v, want %v (err: %v)", refused, tt.refused, err)
			}
			if !tt.refused && err != nil {
				t.Fatalf("unexpected problems: %v", err)
			}
		})
	}
	t.Run("listed with the other problems", func(t *testing.T) {
		_, err := FromMap(with(sso(validProduction(), "http://sso.example.org/"), "SECRET_KEY", "short"))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "SECRET_KEY is too short") {
			t.Fatalf("want both problems listed, got %v", err)
		}
	})
}
