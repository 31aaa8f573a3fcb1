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

// enrollmentColumns are the columns a save may write, in the order of
// saveValues. A save writes the answers, the version and the time, and of
// the rest only those that changed.
var enrollmentColumns = [...]string{
	"answers", "version", "updated_at",
	"status", "completed_steps", "full_name", "is_mentor", "is_mentee",
	"time_zone", "tz_offset_min", "avail_mask", "org", "level", "time_at_level", "distance_pref",
	"track_change", "manager_name", "manager_email", "comments", "submitted_at", "decided_at",
	"expires_at", "renewed_at", "withdrawn_at", "withdraw_reason", "form_version",
}

// alwaysWritten is how many of enrollmentColumns every save writes.
const alwaysWritten = 3

// saveValues binds e's columns in enrollmentColumns order, with answers
// already encoded.
func (s *Store) saveValues(e *Enrollment, answers string) [len(enrollmentColumns)]any {
	return [...]any{
		answers, e.Version, s.sqlTime(&e.UpdatedAt),
		e.Status, e.CompletedSteps, e.FullName, s.sqlBool(e.IsMentor), s.sqlBool(e.IsMentee),
		e.TimeZone, e.TZOffsetMin, e.AvailMask, e.Org, e.Level, e.TimeAtLevel, e.DistancePref,
		e.TrackChange, e.ManagerName, e.ManagerEmail, e.Comments, s.sqlTime(e.SubmittedAt), s.sqlTime(e.DecidedAt),
		s.sqlTime(e.ExpiresAt), s.sqlTime(e.RenewedAt), s.sqlTime(e.WithdrawnAt), e.WithdrawReason, e.FormVersion,
	}
}

// saveStmts are the enrollment UPDATEs prepared on the writer pool, one per
// set of columns written. bun writes values into the SQL text, so every
// save would otherwise make the database parse a statement carrying the
// whole answers document — on SQLite, where saves queue for the one
// writer, that parse was the largest single cost of a step save. Writing
// only what changed keeps a typical save (an answer or two) away from the
// columns the participant table shows: on Postgres its update trigger
// (AFTER UPDATE OF those columns) then does not even have to look.
type saveStmts struct {
	mu    sync.Mutex
	stmts map[uint32]*sql.Stmt
}

// maxSaveStmts bounds the prepared variants; saves come in a handful of
// shapes, and any beyond the bound run unprepared.
const maxSaveStmts = 64

func (st *saveStmts) close() {
	st.mu.Lock()
	defer st.mu.Unlock()
	for k, stmt := range st.stmts {
		_ = stmt.Close()
		delete(st.stmts, k)
	}
}

// saveQuery is the UPDATE writing the columns in set (bit i: column i),
// checked against the version read.
func (s *Store) saveQuery(set uint32) string {
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
		if set&(1<<i) == 0 {
			continue
		}
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(col + " = " + ph())
	}
	b.WriteString(" WHERE id = " + ph() + " AND version = " + ph())
	return b.String()
}

// preparedSave returns the prepared UPDATE for set, or nil when there is
// none to be had (in a transaction, past the bound, or before migrations).
func (s *Store) preparedSave(ctx context.Context, set uint32) *sql.Stmt {
	if _, inTx := s.w.(bun.Tx); inTx || s.save == nil {
		return nil
	}
	s.save.mu.Lock()
	defer s.save.mu.Unlock()
	if stmt := s.save.stmts[set]; stmt != nil {
		return stmt
	}
	if len(s.save.stmts) >= maxSaveStmts {
		return nil
	}
	stmt, err := s.writer.DB.PrepareContext(ctx, s.saveQuery(set))
	if err != nil {
		return nil // not migrated yet, or a driver hiccup: bun's path works
	}
	if s.save.stmts == nil {
		s.save.stmts = make(map[uint32]*sql.Stmt)
	}
	s.save.stmts[set] = stmt
	return stmt
}

// execSave writes e if the stored version is still read, setting the
// columns whose values differ from before (saveValues of the enrollment as
// read) and the ones every save writes; ok is false when no prepared
// statement is available (the caller falls back to bun).
func (s *Store) execSave(ctx context.Context, e *Enrollment, read int, before *[len(enrollmentColumns)]any) (saved, ok bool, err error) {
	answers, err := json.Marshal(e.Answers)
	if err != nil {
		return false, true, err
	}
	after := s.saveValues(e, string(answers))
	var set uint32
	args := make([]any, 0, len(after)+2)
	for i, v := range after {
		if i < alwaysWritten || !sameValue(before[i], v) {
			set |= 1 << i
			args = append(args, v)
		}
	}
	stmt := s.preparedSave(ctx, set)
	if stmt == nil {
		return false, false, nil
	}
	res, err := stmt.ExecContext(ctx, append(args, e.ID, read)...)
	if err != nil {
		return false, true, translate(err)
	}
	n, err := res.RowsAffected()
	return n == 1, true, err
}

// sameValue compares two bound values: times by instant, the rest (strings,
// numbers, booleans, nil) as they are.
func sameValue(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	return a == b
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
