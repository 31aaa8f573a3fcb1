package apperr

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// sqliteErr has the shape of modernc.org/sqlite's error: a result code.
type sqliteErr int

func (e sqliteErr) Error() string { return fmt.Sprintf("sqlite error %d", int(e)) }
func (e sqliteErr) Code() int     { return int(e) }

func TestDatabaseUnavailable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"request deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), true},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{"postgres connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"postgres shutting down", &pgconn.PgError{Code: "57P01"}, true},
		{"postgres query cancelled", &pgconn.PgError{Code: "57014"}, true},
		{"postgres unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"postgres syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"sqlite busy", sqliteErr(5), true},
		{"sqlite busy snapshot (extended)", sqliteErr(5 | 2<<8), true},
		{"sqlite cannot open", sqliteErr(14), true},
		{"sqlite constraint", sqliteErr(19), false},
		{"database closed", errors.New("sql: database is closed"), true},
		{"a bug", errors.New("nil map"), false},
		{"nothing", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DatabaseUnavailable(tt.err); got != tt.want {
				t.Fatalf("DatabaseUnavailable(%v) = %v, want %v", tt.err, got, tt.want)
			}
			if tt.err != nil && tt.want {
				if e := From(tt.err); e.Status() != 503 {
					t.Fatalf("From(%v) status %d, want 503", tt.err, e.Status())
				}
			}
		})
	}
}
