package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/uptrace/bun"
)

// hotStmts are the reads nearly every signed-in request makes (its
// session, its person, their roles and overrides) and the participant
// table's data version, prepared once per pool instead of being built by
// bun and parsed (and, on Postgres, planned) by the database each time: on
// SQLite that parse is a third of a small query's cost, and on Postgres
// planning the version read cost more than running it.
type hotStmts struct {
	mu    sync.Mutex
	ready bool
	stmts [hotCount]*sql.Stmt
}

// The prepared reads.
const (
	hotSession = iota
	hotPerson
	hotStamp
	hotGrants
	hotEnrollment
	hotCount
)

// hotSQL is each read with Postgres placeholders; SQLite takes the same
// numbered parameters as ?1, ?2.
var hotSQL = [hotCount]string{
	hotSession: "SELECT s.data, s.expires_at, p.id, p.email, p.name, p.role, p.status, p.created_at, p.updated_at, p.last_login_at " +
		"FROM sessions AS s LEFT JOIN people AS p ON p.id = s.person_id WHERE s.id = $1",
	hotPerson: "SELECT id, email, name, role, status, created_at, updated_at, last_login_at FROM people WHERE id = $1",
	hotStamp: "SELECT (SELECT COALESCE(SUM(n), 0) FROM staff_versions WHERE program_id = $1), " +
		"(SELECT COUNT(*) FROM pairs WHERE program_id = $1), " +
		"(SELECT COUNT(*) FROM pairs WHERE program_id = $1 AND status = $2), " +
		"(SELECT COUNT(*) FROM pairs WHERE program_id = $1 AND status = $3)",
	// A person's program roles (kind 'r') and permission overrides ('o').
	hotGrants: "SELECT 'r', 0, program_id, role, '' FROM program_roles WHERE person_id = $1 " +
		"UNION ALL SELECT 'o', id, program_id, permission, effect FROM permission_overrides WHERE person_id = $1 " +
		"ORDER BY 1, 3, 4",
	// The columns are filled in from the model (see hotQuery).
	hotEnrollment: "SELECT %s FROM enrollments WHERE id = $1",
}

// hotQuery is read i in the store's dialect.
func (s *Store) hotQuery(i int) string {
	q := hotSQL[i]
	if i == hotEnrollment {
		// Exactly the model's columns, in its order, so bun scans them as
		// it scans its own queries.
		var cols []string
		for _, f := range s.reader.Table(reflect.TypeFor[Enrollment]()).Fields {
			cols = append(cols, string(f.SQLName))
		}
		q = fmt.Sprintf(q, strings.Join(cols, ", "))
	}
	if s.dialect != "pg" {
		return strings.ReplaceAll(q, "$", "?")
	}
	return q
}

// hot returns the prepared statements, or nil inside a transaction (whose
// reads must see its own writes) or when they cannot be prepared yet (a
// database not migrated yet): callers then take bun's path.
func (s *Store) hot(ctx context.Context) *hotStmts {
	if _, inTx := s.r.(bun.Tx); inTx || s.hotStmts == nil {
		return nil
	}
	h := s.hotStmts
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ready {
		return h
	}
	for i := range hotSQL {
		st, err := s.reader.DB.PrepareContext(ctx, s.hotQuery(i))
		if err != nil {
			h.closeLocked()
			return nil
		}
		h.stmts[i] = st
	}
	h.ready = true
	return h
}

func (h *hotStmts) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closeLocked()
}

func (h *hotStmts) closeLocked() {
	for i, st := range h.stmts {
		if st != nil {
			_ = st.Close()
		}
		h.stmts[i] = nil
	}
	h.ready = false
}

func (h *hotStmts) session(ctx context.Context, s *Store, key string) ([]byte, error) {
	data, _, err := h.sessionWithPerson(ctx, s, key)
	return data, err
}

func (h *hotStmts) sessionWithPerson(ctx context.Context, s *Store, key string) ([]byte, *Person, error) {
	var data []byte
	var exp, created, updated, last sql.NullTime
	var id sql.NullInt64
	var email, name, role, status sql.NullString
	err := h.stmts[hotSession].QueryRowContext(ctx, sessionKey(key)).
		Scan(&data, &exp, &id, &email, &name, &role, &status, &created, &updated, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, translate(err)
	}
	if exp.Valid && !exp.Time.After(s.now()) {
		return nil, nil, nil
	}
	if !id.Valid {
		return data, nil, nil
	}
	p := &Person{ID: id.Int64, Email: email.String, Name: name.String, Role: role.String, Status: status.String,
		CreatedAt: created.Time.UTC(), UpdatedAt: updated.Time.UTC()}
	if last.Valid {
		t := last.Time.UTC()
		p.LastLoginAt = &t
	}
	return data, p, nil
}

func (h *hotStmts) person(ctx context.Context, id int64) (*Person, error) {
	p := new(Person)
	var last sql.NullTime
	err := h.stmts[hotPerson].QueryRowContext(ctx, id).Scan(&p.ID, &p.Email, &p.Name, &p.Role, &p.Status, &p.CreatedAt, &p.UpdatedAt, &last)
	if err != nil {
		return nil, translate(err)
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if last.Valid {
		t := last.Time.UTC()
		p.LastLoginAt = &t
	}
	return p, nil
}

func (h *hotStmts) stamp(ctx context.Context, programID int64) (v, total, active, ended int64, err error) {
	err = h.stmts[hotStamp].QueryRowContext(ctx, programID, PairActive, PairEnded).Scan(&v, &total, &active, &ended)
	return v, total, active, ended, translate(err)
}

func (h *hotStmts) grants(ctx context.Context, personID int64) (map[int64]string, []PermissionOverride, error) {
	rows, err := h.stmts[hotGrants].QueryContext(ctx, personID)
	if err != nil {
		return nil, nil, translate(err)
	}
	defer rows.Close()
	roles := map[int64]string{}
	var overrides []PermissionOverride
	for rows.Next() {
		var kind, name, effect string
		var id, programID int64
		if err := rows.Scan(&kind, &id, &programID, &name, &effect); err != nil {
			return nil, nil, translate(err)
		}
		if kind == "r" {
			roles[programID] = name
		} else {
			overrides = append(overrides, PermissionOverride{ID: id, PersonID: personID, ProgramID: programID, Permission: name, Effect: effect})
		}
	}
	return roles, overrides, translate(rows.Err())
}

// enrollment reads one enrollment through the prepared statement, scanned
// by bun like any of its queries.
func (h *hotStmts) enrollment(ctx context.Context, s *Store, id int64) (*Enrollment, error) {
	rows, err := h.stmts[hotEnrollment].QueryContext(ctx, id)
	if err != nil {
		return nil, translate(err)
	}
	var es []Enrollment
	if err := s.reader.ScanRows(ctx, rows, &es); err != nil {
		return nil, translate(err)
	}
	if len(es) == 0 {
		return nil, ErrNotFound
	}
	return &es[0], nil
}
