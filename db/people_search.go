package db

import (
	"context"
	"strconv"
	"strings"

	"cohort/config"

	"github.com/uptrace/bun"
)

// SearchPeople finds people whose email or name contains q, ignoring ASCII
// case, ordered by email; an empty q lists people from the start. Only
// ASCII letters are folded, on purpose: SQLite's lower() folds only ASCII,
// and Postgres's lower() under the "C" collation does the same, so both
// databases return the same rows whatever the server's locale.
func (s *Store) SearchPeople(ctx context.Context, q string, limit int) ([]*Person, error) {
	ps, _, err := s.searchPeople(ctx, q, 0, limit, false)
	return ps, err
}

// SearchPeoplePage is SearchPeople from offset (an admin's page of the
// list), with the total number of people matching.
func (s *Store) SearchPeoplePage(ctx context.Context, q string, offset, limit int) ([]*Person, int, error) {
	return s.searchPeople(ctx, q, offset, limit, true)
}

func (s *Store) searchPeople(ctx context.Context, q string, offset, limit int, count bool) ([]*Person, int, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	// Byte order on both databases, so results (and the limit's cut) do
	// not depend on the Postgres server's collation.
	email, name := "email", "name"
	if s.dialect == config.DialectPostgres {
		email, name = `email COLLATE "C"`, `name COLLATE "C"`
	}
	var ps []*Person
	// id breaks ties, so pages neither repeat nor skip anyone.
	sel := s.r.NewSelect().Model(&ps).OrderExpr(email).Order("id").Limit(int64(limit))
	if offset > 0 {
		sel.Offset(int64(offset))
	}
	if q = strings.TrimSpace(q); q != "" {
		pattern := "%" + escapeLike(asciiLower(q)) + "%"
		email, name := "lower("+email+")", "lower("+name+")"
		// "!" as the escape character: a backslash would need different
		// quoting on each database.
		sel.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where(email+" LIKE ? ESCAPE '!'", pattern).WhereOr(name+" LIKE ? ESCAPE '!'", pattern)
		})
	}
	if !count {
		err := sel.Scan(ctx)
		return ps, 0, translate(err)
	}
	total, err := sel.ScanAndCount(ctx)
	return ps, int(total), translate(err)
}

// escapeLike makes %, _ and the escape character itself match literally.
func escapeLike(s string) string {
	r := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	return r.Replace(s)
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// PeopleByIDs returns the people with these ids by id, skipping missing
// ones (the audit log resolves actors with it).
func (s *Store) PeopleByIDs(ctx context.Context, ids []int64) (map[int64]*Person, error) {
	out := make(map[int64]*Person, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var ps []*Person
	if err := s.r.NewSelect().Model(&ps).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	for _, p := range ps {
		out[p.ID] = p
	}
	return out, nil
}

// AuditAboutPerson returns the newest events whose subject is the person
// (the admin person page shows them).
func (s *Store) AuditAboutPerson(ctx context.Context, personID int64, limit int) ([]*AuditEvent, error) {
	if limit <= 0 || limit > 500 {
		limit = 20
	}
	var evs []*AuditEvent
	err := s.r.NewSelect().Model(&evs).
		Where("subject_type = ? AND subject_id = ?", "person", strconv.FormatInt(personID, 10)).
		Order("at DESC", "id DESC").Limit(int64(limit)).Scan(ctx)
	return evs, translate(err)
}
