package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// APITokenPrefix starts every personal API token, so a leaked one is easy
// to recognise (and to search for in logs and repositories).
const APITokenPrefix = "cohort_"

// APIToken is a personal token for the JSON API. Only a SHA-256 of the
// token is stored: a database dump reveals no usable token. A token acts
// with its owner's permissions, whatever they are when it is used.
type APIToken struct {
	bun.BaseModel `bun:"table:api_tokens"`

	ID         int64      `bun:"id,pk,autoincrement"`
	PersonID   int64      `bun:"person_id"`
	Name       string     `bun:"name"`
	TokenHash  string     `bun:"token_hash"`
	CreatedAt  time.Time  `bun:"created_at"`
	LastUsedAt *time.Time `bun:"last_used_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
}

// Revoked reports whether the token was revoked.
func (t *APIToken) Revoked() bool { return t.RevokedAt != nil }

// HashAPIToken is how a token is stored and looked up: hex SHA-256. A token
// is 256 random bits, so a fast unsalted hash is enough (nothing to guess).
func HashAPIToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateAPIToken makes a new token for the person and returns it in clear:
// the only time it exists outside the caller's hands. The row gets the
// token's hash.
func (s *Store) CreateAPIToken(ctx context.Context, personID int64, name string) (string, *APIToken, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, err
	}
	token := APITokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	t := &APIToken{PersonID: personID, Name: strings.TrimSpace(name), TokenHash: HashAPIToken(token), CreatedAt: s.now()}
	if _, err := s.w.NewInsert().Model(t).Returning("id").Exec(ctx); err != nil {
		return "", nil, translate(err)
	}
	return token, t, nil
}

// APITokenByToken finds the token a client sent (revoked ones too: the
// caller decides), or ErrNotFound.
func (s *Store) APITokenByToken(ctx context.Context, token string) (*APIToken, error) {
	t := new(APIToken)
	if err := s.r.NewSelect().Model(t).Where("token_hash = ?", HashAPIToken(token)).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	return t, nil
}

// APITokensByPerson lists a person's tokens, newest first.
func (s *Store) APITokensByPerson(ctx context.Context, personID int64) ([]*APIToken, error) {
	var out []*APIToken
	err := s.r.NewSelect().Model(&out).Where("person_id = ?", personID).Order("created_at DESC", "id DESC").Scan(ctx)
	return out, translate(err)
}

// RevokeAPIToken revokes the person's token id. Someone else's token, or
// none, is ErrNotFound; revoking twice keeps the first time.
func (s *Store) RevokeAPIToken(ctx context.Context, personID, id int64) (*APIToken, error) {
	t := new(APIToken)
	if err := s.r.NewSelect().Model(t).Where("id = ? AND person_id = ?", id, personID).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	if t.RevokedAt != nil {
		return t, nil
	}
	now := s.now()
	if _, err := s.w.NewUpdate().Model(t).Set("revoked_at = ?", now).WherePK().Where("revoked_at IS NULL").Exec(ctx); err != nil {
		return nil, translate(err)
	}
	t.RevokedAt = &now
	return t, nil
}

// apiTokenTouchEvery limits last-use writes to one per token per minute:
// an API client polling in a loop should not turn every read into a write.
const apiTokenTouchEvery = time.Minute

// TouchAPIToken records that t was just used, at most once a minute.
func (s *Store) TouchAPIToken(ctx context.Context, t *APIToken) error {
	now := s.now()
	if t.LastUsedAt != nil && now.Sub(*t.LastUsedAt) < apiTokenTouchEvery {
		return nil
	}
	_, err := s.w.NewUpdate().Model((*APIToken)(nil)).Set("last_used_at = ?", now).Where("id = ?", t.ID).Exec(ctx)
	if err == nil {
		t.LastUsedAt = &now
	}
	return translate(err)
}
