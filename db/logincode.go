package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// LoginCode is a one-time sign-in code sent by email; only its keyed hash is
// stored.
type LoginCode struct {
	bun.BaseModel `bun:"table:login_codes"`

	ID        int64      `bun:"id,pk,autoincrement"`
	Email     string     `bun:"email"`
	CodeHash  string     `bun:"code_hash"`
	ExpiresAt time.Time  `bun:"expires_at"`
	Attempts  int        `bun:"attempts"`
	UsedAt    *time.Time `bun:"used_at"`
	CreatedAt time.Time  `bun:"created_at"`
}

// CreateLoginCode stores a new code for email, valid for ttl.
func (s *Store) CreateLoginCode(ctx context.Context, email, codeHash string, ttl time.Duration) (*LoginCode, error) {
	now := s.now()
	lc := &LoginCode{Email: NormalizeEmail(email), CodeHash: codeHash, ExpiresAt: now.Add(ttl), CreatedAt: now}
	_, err := s.w.NewInsert().Model(lc).Returning("id").Exec(ctx)
	return lc, translate(err)
}

// LatestLoginCode is the newest unused, unexpired code for email, or
// ErrNotFound. Requesting a new code therefore retires the older ones.
func (s *Store) LatestLoginCode(ctx context.Context, email string) (*LoginCode, error) {
	lc := new(LoginCode)
	err := s.w.NewSelect().Model(lc).
		Where("email = ?", NormalizeEmail(email)).
		Where("used_at IS NULL").
		Where("expires_at > ?", s.now()).
		Order("created_at DESC", "id DESC").Limit(1).Scan(ctx)
	return lc, translate(err)
}

// SpendLoginAttempt counts one guess against code id, atomically, and
// reports false when the code has no attempts left (or was used): two
// concurrent guesses can never both get the last attempt.
func (s *Store) SpendLoginAttempt(ctx context.Context, id int64, maxAttempts int) (bool, error) {
	res, err := s.w.NewUpdate().Model((*LoginCode)(nil)).
		Set("attempts = attempts + 1").
		Where("id = ? AND used_at IS NULL AND attempts < ?", id, maxAttempts).
		Exec(ctx)
	if err := expectOne(res, err); err != nil {
		if isNotFound(err) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// UseLoginCode marks the code used; false if it already was (single use,
// also under a race).
func (s *Store) UseLoginCode(ctx context.Context, id int64) (bool, error) {
	res, err := s.w.NewUpdate().Model((*LoginCode)(nil)).
		Set("used_at = ?", s.now()).
		Where("id = ? AND used_at IS NULL", id).
		Exec(ctx)
	if err := expectOne(res, err); err != nil {
		if isNotFound(err) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// DeleteExpiredLoginCodes removes codes that can no longer be used.
func (s *Store) DeleteExpiredLoginCodes(ctx context.Context) (int64, error) {
	res, err := s.w.NewDelete().Model((*LoginCode)(nil)).Where("expires_at <= ? OR used_at IS NOT NULL", s.now()).Exec(ctx)
	if err != nil {
		return 0, translate(err)
	}
	return res.RowsAffected()
}
