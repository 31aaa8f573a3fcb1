package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Identity links a person to an account at an identity provider.
type Identity struct {
	bun.BaseModel `bun:"table:identities"`

	ID          int64      `bun:"id,pk,autoincrement"`
	PersonID    int64      `bun:"person_id"`
	Provider    string     `bun:"provider"`
	Subject     string     `bun:"subject"`
	Email       string     `bun:"email"`
	GroupsRole  string     `bun:"groups_role"`
	CreatedAt   time.Time  `bun:"created_at"`
	LastLoginAt *time.Time `bun:"last_login_at"`
}

// IdentityBySubject returns the identity or ErrNotFound.
func (s *Store) IdentityBySubject(ctx context.Context, provider, subject string) (*Identity, error) {
	id := new(Identity)
	err := s.r.NewSelect().Model(id).Where("provider = ? AND subject = ?", provider, subject).Scan(ctx)
	return id, translate(err)
}

// SaveIdentity creates the identity, or updates its email, role from groups
// and last sign-in if (provider, subject) exists.
func (s *Store) SaveIdentity(ctx context.Context, id *Identity) error {
	now := s.now()
	id.LastLoginAt = &now
	if id.CreatedAt.IsZero() {
		id.CreatedAt = now
	}
	_, err := s.w.NewInsert().Model(id).
		On("CONFLICT (provider, subject) DO UPDATE").
		Set("email = EXCLUDED.email").
		Set("groups_role = EXCLUDED.groups_role").
		Set("last_login_at = EXCLUDED.last_login_at").
		Returning("id").
		Exec(ctx)
	return translate(err)
}
