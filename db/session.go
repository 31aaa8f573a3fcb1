package db

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/uptrace/bun"
)

// SessionRow is one server-side session. ID is a hash of the cookie value,
// so a leaked table does not hand out live sessions.
type SessionRow struct {
	bun.BaseModel `bun:"table:sessions"`

	ID        string     `bun:"id,pk"`
	Data      []byte     `bun:"data"`
	ExpiresAt *time.Time `bun:"expires_at"`
	// PersonID is whose session it is (NULL before sign-in).
	PersonID *int64 `bun:"person_id"`
}

func sessionKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// SessionGet returns a live session's data, or nil if it does not exist or
// has expired.
func (s *Store) SessionGet(ctx context.Context, key string) ([]byte, error) {
	if h := s.hot(ctx); h != nil {
		data, _, _, err := h.session(ctx, s, key, 0)
		return data, err
	}
	var row SessionRow
	err := s.r.NewSelect().Model(&row).
		Where("id = ?", sessionKey(key)).
		Where("expires_at IS NULL OR expires_at > ?", s.now()).
		Scan(ctx)
	if err != nil {
		if err = translate(err); isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return row.Data, nil
}

// SessionWithPerson returns a live session's data and, when the session
// names its person, that person as stored now — one query for what every
// signed-in request reads first. Data is nil for a missing or expired
// session; the person is nil when the session names none (or the person
// is gone).
func (s *Store) SessionWithPerson(ctx context.Context, key string) ([]byte, *Person, error) {
	data, p, _, err := s.SessionWithEnrollment(ctx, key, 0)
	return data, p, err
}

// SessionWithEnrollment is SessionWithPerson that also reads enrollment
// enrollmentID in the same query, for requests about one of the person's
// enrollments. The enrollment is looked for only when the person is
// returned; then nil means it is not theirs or does not exist.
func (s *Store) SessionWithEnrollment(ctx context.Context, key string, enrollmentID int64) ([]byte, *Person, *Enrollment, error) {
	if h := s.hot(ctx); h != nil {
		return h.session(ctx, s, key, enrollmentID)
	}
	data, err := s.SessionGet(ctx, key)
	return data, nil, nil, err
}

// SessionSet stores data under key; ttl 0 means no expiry.
func (s *Store) SessionSet(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	return s.SessionSetFor(ctx, key, data, ttl, 0)
}

// SessionSetFor is SessionSet for a session of personID (0: nobody yet),
// which SessionWithPerson then reads along with the session.
func (s *Store) SessionSetFor(ctx context.Context, key string, data []byte, ttl time.Duration, personID int64) error {
	row := SessionRow{ID: sessionKey(key), Data: data}
	if personID != 0 {
		row.PersonID = &personID
	}
	if ttl > 0 {
		exp := s.now().Add(ttl)
		row.ExpiresAt = &exp
	}
	_, err := s.w.NewInsert().Model(&row).
		On("CONFLICT (id) DO UPDATE").
		Set("data = EXCLUDED.data").
		Set("expires_at = EXCLUDED.expires_at").
		Set("person_id = EXCLUDED.person_id").
		Exec(ctx)
	return translate(err)
}

// SessionDelete removes a session; deleting a missing one is not an error.
func (s *Store) SessionDelete(ctx context.Context, key string) error {
	_, err := s.w.NewDelete().Model((*SessionRow)(nil)).Where("id = ?", sessionKey(key)).Exec(ctx)
	return translate(err)
}

// SessionReset removes every session (signs everyone out).
func (s *Store) SessionReset(ctx context.Context) error {
	_, err := s.w.NewDelete().Model((*SessionRow)(nil)).Where("1 = 1").Exec(ctx)
	return translate(err)
}

// DeleteExpiredSessions removes sessions past their expiry and says how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := s.w.NewDelete().Model((*SessionRow)(nil)).Where("expires_at <= ?", s.now()).Exec(ctx)
	if err != nil {
		return 0, translate(err)
	}
	return res.RowsAffected()
}
