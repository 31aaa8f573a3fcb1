package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// AuditEvent records who changed what, and when.
type AuditEvent struct {
	bun.BaseModel `bun:"table:audit_events"`

	ID          int64          `bun:"id,pk,autoincrement"`
	At          time.Time      `bun:"at"`
	ActorID     *int64         `bun:"actor_id"`
	Action      string         `bun:"action"`
	SubjectType string         `bun:"subject_type"`
	SubjectID   string         `bun:"subject_id"`
	ProgramID   *int64         `bun:"program_id"`
	Details     map[string]any `bun:"details,type:json"`
	RequestID   string         `bun:"request_id"`
}

type requestIDKey struct{}

// WithRequestID carries a request id in ctx, so events the store records
// on its own (form drafts and publishing) name the request as handlers'
// events do.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RecordAudit appends an event, stamping the time if unset and the request
// id from ctx (WithRequestID) if the event has none.
func (s *Store) RecordAudit(ctx context.Context, ev *AuditEvent) error {
	if ev.At.IsZero() {
		ev.At = s.now()
	}
	if ev.RequestID == "" {
		ev.RequestID, _ = ctx.Value(requestIDKey{}).(string)
	}
	if ev.Details == nil {
		ev.Details = map[string]any{}
	}
	_, err := s.w.NewInsert().Model(ev).Returning("id").Exec(ctx)
	return translate(err)
}

// AuditQuery filters the audit log. Zero fields do not filter.
type AuditQuery struct {
	ActorID  int64
	Action   string
	From, To time.Time
	Limit    int
}

// ListAudit returns matching events, newest first.
func (s *Store) ListAudit(ctx context.Context, q AuditQuery) ([]*AuditEvent, error) {
	var evs []*AuditEvent
	sel := s.r.NewSelect().Model(&evs).Order("at DESC", "id DESC")
	if q.ActorID != 0 {
		sel.Where("actor_id = ?", q.ActorID)
	}
	if q.Action != "" {
		sel.Where("action = ?", q.Action)
	}
	if !q.From.IsZero() {
		sel.Where("at >= ?", q.From.UTC())
	}
	if !q.To.IsZero() {
		sel.Where("at < ?", q.To.UTC())
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	sel.Limit(int64(q.Limit))
	err := sel.Scan(ctx)
	return evs, translate(err)
}
