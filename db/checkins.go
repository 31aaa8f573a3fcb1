package db

import (
	"context"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// Check-in survey answers to "have you met since the last check-in?".
const (
	MetNotYet  = "not_yet"
	MetOnce    = "once"
	MetSeveral = "several"
)

// MetAnswers are the answers to "have you met?", in the order a form offers
// them.
var MetAnswers = []string{MetNotYet, MetOnce, MetSeveral}

// DefaultCheckinLateDays is CheckinLateDays when unset.
const DefaultCheckinLateDays = 14

// CheckinLate is CheckinLateDays with its default (negative: no late
// answers).
func (ps ProgramSettings) CheckinLate() int {
	switch {
	case ps.CheckinLateDays == 0:
		return DefaultCheckinLateDays
	case ps.CheckinLateDays < 0:
		return 0
	}
	return ps.CheckinLateDays
}

// CheckinWindow is when the check-in at weeks of a pair started at start
// takes answers: from the point until the next point (the last point: its
// own date), plus CheckinLate days for late answers and edits. ok is false
// when weeks is not one of the program's check-in points.
func (ps ProgramSettings) CheckinWindow(start time.Time, weeks int) (opens, closes time.Time, ok bool) {
	points := ps.Checkins()
	i := slices.Index(points, weeks)
	if i < 0 {
		return time.Time{}, time.Time{}, false
	}
	at := func(w int) time.Time { return start.Add(time.Duration(w) * 7 * 24 * time.Hour) }
	opens, closes = at(weeks), at(weeks)
	if i+1 < len(points) {
		closes = at(points[i+1])
	}
	return opens, closes.Add(time.Duration(ps.CheckinLate()) * 24 * time.Hour), true
}

// CheckinAnswer is one person's answer to one check-in of a pair.
type CheckinAnswer struct {
	bun.BaseModel `bun:"table:checkin_answers"`

	ID       int64  `bun:"id,pk,autoincrement"`
	PairID   int64  `bun:"pair_id"`
	PersonID int64  `bun:"person_id"`
	Weeks    int    `bun:"weeks"`
	Met      string `bun:"met"`
	Rating   int    `bun:"rating"`
	// Note is for the program team: staff with participants.view only.
	Note      string    `bun:"note"`
	ContactMe bool      `bun:"contact_me"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// SaveCheckinAnswer records a's answer, or replaces the one its person
// gave before at the same pair and point (one answer per person per point).
func (s *Store) SaveCheckinAnswer(ctx context.Context, a *CheckinAnswer) error {
	now := s.now()
	a.CreatedAt, a.UpdatedAt = now, now
	_, err := s.w.NewInsert().Model(a).
		On("CONFLICT (pair_id, person_id, weeks) DO UPDATE").
		Set("met = EXCLUDED.met, rating = EXCLUDED.rating, note = EXCLUDED.note, contact_me = EXCLUDED.contact_me, updated_at = EXCLUDED.updated_at").
		Returning("id, created_at").Exec(ctx)
	return translate(err)
}

// CheckinAnswerOf is personID's answer to the check-in at weeks of pairID.
func (s *Store) CheckinAnswerOf(ctx context.Context, pairID, personID int64, weeks int) (*CheckinAnswer, error) {
	a := new(CheckinAnswer)
	err := s.r.NewSelect().Model(a).
		Where("pair_id = ? AND person_id = ? AND weeks = ?", pairID, personID, weeks).Scan(ctx)
	return a, translate(err)
}

// CheckinAnswersOf lists every check-in answer of pairID, by point then
// person.
func (s *Store) CheckinAnswersOf(ctx context.Context, pairID int64) ([]*CheckinAnswer, error) {
	var out []*CheckinAnswer
	err := s.r.NewSelect().Model(&out).Where("pair_id = ?", pairID).Order("weeks", "person_id").Scan(ctx)
	return out, translate(err)
}

// StartedPairPeople is pairID with both people, if it ever started (active
// or ended).
func (s *Store) StartedPairPeople(ctx context.Context, pairID int64) (*PairIntro, error) {
	out := new(PairIntro)
	err := s.pairPeople().Where("pr.id = ? AND pr.started_at IS NOT NULL", pairID).Scan(ctx, out)
	return out, translate(err)
}

// Defaults of the pair health thresholds.
const (
	DefaultHealthLowRating    = 2
	DefaultHealthNotMetWeek   = 2
	DefaultHealthResponseDays = 7
)

// HealthThresholds are the health settings with their defaults: the
// lowest rating that is low, the week from which "not met" counts, and
// the days a point waits for an answer.
func (ps ProgramSettings) HealthThresholds() (lowRating, notMetWeek, responseDays int) {
	or := func(v, def int) int {
		if v <= 0 {
			return def
		}
		return v
	}
	return or(ps.HealthLowRating, DefaultHealthLowRating), or(ps.HealthNotMetWeek, DefaultHealthNotMetWeek),
		or(ps.HealthResponseDays, DefaultHealthResponseDays)
}

// ActiveCheckinAnswers lists the check-in answers of programID's active
// pairs, by pair, point and person.
func (s *Store) ActiveCheckinAnswers(ctx context.Context, programID int64) ([]*CheckinAnswer, error) {
	var out []*CheckinAnswer
	err := s.r.NewSelect().Model(&out).
		Where("pair_id IN (SELECT id FROM pairs WHERE program_id = ? AND status = ?)", programID, PairActive).
		Order("pair_id", "weeks", "person_id").Scan(ctx)
	return out, translate(err)
}

// PairConcernHandled is when staff last marked a pair's concerns handled.
type PairConcernHandled struct {
	bun.BaseModel `bun:"table:pair_concerns_handled"`

	PairID    int64     `bun:"pair_id,pk"`
	HandledAt time.Time `bun:"handled_at"`
	HandledBy *int64    `bun:"handled_by"`
	Note      string    `bun:"note"`
}

// MarkConcernHandled records now as when pairID's concerns were handled,
// by byID with note, replacing an earlier marking.
func (s *Store) MarkConcernHandled(ctx context.Context, pairID int64, byID *int64, note string) (time.Time, error) {
	h := &PairConcernHandled{PairID: pairID, HandledAt: s.now(), HandledBy: byID, Note: note}
	_, err := s.w.NewInsert().Model(h).
		On("CONFLICT (pair_id) DO UPDATE").
		Set("handled_at = EXCLUDED.handled_at, handled_by = EXCLUDED.handled_by, note = EXCLUDED.note").Exec(ctx)
	return h.HandledAt, translate(err)
}

// ConcernsHandled maps programID's pairs to when their concerns were last
// marked handled.
func (s *Store) ConcernsHandled(ctx context.Context, programID int64) (map[int64]time.Time, error) {
	var rows []*PairConcernHandled
	err := s.r.NewSelect().Model(&rows).
		Where("pair_id IN (SELECT id FROM pairs WHERE program_id = ?)", programID).Scan(ctx)
	out := make(map[int64]time.Time, len(rows))
	for _, r := range rows {
		out[r.PairID] = r.HandledAt
	}
	return out, translate(err)
}
