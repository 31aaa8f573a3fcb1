package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// LoginCode is a one-time sign-in code sent by email; only its keyed hash is
// stored. It belongs to the browser that asked for it (FlowHash, a hash of a
// random value kept in that browser's session), so a code somebody else
// asks for in the person's name neither retires theirs nor spends its
// attempts.
type LoginCode struct {
	bun.BaseModel `bun:"table:login_codes"`

	ID        int64      `bun:"id,pk,autoincrement"`
	Email     string     `bun:"email"`
	FlowHash  string     `bun:"flow_hash"`
	CodeHash  string     `bun:"code_hash"`
	ExpiresAt time.Time  `bun:"expires_at"`
	Attempts  int        `bun:"attempts"`
	UsedAt    *time.Time `bun:"used_at"`
	CreatedAt time.Time  `bun:"created_at"`
}

// CreateLoginCode stores a new code for email, valid for ttl, that belongs
// to no browser's sign-in (housekeeping and tests).
func (s *Store) CreateLoginCode(ctx context.Context, email, codeHash string, ttl time.Duration) (*LoginCode, error) {
	return s.CreateFlowLoginCode(ctx, email, "", codeHash, ttl)
}

// CreateFlowLoginCode stores a new code for email, valid for ttl, for the
// sign-in flow whose hash is flowHash.
func (s *Store) CreateFlowLoginCode(ctx context.Context, email, flowHash, codeHash string, ttl time.Duration) (*LoginCode, error) {
	now := s.now()
	lc := &LoginCode{Email: NormalizeEmail(email), FlowHash: flowHash, CodeHash: codeHash, ExpiresAt: now.Add(ttl), CreatedAt: now}
	_, err := s.w.NewInsert().Model(lc).Returning("id").Exec(ctx)
	return lc, translate(err)
}

// SpendLoginAttempts counts one guess against each of the newest keep
// unused, unexpired codes of email's flow that have attempts left, and
// returns those codes (id and hash), for the caller to compare the guess
// with. One atomic UPDATE: two concurrent guesses can never both get a
// code's last attempt. A guess costs every candidate an attempt, so keeping
// several codes alive does not multiply the guesses allowed.
func (s *Store) SpendLoginAttempts(ctx context.Context, email, flowHash string, keep, maxAttempts int) ([]*LoginCode, error) {
	if flowHash == "" || keep <= 0 {
		return nil, nil
	}
	now := s.now()
	var codes []*LoginCode
	err := s.w.NewRaw(`UPDATE login_codes SET attempts = attempts + 1
WHERE id IN (
	SELECT id FROM login_codes
	WHERE email = ? AND flow_hash = ? AND used_at IS NULL AND expires_at > ?
	ORDER BY created_at DESC, id DESC LIMIT ?
)
AND used_at IS NULL AND attempts < ?
RETURNING id, code_hash`, NormalizeEmail(email), flowHash, now, keep, maxAttempts).Scan(ctx, &codes)
	if err != nil && !isNotFound(translate(err)) {
		return nil, translate(err)
	}
	return codes, nil
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
