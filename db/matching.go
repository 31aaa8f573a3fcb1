package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Match request statuses. Pending is the only open one; the rest are final.
const (
	RequestPending   = "pending"
	RequestAccepted  = "accepted"
	RequestDeclined  = "declined"
	RequestWithdrawn = "withdrawn" // the mentee was paired through another request or by staff
	RequestExpired   = "expired"
	RequestCancelled = "cancelled" // by staff
)

// MatchRequest is a mentee asking a mentor to pair with them.
type MatchRequest struct {
	bun.BaseModel `bun:"table:match_requests"`

	ID                 int64      `bun:"id,pk,autoincrement"`
	ProgramID          int64      `bun:"program_id"`
	MenteeEnrollmentID int64      `bun:"mentee_enrollment_id"`
	MentorEnrollmentID int64      `bun:"mentor_enrollment_id"`
	Status             string     `bun:"status"`
	Message            string     `bun:"message"`
	Reason             string     `bun:"reason"`
	PairID             *int64     `bun:"pair_id"`
	CreatedAt          time.Time  `bun:"created_at"`
	ExpiresAt          time.Time  `bun:"expires_at"`
	DecidedAt          *time.Time `bun:"decided_at"`
}

// MatchRequestView is a request with the two people's names and emails,
// for the pages and the mails. Who may read which is the caller's to
// decide.
type MatchRequestView struct {
	MatchRequest
	MenteeName     string `bun:"mentee_name"`
	MenteeEmail    string `bun:"mentee_email"`
	MenteePersonID int64  `bun:"mentee_person_id"`
	MentorName     string `bun:"mentor_name"`
	MentorEmail    string `bun:"mentor_email"`
	MentorPersonID int64  `bun:"mentor_person_id"`
}

// CreateMatchRequest inserts r as pending from now until expires. A
// pending request of the same mentee to the same mentor is ErrConflict.
func (s *Store) CreateMatchRequest(ctx context.Context, r *MatchRequest, ttl time.Duration) error {
	r.CreatedAt = s.now()
	r.ExpiresAt = r.CreatedAt.Add(ttl)
	r.Status = RequestPending
	_, err := s.w.NewInsert().Model(r).Returning("id").Exec(ctx)
	return translate(err)
}

// MatchRequestQuery selects requests. Zero fields do not filter.
type MatchRequestQuery struct {
	ID        int64
	ProgramID int64
	MenteeID  int64
	MentorID  int64
	Statuses  []string
	// OldestFirst orders by creation time ascending (who waits longest);
	// otherwise newest first.
	OldestFirst bool
	Limit       int
}

// ListMatchRequests returns requests with names.
func (s *Store) ListMatchRequests(ctx context.Context, q MatchRequestQuery) ([]*MatchRequestView, error) {
	var out []*MatchRequestView
	sel := s.r.NewSelect().TableExpr("match_requests AS mr").
		ColumnExpr("mr.*").
		ColumnExpr("COALESCE(NULLIF(ee.full_name, ''), ep.name, '') AS mentee_name, ep.email AS mentee_email, ep.id AS mentee_person_id").
		ColumnExpr("COALESCE(NULLIF(me.full_name, ''), mp.name, '') AS mentor_name, mp.email AS mentor_email, mp.id AS mentor_person_id").
		Join("JOIN enrollments AS ee ON ee.id = mr.mentee_enrollment_id").
		Join("JOIN people AS ep ON ep.id = ee.person_id").
		Join("JOIN enrollments AS me ON me.id = mr.mentor_enrollment_id").
		Join("JOIN people AS mp ON mp.id = me.person_id")
	if q.ID != 0 {
		sel.Where("mr.id = ?", q.ID)
	}
	if q.ProgramID != 0 {
		sel.Where("mr.program_id = ?", q.ProgramID)
	}
	if q.MenteeID != 0 {
		sel.Where("mr.mentee_enrollment_id = ?", q.MenteeID)
	}
	if q.MentorID != 0 {
		sel.Where("mr.mentor_enrollment_id = ?", q.MentorID)
	}
	if len(q.Statuses) > 0 {
		sel.Where("mr.status IN (?)", bun.List(q.Statuses))
	}
	if q.OldestFirst {
		sel.OrderExpr("mr.created_at, mr.id")
	} else {
		sel.OrderExpr("mr.created_at DESC, mr.id DESC")
	}
	if q.Limit > 0 {
		sel.Limit(int64(q.Limit))
	}
	err := sel.Scan(ctx, &out)
	return out, translate(err)
}

// MatchRequestByID returns one request with names, or ErrNotFound.
func (s *Store) MatchRequestByID(ctx context.Context, id int64) (*MatchRequestView, error) {
	rs, err := s.ListMatchRequests(ctx, MatchRequestQuery{ID: id})
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, ErrNotFound
	}
	return rs[0], nil
}

