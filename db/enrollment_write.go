package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// enrollmentColumns are the columns a save writes, in placeholder order.
var enrollmentColumns = []string{
	"status", "answers", "completed_steps", "version", "full_name", "is_mentor", "is_mentee",
	"time_zone", "tz_offset_min", "avail_mask", "org", "level", "time_at_level", "distance_pref",
	"track_change", "manager_name", "manager_email", "comments", "submitted_at", "decided_at",
	"expires_at", "renewed_at", "withdrawn_at", "withdraw_reason", "updated_at",
}

// saveStmt is the enrollment UPDATE prepared once on the writer pool. bun
// writes values into the SQL text, so every save would otherwise make the
// database parse a statement carrying the whole answers document — on
// SQLite, where saves queue for the one writer, that parse was the largest
// single cost of a step save.
type saveStmt struct {
	mu   sync.Mutex
	stmt *sql.Stmt
}

func (s *Store) preparedSave(ctx context.Context) *sql.Stmt {
	if _, inTx := s.w.(bun.Tx); inTx || s.save == nil {
		return nil
	}
	s.save.mu.Lock()
	defer s.save.mu.Unlock()
	if s.save.stmt != nil {
		return s.save.stmt
	}
	var b strings.Builder
	b.WriteString("UPDATE enrollments SET ")
	n := 0
	ph := func() string {
		n++
		if s.dialect == "pg" {
			return "$" + itoa(n)
		}
		return "?"
	}
	for i, col := range enrollmentColumns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(col + " = " + ph())
	}
	b.WriteString(" WHERE id = " + ph() + " AND version = " + ph())
	stmt, err := s.writer.DB.PrepareContext(ctx, b.String())
	if err != nil {
		return nil // not migrated yet, or a driver hiccup: bun's path works
	}
	s.save.stmt = stmt
	return stmt
}

// execSave writes e with the prepared statement if the stored version is
// still read; ok is false when the statement is unavailable (caller falls
// back to bun).
func (s *Store) execSave(ctx context.Context, e *Enrollment, read int) (saved, ok bool, err error) {
	stmt := s.preparedSave(ctx)
	if stmt == nil {
		return false, false, nil
	}
	answers, err := json.Marshal(e.Answers)
	if err != nil {
		return false, true, err
	}
	args := []any{
		e.Status, string(answers), e.CompletedSteps, e.Version, e.FullName, s.sqlBool(e.IsMentor), s.sqlBool(e.IsMentee),
		e.TimeZone, e.TZOffsetMin, e.AvailMask, e.Org, e.Level, e.TimeAtLevel, e.DistancePref,
		e.TrackChange, e.ManagerName, e.ManagerEmail, e.Comments, s.sqlTime(e.SubmittedAt), s.sqlTime(e.DecidedAt),
		s.sqlTime(e.ExpiresAt), s.sqlTime(e.RenewedAt), s.sqlTime(e.WithdrawnAt), e.WithdrawReason, s.sqlTime(&e.UpdatedAt),
		e.ID, read,
	}
	res, err := stmt.ExecContext(ctx, args...)
	if err != nil {
		return false, true, translate(err)
	}
	n, err := res.RowsAffected()
	return n == 1, true, err
}

// sqlBool and sqlTime bind values exactly as bun writes them, so rows saved
// either way read, compare and sort the same: SQLite keeps booleans as 0/1
// and times as text in bun's layout.
func (s *Store) sqlBool(b bool) any {
	if s.dialect == "pg" {
		return b
	}
	if b {
		return 1
	}
	return 0
}

func (s *Store) sqlTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	if s.dialect == "pg" {
		return t.UTC()
	}
	return t.UTC().Format("2006-01-02 15:04:05.999999-07:00")
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}
