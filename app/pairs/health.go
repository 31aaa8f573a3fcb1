package pairs

import (
	"context"
	"errors"
	"slices"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/health"
	"cohort/db"
)

// ActionConcernHandled is the audit action of a pair's check-in concerns
// marked handled; its details carry the note.
const ActionConcernHandled = "pair.concern_handled"

// Rules are the program's pair health thresholds.
func Rules(p *db.Program) health.Rules {
	low, notMet, days := p.Settings.HealthThresholds()
	return health.Rules{LowRating: low, NotMetByWeek: notMet, ResponseDays: days}
}

// Attention is an active pair that needs attention, for the staff digest.
type Attention struct {
	PairID                 int64
	MentorName, MenteeName string
	Reasons                []string
}

// NeedingAttention lists program's active pairs that need attention, in
// pair id order.
func (sv *Service) NeedingAttention(ctx context.Context, program *db.Program) ([]Attention, error) {
	var out []Attention
	_, err := sv.health(ctx, program, nil, func(pr *db.PairIntro, r health.Result) {
		if r.State == health.NeedsAttention {
			out = append(out, Attention{PairID: pr.PairID, MentorName: pr.Mentor.Name, MenteeName: pr.Mentee.Name, Reasons: r.Reasons})
		}
	})
	return out, err
}

// Health assesses program's active pairs among views at the store's now,
// by pair id.
func (sv *Service) Health(ctx context.Context, program *db.Program, views []*db.PairView) (map[int64]health.Result, error) {
	if views == nil {
		views = []*db.PairView{}
	}
	return sv.health(ctx, program, views, nil)
}

// health assesses program's active pairs (those among views; nil: all),
// calling each, when set, with every result in pair id order.
func (sv *Service) health(ctx context.Context, program *db.Program, views []*db.PairView, each func(*db.PairIntro, health.Result)) (map[int64]health.Result, error) {
	answers, err := sv.store.ActiveCheckinAnswers(ctx, program.ID)
	if err != nil {
		return nil, err
	}
	handled, err := sv.store.ConcernsHandled(ctx, program.ID)
	if err != nil {
		return nil, err
	}
	byPair := map[int64][]health.Answer{}
	for _, a := range answers {
		byPair[a.PairID] = append(byPair[a.PairID], health.Answer{PersonID: a.PersonID, Weeks: a.Weeks, Met: a.Met,
			Rating: a.Rating, ContactMe: a.ContactMe, UpdatedAt: a.UpdatedAt})
	}
	// Answers name people; the views name enrollments.
	people, err := sv.store.ActivePairs(ctx, program.ID)
	if err != nil {
		return nil, err
	}
	rules, points, now := Rules(program), program.Settings.Checkins(), sv.store.Now()
	out := map[int64]health.Result{}
	for _, pr := range people {
		if views != nil && !slices.ContainsFunc(views, func(v *db.PairView) bool { return v.ID == pr.PairID }) {
			continue
		}
		hp := health.Pair{
			Mentor: health.Person{ID: pr.Mentor.PersonID, Name: pr.Mentor.Name},
			Mentee: health.Person{ID: pr.Mentee.PersonID, Name: pr.Mentee.Name},
			Start:  pr.StartedAt, Points: points, Answers: byPair[pr.PairID],
		}
		if t, ok := handled[pr.PairID]; ok {
			hp.HandledAt = &t
		}
		out[pr.PairID] = health.Assess(rules, hp, now)
		if each != nil {
			each(pr, out[pr.PairID])
		}
	}
	return out, nil
}

// HandleConcern marks an active pair's check-in concerns handled, with a
// note, audited.
func (sv *Service) HandleConcern(ctx context.Context, a Actor, program *db.Program, pairID int64, note string) error {
	return sv.store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		p, err := tx.PairByID(ctx, pairID)
		if err != nil {
			return err
		}
		if p.ProgramID != program.ID {
			return db.ErrNotFound
		}
		if p.Status != db.PairActive {
			return ErrEnded
		}
		var by *int64
		if a.PersonID != 0 {
			by = &a.PersonID
		}
		if _, err := tx.MarkConcernHandled(ctx, pairID, by, note); err != nil {
			return err
		}
		return record(ctx, tx, a, ActionConcernHandled, p, map[string]any{"note": note})
	})
}

// handled is POST /staff/pairs/ID/handled: the note is required, like an
// end reason.
func (h handlers) handled(c *fiber.Ctx) error {
	pair, p, err := h.managedPair(c)
	if err != nil {
		return err
	}
	note, msg := CleanReason(c.FormValue("note"))
	if msg != "" {
		if note == "" {
			msg = "Say what was done about it."
		}
		return apperr.New(apperr.Invalid, msg)
	}
	err = h.sv.HandleConcern(c.UserContext(), actor(c), p, pair.ID, note)
	if errors.Is(err, ErrEnded) {
		return apperr.Wrap(err, apperr.Conflict, "This pair has ended.")
	}
	if err != nil {
		return err
	}
	return redirect(c, pairsURL(p.Slug)+"?done=handled")
}

// healthFilter reads ?health= : a known state, or "" for all.
func healthFilter(c *fiber.Ctx) health.State {
	s := health.State(c.Query("health"))
	if slices.Contains(health.States, s) {
		return s
	}
	return ""
}
