package db

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/uptrace/bun"
)

// hotStmts are the two reads every signed-in request makes (its session and
// its person), prepared once per pool connection instead of being built by
// bun and parsed by the database each time: on SQLite that parse is a third
// of a small query's cost.
type hotStmts struct {
	mu         sync.Mutex
	sessionGet *sql.Stmt
	personByID *sql.Stmt
}

const (
	hotSessionSQLite = "SELECT data, expires_at FROM sessions WHERE id = ?"
	hotSessionPG     = "SELECT data, expires_at FROM sessions WHERE id = $1"
	hotPersonSQLite  = "SELECT id, email, name, role, status, created_at, updated_at, last_login_at FROM people WHERE id = ?"
	hotPersonPG      = "SELECT id, email, name, role, status, created_at, updated_at, last_login_at FROM people WHERE id = $1"
)

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
	if h.sessionGet != nil {
		return h
	}
	sessionSQL, personSQL := hotSessionSQLite, hotPersonSQLite
	if s.dialect == "pg" {
		sessionSQL, personSQL = hotSessionPG, hotPersonPG
	}
	sg, err := s.reader.DB.PrepareContext(ctx, sessionSQL)
	if err != nil {
		return nil
	}
	pb, err := s.reader.DB.PrepareContext(ctx, personSQL)
	if err != nil {
		_ = sg.Close()
		return nil
	}
	h.sessionGet, h.personByID = sg, pb
	return h
}

func (h *hotStmts) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, st := range []*sql.Stmt{h.sessionGet, h.personByID} {
		if st != nil {
			_ = st.Close()
		}
	}
	h.sessionGet, h.personByID = nil, nil
}

func (h *hotStmts) session(ctx context.Context, s *Store, key string) ([]byte, error) {
	var data []byte
	var exp sql.NullTime
	err := h.sessionGet.QueryRowContext(ctx, sessionKey(key)).Scan(&data, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	if exp.Valid && !exp.Time.After(s.now()) {
		return nil, nil
	}
	return data, nil
}

func (h *hotStmts) person(ctx context.Context, id int64) (*Person, error) {
	p := new(Person)
	var last sql.NullTime
	err := h.personByID.QueryRowContext(ctx, id).Scan(&p.ID, &p.Email, &p.Name, &p.Role, &p.Status, &p.CreatedAt, &p.UpdatedAt, &last)
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
