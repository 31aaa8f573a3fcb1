package web

import (
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestBearerWithoutCookies(t *testing.T) {
	tests := []struct {
		name          string
		path          string
		authorization string
		cookie        string
		want          bool
	}{
		{"bearer, no cookie", "/api/v1/programs", "Bearer cohort_abc", "", true},
		{"scheme in any case", "/api/v1/programs", "bearer cohort_abc", "", true},
		{"bearer with a cookie", "/api/v1/programs", "Bearer cohort_abc", "cohort_session=x", false},
		{"bearer with only the CSRF cookie", "/api/v1/programs", "Bearer cohort_abc", "cohort_csrf=n", false},
		{"no authorization", "/api/v1/programs", "", "", false},
		{"empty bearer", "/api/v1/programs", "Bearer ", "", false},
		{"basic", "/api/v1/programs", "Basic dTpw", "", false},
		{"outside the API", "/admin/people", "Bearer cohort_abc", "", false},
		{"prefix lookalike", "/apiv1/programs", "Bearer cohort_abc", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := fiber.New()
			var got bool
			app.Post("/*", func(c *fiber.Ctx) error {
				got = bearerWithoutCookies(c)
				return nil
			})
			req := httptest.NewRequest("POST", tt.path, nil)
			if tt.authorization != "" {
				req.Header.Set("Authorization", tt.authorization)
			}
			if tt.cookie != "" {
				req.Header.Set("Cookie", tt.cookie)
			}
			if _, err := app.Test(req); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("bearerWithoutCookies = %v, want %v", got, tt.want)
			}
		})
	}
}
