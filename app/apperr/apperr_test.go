package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"cohort/db"
)

type statusErr int

func (s statusErr) Error() string   { return fmt.Sprintf("status %d", int(s)) }
func (s statusErr) StatusCode() int { return int(s) }

func TestFrom(t *testing.T) {
	secret := errors.New("pq: relation people: password=hunter2")
	tests := []struct {
		name    string
		err     error
		code    Code
		status  int
		message string
	}{
		{"app error kept", New(Forbidden, "Not yours."), Forbidden, 403, "Not yours."},
		{"wrapped app error", fmt.Errorf("ctx: %w", New(Invalid, "Bad date.")), Invalid, 422, "Bad date."},
		{"not found", fmt.Errorf("load: %w", db.ErrNotFound), NotFound, 404, defaultMessages[NotFound]},
		{"conflict", db.ErrConflict, Conflict, 409, defaultMessages[Conflict]},
		{"router 404", statusErr(404), NotFound, 404, defaultMessages[NotFound]},
		{"router 405", statusErr(405), Invalid, 422, defaultMessages[Invalid]},
		{"body too large", statusErr(413), TooLarge, 413, defaultMessages[TooLarge]},
		{"internal hides cause", secret, Internal, http.StatusInternalServerError, defaultMessages[Internal]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := From(tt.err)
			if got.Code != tt.code || got.Status() != tt.status || got.Message != tt.message {
				t.Fatalf("From(%v) = %q %d %q; want %q %d %q", tt.err, got.Code, got.Status(), got.Message, tt.code, tt.status, tt.message)
			}
		})
	}
	if !errors.Is(From(secret), secret) {
		t.Fatal("cause must stay in the chain for logs")
	}
}
