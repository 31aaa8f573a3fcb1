package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

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
	hotSessionEnrollment
	hotPerson
	hotStamp
	hotGrants
	hotEnrollment
	hotCount
)

// hotSQL is each read with Postgres placeholders; SQLite takes the same
// numbered parameters as ?1, ?2.
var hotSQL = [hotCount]string{
	hotSession: "SELECT s.data, s.expires_at, p.id, p.email, p.name, p.role, p.status, p.created_at, p.updated_at, p.last_login_at, p.self_registered " +
		"FROM sessions AS s LEFT JOIN people AS p ON p.id = s.person_id WHERE s.id = $1",
	// The same with the enrollment $2 when it is that person's: an
	// enrollment page's whole read in one query. The columns are filled in
	// from the models (see hotQuery).
	hotSessionEnrollment: "SELECT s.data AS s_data, s.expires_at AS s_expires_at, %s, %s FROM sessions AS s " +
		"LEFT JOIN people AS p ON p.id = s.person_id " +
		"LEFT JOIN enrollments AS e ON e.id = $2 AND e.person_id = s.person_id WHERE s.id = $1",
	hotPerson: "SELECT id, email, name, role, status, created_at, updated_at, last_login_at, self_registered FROM people WHERE id = $1",
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
	switch i {
	case hotEnrollment:
		q = fmt.Sprintf(q, s.modelColumns(reflect.TypeFor[Enrollment](), ""))
	case hotSessionEnrollment:
		q = fmt.Sprintf(q, s.modelColumns(reflect.TypeFor[Person](), "p"), s.modelColumns(reflect.TypeFor[Enrollment](), "e"))
	}
	if s.dialect != "pg" {
		return strings.ReplaceAll(q, "$", "?")
	}
	return q
}

// modelColumns lists a model's columns in its field order, so bun scans
// them as it scans its own queries. With a table alias each is read as
// alias.col AS alias_col, the names an `embed:alias_` field expects.
func (s *Store) modelColumns(model reflect.Type, alias string) string {
	var cols []string
	for _, f := range s.reader.Table(model).Fields {
		c := string(f.SQLName)
		if alias != "" {
			c = alias + "." + c + " AS " + alias + "_" + f.Name
		}
		cols = append(cols, c)
	}
	return strings.Join(cols, ", ")
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

// session reads a live session with its person (nil when it names none)
// and, when enrollmentID is one of that person's enrollments, the
// enrollment (nil otherwise). Data is nil for a missing or expired session.
func (h *hotStmts) session(ctx context.Context, s *Store, key string, enrollmentID int64) ([]byte, *Person, *Enrollment, error) {
	if enrollmentID != 0 {
		return h.sessionEnrollment(ctx, s, key, enrollmentID)
	}
	// Every signed-in request makes this read: scanned by hand, it costs a
	// fraction of the enrollment variant's allocations.
	var data []byte
	var exp, created, updated, last sql.NullTime
	var id sql.NullInt64
	var email, name, role, status sql.NullString
	var selfReg sql.NullBool
	err := h.stmts[hotSession].QueryRowContext(ctx, sessionKey(key)).
		Scan(&data, &exp, &id, &email, &name, &role, &status, &created, &updated, &last, &selfReg)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil, nil
	}
	if err != nil {
		return nil, nil, nil, translate(err)
	}
	if exp.Valid && !exp.Time.After(s.now()) {
		return nil, nil, nil, nil
	}
	if !id.Valid {
		return data, nil, nil, nil
	}
	p := &Person{ID: id.Int64, Email: email.String, Name: name.String, Role: role.String, Status: status.String,
		CreatedAt: created.Time, UpdatedAt: updated.Time, SelfRegistered: selfReg.Bool}
	if last.Valid {
		p.LastLoginAt = &last.Time
	}
	return data, inUTC(p), nil, nil
}

// sessionRow is one row of hotSessionEnrollment.
type sessionRow struct {
	Data       []byte     `bun:"s_data"`
	ExpiresAt  *time.Time `bun:"s_expires_at"`
	Person     Person     `bun:"embed:p_"`
	Enrollment Enrollment `bun:"embed:e_"`
}

func (h *hotStmts) sessionEnrollment(ctx context.Context, s *Store, key string, enrollmentID int64) ([]byte, *Person, *Enrollment, error) {
	rows, err := h.stmts[hotSessionEnrollment].QueryContext(ctx, sessionKey(key), enrollmentID)
	if err != nil {
		return nil, nil, nil, translate(err)
	}
	var found []sessionRow
	if err := s.reader.ScanRows(ctx, rows, &found); err != nil {
		return nil, nil, nil, translate(err)
	}
	if len(found) == 0 {
		return nil, nil, nil, nil
	}
	r := &found[0]
	if r.ExpiresAt != nil && !r.ExpiresAt.After(s.now()) {
		return nil, nil, nil, nil
	}
	if r.Person.ID == 0 {
		return r.Data, nil, nil, nil
	}
	p := inUTC(&r.Person)
	if r.Enrollment.ID == 0 {
		return r.Data, p, nil, nil
	}
	e := &r.Enrollment
	e.Answers = normalizeAnswers(e.Answers)
	return r.Data, p, e, nil
}

func (h *hotStmts) person(ctx context.Context, id int64) (*Person, error) {
	p := new(Person)
	var last sql.NullTime
	err := h.stmts[hotPerson].QueryRowContext(ctx, id).Scan(&p.ID, &p.Email, &p.Name, &p.Role, &p.Status, &p.CreatedAt, &p.UpdatedAt, &last, &p.SelfRegistered)
	if err != nil {
		return nil, translate(err)
	}
	if last.Valid {
		p.LastLoginAt = &last.Time
	}
	return inUTC(p), nil
}

// inUTC sets p's times in UTC, as the store writes them, whatever zone the
// driver read them in.
func inUTC(p *Person) *Person {
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if p.LastLoginAt != nil {
		t := p.LastLoginAt.UTC()
		p.LastLoginAt = &t
	}
	return p
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
