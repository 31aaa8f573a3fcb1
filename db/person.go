package db

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Global roles. Program-scoped roles come on top of these.
const (
	RoleMember = "member"
	RoleStaff  = "staff"
	RoleAdmin  = "admin"
)

// Person statuses.
const (
	PersonActive   = "active"
	PersonDisabled = "disabled"
)

// Person is someone who can sign in.
type Person struct {
	bun.BaseModel `bun:"table:people"`

	ID          int64      `bun:"id,pk,autoincrement"`
	Email       string     `bun:"email"`
	Name        string     `bun:"name"`
	Role        string     `bun:"role"`
	Status      string     `bun:"status"`
	CreatedAt   time.Time  `bun:"created_at"`
	UpdatedAt   time.Time  `bun:"updated_at"`
	LastLoginAt *time.Time `bun:"last_login_at"`
	// SelfRegistered marks an account created by confirming an emailed
	// code; only programs with the self-registration flag take its
	// enrollments (until SSO vouches for it: see ClearSelfRegistered).
	SelfRegistered bool `bun:"self_registered"`
}

// NormalizeEmail is the one canonical form of an email address: trimmed and
// lower-cased, so lookups and the unique index agree.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// CreatePerson inserts p (email normalised, defaults filled) and sets its ID.
// A second person with the same email is ErrConflict.
func (s *Store) CreatePerson(ctx context.Context, p *Person) error {
	s.preparePerson(p)
	_, err := s.w.NewInsert().Model(p).Returning("id").Exec(ctx)
	return translate(err)
}

// CreatePeople inserts many people in one statement (seeding, imports) and
// sets their IDs.
func (s *Store) CreatePeople(ctx context.Context, ps []*Person) error {
	if len(ps) == 0 {
		return nil
	}
	for _, p := range ps {
		s.preparePerson(p)
	}
	_, err := s.w.NewInsert().Model(&ps).Returning("id").Exec(ctx)
	return translate(err)
}

func (s *Store) preparePerson(p *Person) {
	p.Email = NormalizeEmail(p.Email)
	if p.Role == "" {
		p.Role = RoleMember
	}
	if p.Status == "" {
		p.Status = PersonActive
	}
	now := s.now()
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	p.UpdatedAt = now
}

// PersonByID returns the person or ErrNotFound.
func (s *Store) PersonByID(ctx context.Context, id int64) (*Person, error) {
	if h := s.hot(ctx); h != nil {
		return h.person(ctx, id)
	}
	p := new(Person)
	err := s.r.NewSelect().Model(p).Where("id = ?", id).Scan(ctx)
	return p, translate(err)
}

// PersonByEmail returns the person with that email (any case) or ErrNotFound.
func (s *Store) PersonByEmail(ctx context.Context, email string) (*Person, error) {
	p := new(Person)
	err := s.r.NewSelect().Model(p).Where("email = ?", NormalizeEmail(email)).Scan(ctx)
	return p, translate(err)
}

// PeopleByEmails returns the people with these emails, in the given order,
// skipping any that do not exist.
func (s *Store) PeopleByEmails(ctx context.Context, emails []string) ([]*Person, error) {
	norm := make([]string, len(emails))
	for i, e := range emails {
		norm[i] = NormalizeEmail(e)
	}
	var ps []*Person
	if err := s.r.NewSelect().Model(&ps).Where("email IN (?)", bun.List(norm)).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	byEmail := make(map[string]*Person, len(ps))
	for _, p := range ps {
		byEmail[p.Email] = p
	}
	out := make([]*Person, 0, len(ps))
	for _, e := range norm {
		if p, ok := byEmail[e]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// RecordLogin stamps the person's last sign-in time.
func (s *Store) RecordLogin(ctx context.Context, id int64) error {
	now := s.now()
	res, err := s.w.NewUpdate().Model((*Person)(nil)).
		Set("last_login_at = ?", now).Set("updated_at = ?", now).
		Where("id = ?", id).Exec(ctx)
	return expectOne(res, err)
}

// CountPeople counts every person (the empty-database check for seeding).
func (s *Store) CountPeople(ctx context.Context) (int, error) {
	n, err := s.r.NewSelect().Model((*Person)(nil)).Count(ctx)
	return int(n), translate(err)
}

// ClearSelfRegistered records that someone vouched for the account (an SSO
// sign-in linked it), so it enrolls like any other.
func (s *Store) ClearSelfRegistered(ctx context.Context, id int64) error {
	_, err := s.w.NewUpdate().Model((*Person)(nil)).Set("self_registered = ?", false).
		Where("id = ? AND self_registered", id).Exec(ctx)
	return translate(err)
}
