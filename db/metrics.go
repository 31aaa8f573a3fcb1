package db

import (
	"context"
	"database/sql"
	"time"
)

// Pools names the connection pools behind the store, for pool metrics: on
// SQLite the single writer connection and the reader pool, on Postgres the
// one pool both use.
func (s *Store) Pools() map[string]*sql.DB {
	if s.reader == s.writer {
		return map[string]*sql.DB{"main": s.writer.DB}
	}
	return map[string]*sql.DB{"writer": s.writer.DB, "reader": s.reader.DB}
}

// LastJobSuccesses returns, per job, when its latest successful run
// finished (jobs that never succeeded, or not since the run records were
// purged, are absent). Every instance records in the same table, so this
// is true across instances.
func (s *Store) LastJobSuccesses(ctx context.Context) (map[string]time.Time, error) {
	var rows []struct {
		Job        string    `bun:"job"`
		FinishedAt time.Time `bun:"finished_at"`
	}
	err := s.r.NewSelect().Model((*JobRun)(nil)).
		Column("job").ColumnExpr("MAX(finished_at) AS finished_at").
		Where("outcome = ?", JobOK).Where("finished_at IS NOT NULL").
		Group("job").Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err)
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		out[r.Job] = r.FinishedAt
	}
	return out, nil
}

// PendingMailCount is the outbox depth: messages waiting for delivery,
// whether first tries or retries.
func (s *Store) PendingMailCount(ctx context.Context) (int64, error) {
	n, err := s.r.NewSelect().Model((*OutboxMessage)(nil)).Where("status = ?", MailPending).Count(ctx)
	return n, translate(err)
}