// DecideMatchRequest moves a pending request to status with a reason (and
// the pair it made, when accepted). A request that is no longer pending is
// ErrConflict, so two decisions at once cannot both win.
func (s *Store) DecideMatchRequest(ctx context.Context, id int64, status, reason string, pairID *int64) error {
	res, err := s.w.NewUpdate().Model((*MatchRequest)(nil)).
		Set("status = ?", status).Set("reason = ?", reason).Set("pair_id = ?", pairID).Set("decided_at = ?", s.now()).
		Where("id = ? AND status = ?", id, RequestPending).Exec(ctx)
	if err := expectOne(res, err); err != nil {
		if isNotFound(err) {
			if _, err := s.MatchRequestByID(ctx, id); err != nil {
				return err
			}
			return ErrConflict
		}
		return err
	}
	return nil
}

// DueMatchRequests are the pending requests whose time ran out at now,
// oldest first, at most limit.
func (s *Store) DueMatchRequests(ctx context.Context, now time.Time, limit int) ([]*MatchRequestView, error) {
	var out []*MatchRequestView
	rs, err := s.ListMatchRequests(ctx, MatchRequestQuery{Statuses: []string{RequestPending}, OldestFirst: true})
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if !r.ExpiresAt.After(now) && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

// MentorPref is a mentor's own choices about requests.
type MentorPref struct {
	bun.BaseModel `bun:"table:mentor_prefs"`

	EnrollmentID int64     `bun:"enrollment_id,pk"`
	Paused       bool      `bun:"paused"`
	Capacity     int       `bun:"capacity"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

// MentorPrefOf returns the mentor's choices; none stored is the zero value
// (taking requests, the program's capacity).
func (s *Store) MentorPrefOf(ctx context.Context, enrollmentID int64) (*MentorPref, error) {
	p := &MentorPref{EnrollmentID: enrollmentID}
	err := s.r.NewSelect().Model(p).Where("enrollment_id = ?", enrollmentID).Scan(ctx)
	if err != nil && isNotFound(translate(err)) {
		return &MentorPref{EnrollmentID: enrollmentID}, nil
	}
	return p, translate(err)
}

// SetMentorPref stores the mentor's choices.
func (s *Store) SetMentorPref(ctx context.Context, p *MentorPref) error {
	p.UpdatedAt = s.now()
	_, err := s.w.NewInsert().Model(p).
		On("CONFLICT (enrollment_id) DO UPDATE").
		Set("paused = EXCLUDED.paused, capacity = EXCLUDED.capacity, updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	return translate(err)
}

// UnmatchedRequesters counts programID's pairable mentees without an open
// pair who sent their first request at or before cutoff and have had none
// accepted: who the staff digest names as stuck in the request flow.
func (s *Store) UnmatchedRequesters(ctx context.Context, programID int64, cutoff time.Time) (int, error) {
	n, err := s.r.NewSelect().TableExpr("enrollments AS e").
		Where("e.program_id = ? AND e.is_mentee AND e.status IN (?)", programID, bun.List(PairableStatuses)).
		Where("NOT EXISTS (SELECT 1 FROM pairs AS pr WHERE pr.mentee_enrollment_id = e.id AND pr.status <> ?)", PairEnded).
		Where("EXISTS (SELECT 1 FROM match_requests AS mr WHERE mr.mentee_enrollment_id = e.id AND mr.created_at <= ?)", cutoff.UTC()).
		Where("NOT EXISTS (SELECT 1 FROM match_requests AS mr WHERE mr.mentee_enrollment_id = e.id AND mr.status = ?)", RequestAccepted).
		Count(ctx)
	return int(n), translate(err)
}

// PendingOfPaired lists pending requests whose mentee has an open pair
// (made by staff, or in another way than accepting a request): they can
// no longer be accepted and are withdrawn.
func (s *Store) PendingOfPaired(ctx context.Context, limit int) ([]*MatchRequestView, error) {
	var ids []int64
	err := s.r.NewSelect().TableExpr("match_requests AS mr").Column("mr.id").
		Where("mr.status = ?", RequestPending).
		Where("EXISTS (SELECT 1 FROM pairs AS pr WHERE pr.mentee_enrollment_id = mr.mentee_enrollment_id AND pr.status <> ?)", PairEnded).
		OrderExpr("mr.id").Limit(int64(limit)).Scan(ctx, &ids)
	if err != nil || len(ids) == 0 {
		return nil, translate(err)
	}
	var out []*MatchRequestView
	for _, id := range ids {
		r, err := s.MatchRequestByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
