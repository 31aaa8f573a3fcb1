package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// RateLimit is one fixed-window counter. Keeping counters in the database
// makes a limit hold across every instance.
type RateLimit struct {
	bun.BaseModel `bun:"table:rate_limits"`

	Bucket      string    `bun:"bucket,pk"`
	WindowStart int64     `bun:"window_start,pk"`
	Count       int       `bun:"count"`
	ExpiresAt   time.Time `bun:"expires_at"`
}

// HitRateLimit counts one event in bucket's current window and returns the
// count including it, in one atomic upsert.
func (s *Store) HitRateLimit(ctx context.Context, bucket string, window time.Duration) (int, error) {
	now := s.now()
	start := now.Truncate(window)
	row := &RateLimit{Bucket: bucket, WindowStart: start.Unix(), Count: 1, ExpiresAt: start.Add(window)}
	var count int
	err := s.w.NewInsert().Model(row).
		On("CONFLICT (bucket, window_start) DO UPDATE").
		Set("count = ?TableAlias.count + 1").
		Returning("count").
		Scan(ctx, &count)
	return count, translate(err)
}

// DeleteExpiredRateLimits removes finished windows.
func (s *Store) DeleteExpiredRateLimits(ctx context.Context) (int64, error) {
	res, err := s.w.NewDelete().Model((*RateLimit)(nil)).Where("expires_at <= ?", s.now()).Exec(ctx)
	if err != nil {
		return 0, translate(err)
	}
	return res.RowsAffected()
}
