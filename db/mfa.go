package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// TOTP is a person's authenticator-app secret, encrypted at rest.
type TOTP struct {
	bun.BaseModel `bun:"table:mfa_totp"`

	PersonID    int64      `bun:"person_id,pk"`
	SecretEnc   string     `bun:"secret_enc"`
	ConfirmedAt *time.Time `bun:"confirmed_at"`
	CreatedAt   time.Time  `bun:"created_at"`
}

// RecoveryCode is one single-use fallback code, hashed.
type RecoveryCode struct {
	bun.BaseModel `bun:"table:recovery_codes"`

	ID        int64      `bun:"id,pk,autoincrement"`
	PersonID  int64      `bun:"person_id"`
	CodeHash  string     `bun:"code_hash"`
	UsedAt    *time.Time `bun:"used_at"`
	CreatedAt time.Time  `bun:"created_at"`
}

// TOTPFor returns the person's TOTP record or ErrNotFound.
func (s *Store) TOTPFor(ctx context.Context, personID int64) (*TOTP, error) {
	t := new(TOTP)
	err := s.r.NewSelect().Model(t).Where("person_id = ?", personID).Scan(ctx)
	return t, translate(err)
}

// StartTOTP stores a new, unconfirmed secret, replacing an unconfirmed one.
// A confirmed secret is never replaced here (ErrConflict).
func (s *Store) StartTOTP(ctx context.Context, personID int64, secretEnc string) error {
	return s.InTx(ctx, func(ctx context.Context, tx *Store) error {
		old, err := tx.TOTPFor(ctx, personID)
		switch {
		case err == nil && old.ConfirmedAt != nil:
			return ErrConflict
		case err == nil:
			if _, err := tx.w.NewDelete().Model((*TOTP)(nil)).Where("person_id = ?", personID).Exec(ctx); err != nil {
				return err
			}
		case !isNotFound(err):
			return err
		}
		_, err = tx.w.NewInsert().Model(&TOTP{PersonID: personID, SecretEnc: secretEnc, CreatedAt: tx.now()}).Exec(ctx)
		return err
	})
}

// ConfirmTOTP marks the secret confirmed and replaces the recovery codes.
func (s *Store) ConfirmTOTP(ctx context.Context, personID int64, recoveryHashes []string) error {
	return s.InTx(ctx, func(ctx context.Context, tx *Store) error {
		now := tx.now()
		res, err := tx.w.NewUpdate().Model((*TOTP)(nil)).Set("confirmed_at = ?", now).
			Where("person_id = ? AND confirmed_at IS NULL", personID).Exec(ctx)
		if err := expectOne(res, err); err != nil {
			return err
		}
		if _, err := tx.w.NewDelete().Model((*RecoveryCode)(nil)).Where("person_id = ?", personID).Exec(ctx); err != nil {
			return err
		}
		codes := make([]RecoveryCode, len(recoveryHashes))
		for i, h := range recoveryHashes {
			codes[i] = RecoveryCode{PersonID: personID, CodeHash: h, CreatedAt: now}
		}
		if len(codes) == 0 {
			return nil
		}
		_, err = tx.w.NewInsert().Model(&codes).Exec(ctx)
		return err
	})
}

// UseRecoveryCode spends the unused recovery code with this hash; false if
// there is none (wrong or already used).
func (s *Store) UseRecoveryCode(ctx context.Context, personID int64, codeHash string) (bool, error) {
	res, err := s.w.NewUpdate().Model((*RecoveryCode)(nil)).Set("used_at = ?", s.now()).
		Where("person_id = ? AND code_hash = ? AND used_at IS NULL", personID, codeHash).Exec(ctx)
	if err := expectOne(res, err); err != nil {
		if isNotFound(err) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// UnusedRecoveryCodes counts the person's remaining recovery codes.
func (s *Store) UnusedRecoveryCodes(ctx context.Context, personID int64) (int, error) {
	n, err := s.r.NewSelect().Model((*RecoveryCode)(nil)).Where("person_id = ? AND used_at IS NULL", personID).Count(ctx)
	return int(n), translate(err)
}
