package pairs

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"

	"cohort/app/pairing"
	"cohort/db"
)

// ErrNotProposed means a pair cannot be accepted because it is no longer
// waiting for it (accepted or ended meanwhile).
var ErrNotProposed = errors.New("pair is not proposed")

// ErrEnded means the pair has ended already.
var ErrEnded = errors.New("pair has ended")

// NewPair is a pair to make: who, in what status, and where the request
// came from (for the audit log).
type NewPair struct {
	MentorID, MenteeID int64
	Status             string // db.PairActive or db.PairProposed
	Source             string
}

// Create makes a pair if every rule passes, re-checked against what is
// stored inside the transaction that writes it. It returns the refusals
// (and no pair) when a rule fails, and db.ErrNotFound when either
// enrollment is not in program. An active pair goes into the history.
func (sv *Service) Create(ctx context.Context, a Actor, program *db.Program, np NewPair) (*db.Pair, []pairing.Refusal, error) {
	return sv.CreateIn(ctx, sv.store, a, program, np)
}

// CreateIn is Create inside store's transaction when store is one (a
// request accepted by a mentor writes its pair and its own state together);
// otherwise it opens its own. Either way the rules are checked in the
// transaction that writes the pair.
func (sv *Service) CreateIn(ctx context.Context, store *db.Store, a Actor, program *db.Program, np NewPair) (*db.Pair, []pairing.Refusal, error) {
	if np.Status != db.PairProposed {
		np.Status = db.PairActive
	}
	var out *db.Pair
	var refused []pairing.Refusal
	err := store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		if err := tx.LockPairing(ctx, program.ID); err != nil {
			return err
		}
		mentor, mentee, err := loadTwo(ctx, tx, program.ID, np.MentorID, np.MenteeID)
		if err != nil {
			return err
		}
		open, err := tx.OpenPairs(ctx, program.ID)
		if err != nil {
			return err
		}
		st := newOpenState(open, 0)
		var seenErr error
		c, rs := sv.evaluate(mentor, mentee, st, SettingsFor(program), sv.seenOne(ctx, tx, &seenErr))
		if seenErr != nil {
			return seenErr
		}
		if len(rs) > 0 {
			refused = rs
			return nil
		}
		out, err = sv.insert(ctx, tx, a, program, mentor, mentee, c, np)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, refused, nil
}

// evaluate is every check for one pair: the preconditions, then the
// algorithm's hard rules (all of them, so staff see everything that stands
// in the way).
func (sv *Service) evaluate(mentor, mentee *db.Pairable, st openState, s pairing.Settings, seen pairing.Seen) (pairing.Candidate, []pairing.Refusal) {
	rs := preconditions(mentor, mentee, st)
	c, more := pairing.Evaluate(asMentor(mentor, st.load[mentor.ID]), asMentee(mentee), s, seen)
	return c, append(rs, more...)
}

// insert writes a checked pair, its history (when active) and its audit
// event.
func (sv *Service) insert(ctx context.Context, tx *db.Store, a Actor, program *db.Program, mentor, mentee *db.Pairable, c pairing.Candidate, np NewPair) (*db.Pair, error) {
	p := &db.Pair{
		ProgramID: program.ID, MentorEnrollmentID: mentor.ID, MenteeEnrollmentID: mentee.ID,
		Status: np.Status, Score: roundScore(c.Score), Explanation: c.Explanation,
	}
	if a.PersonID != 0 {
		p.CreatedBy = &a.PersonID
	}
	if np.Status == db.PairActive {
		now := tx.Now().UTC().Truncate(time.Microsecond)
		p.StartedAt = &now
	}
	if err := tx.CreatePair(ctx, p); err != nil {
		return nil, err
	}
	if np.Status == db.PairActive {
		if err := tx.RecordPairHistory(ctx, HistoryHash(sv.secret, mentor.Email, mentee.Email), program.ID); err != nil {
			return nil, err
		}
	}
	return p, record(ctx, tx, a, ActionCreate, p, map[string]any{
		"source": np.Source, "score": p.Score, "explanation": p.Explanation,
	})
}

// roundScore keeps two decimals: the stored score is for reading, and
// 4.499999 reads worse than 4.5.
func roundScore(f float64) float64 { return math.Round(f*100) / 100 }

// Accept turns a proposed pair active, re-checking every rule first (the
// answers or the other pairs may have changed since it was proposed). It
// returns refusals and leaves the pair proposed when a rule fails, and
// ErrNotProposed when the pair is not waiting to be accepted.
func (sv *Service) Accept(ctx context.Context, a Actor, program *db.Program, pairID int64) (*db.Pair, []pairing.Refusal, error) {
	var out *db.Pair
	var refused []pairing.Refusal
	err := sv.store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		if err := tx.LockPairing(ctx, program.ID); err != nil {
			return err
		}
		p, err := tx.PairByID(ctx, pairID)
		if err != nil {
			return err
		}
		if p.ProgramID != program.ID {
			return db.ErrNotFound
		}
		if p.Status != db.PairProposed {
			return ErrNotProposed
		}
		mentor, mentee, err := loadTwo(ctx, tx, program.ID, p.MentorEnrollmentID, p.MenteeEnrollmentID)
		if err != nil {
			return err
		}
		open, err := tx.OpenPairs(ctx, program.ID)
		if err != nil {
			return err
		}
		var seenErr error
		_, rs := sv.evaluate(mentor, mentee, newOpenState(open, p.ID), SettingsFor(program), sv.seenOne(ctx, tx, &seenErr))
		if seenErr != nil {
			return seenErr
		}
		if len(rs) > 0 {
			refused = rs
			return nil
		}
		if out, err = tx.ActivatePair(ctx, p.ID); err != nil {
			return err
		}
		if err := tx.RecordPairHistory(ctx, HistoryHash(sv.secret, mentor.Email, mentee.Email), program.ID); err != nil {
			return err
		}
		return record(ctx, tx, a, ActionAccept, out, nil)
	})
	if errors.Is(err, db.ErrConflict) {
		err = ErrNotProposed
	}
	if err != nil {
		return nil, nil, err
	}
	return out, refused, nil
}

// ReasonMistake is the end reason of a pair that should never have been
// made. A reason that starts with it (any case) ends the pair without
// counting the two as paired before: their pair history entry is removed.
// Ending for any other reason keeps it, so they are never paired again.
const ReasonMistake = "Made by mistake"

// IsMistake reports whether an end reason says the pair was made by
// mistake.
func IsMistake(reason string) bool {
	r := strings.TrimSpace(reason)
	return len(r) >= len(ReasonMistake) && strings.EqualFold(r[:len(ReasonMistake)], ReasonMistake)
}

// End ends a proposed or active pair with a reason; ErrEnded if it has
// ended already. A reason that IsMistake also forgets the pair history
// entry, so the two may be paired again.
func (sv *Service) End(ctx context.Context, a Actor, program *db.Program, pairID int64, reason string) (*db.Pair, error) {
	var out *db.Pair
	err := sv.store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		p, err := tx.PairByID(ctx, pairID)
		if err != nil {
			return err
		}
		if p.ProgramID != program.ID {
			return db.ErrNotFound
		}
		was := p.Status
		if out, err = tx.EndPair(ctx, pairID, reason); err != nil {
			return err
		}
		details := map[string]any{"reason": reason, "was": was}
		if IsMistake(reason) {
			details["mistake"] = true
			// Only an active pair wrote an entry; a proposed one must not
			// erase another pair's.
			if was == db.PairActive {
				if err := sv.forget(ctx, tx, program.ID, pairID); err != nil {
					return err
				}
			}
		}
		return record(ctx, tx, a, ActionEnd, out, details)
	})
	if errors.Is(err, db.ErrConflict) {
		err = ErrEnded
	}
	return out, err
}

// ErrUndoExpired means the undo window of a pair has passed (or it was
// not made by "Pair" at all): it can only be ended.
var ErrUndoExpired = errors.New("pair can no longer be undone")

// Undoable reports whether a pair can still be undone at now: open, and
// made less than db.PairUndoWindow ago.
func Undoable(p *db.Pair, now time.Time) bool {
	return p.Status != db.PairEnded && now.Sub(p.CreatedAt) < db.PairUndoWindow
}

// Undo removes a pair made moments ago, as if it had never been made: the
// row and its pair history entry go (so the two are not "paired before"),
// and the audit log records pair.undo. The introduction mails wait out the
// same window, so nobody was told. ErrUndoExpired once the window has
// passed or the pair has ended.
func (sv *Service) Undo(ctx context.Context, a Actor, program *db.Program, pairID int64) (*db.Pair, error) {
	var out *db.Pair
	err := sv.store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		if err := tx.LockPairing(ctx, program.ID); err != nil {
			return err
		}
		p, err := tx.PairByID(ctx, pairID)
		if err != nil {
			return err
		}
		if p.ProgramID != program.ID {
			return db.ErrNotFound
		}
		if !Undoable(p, tx.Now()) {
			return ErrUndoExpired
		}
		if p.Status == db.PairActive {
			if err := sv.forget(ctx, tx, program.ID, p.ID); err != nil {
				return err
			}
		}
		if err := tx.DeletePair(ctx, p.ID); err != nil {
			return err
		}
		out = p
		return record(ctx, tx, a, ActionUndo, p, nil)
	})
	return out, err
}

// forget removes the pair history entry of pair id. Only this pair can
// have written it: a pair is refused while the entry exists, either way
// round.
func (sv *Service) forget(ctx context.Context, tx *db.Store, programID, id int64) error {
	vs, err := tx.ListPairs(ctx, db.PairQuery{ProgramID: programID, ID: id})
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return db.ErrNotFound
	}
	return tx.ForgetPairHistory(ctx, HistoryHash(sv.secret, vs[0].MentorEmail, vs[0].MenteeEmail))
}

// Pick is one pair of a proposal that staff chose to accept.
type Pick struct{ MentorID, MenteeID int64 }

// Outcome is what became of one pick: the pair made, or why not.
type Outcome struct {
	Pick
	MentorName, MenteeName string
	Pair                   *db.Pair
	Refusals               []pairing.Refusal
}

// AcceptProposal makes the picked pairs active, in order, in one
// transaction, re-checking every rule against what is stored and against
// the picks made before it (a mentor's capacity fills up as the picks are
// made). Picks that fail a rule are refused with the reasons; the rest are
// made. A pick naming an enrollment outside program is db.ErrNotFound, and
// nothing is made.
func (sv *Service) AcceptProposal(ctx context.Context, a Actor, program *db.Program, picks []Pick) ([]Outcome, error) {
	var out []Outcome
	err := sv.store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		out = out[:0]
		if err := tx.LockPairing(ctx, program.ID); err != nil {
			return err
		}
		var ids []int64
		for _, p := range picks {
			ids = append(ids, p.MentorID, p.MenteeID)
		}
		ps, err := tx.Pairables(ctx, db.PairableQuery{ProgramID: program.ID, IDs: ids, WithInterests: true})
		if err != nil {
			return err
		}
		byID := make(map[int64]*db.Pairable, len(ps))
		for _, p := range ps {
			byID[p.ID] = p
		}
		for _, id := range ids {
			if byID[id] == nil {
				return db.ErrNotFound
			}
		}
		open, err := tx.OpenPairs(ctx, program.ID)
		if err != nil {
			return err
		}
		st := newOpenState(open, 0)
		seen, err := Seen(ctx, tx, sv.secret)
		if err != nil {
			return err
		}
		made := map[[2]string]bool{} // pairs made by earlier picks, for Seen
		seenNow := func(m, e string) bool {
			return made[[2]string{m, e}] || made[[2]string{e, m}] || (seen != nil && seen(m, e))
		}
		s := SettingsFor(program)
		for _, pk := range picks {
			mentor, mentee := byID[pk.MentorID], byID[pk.MenteeID]
			o := Outcome{Pick: pk, MentorName: mentor.Name(), MenteeName: mentee.Name()}
			c, rs := sv.evaluate(mentor, mentee, st, s, seenNow)
			if len(rs) > 0 {
				o.Refusals = rs
				out = append(out, o)
				continue
			}
			p, err := sv.insert(ctx, tx, a, program, mentor, mentee, c, NewPair{Status: db.PairActive, Source: SourceProposal})
			if err != nil {
				return err
			}
			st.add(p)
			made[[2]string{db.NormalizeEmail(mentor.Email), db.NormalizeEmail(mentee.Email)}] = true
			o.Pair = p
			out = append(out, o)
		}
		return nil
	})
	return out, err
}

// Pool is a program's pairable people as the algorithm sees them: every
// submitted, approved or active mentor with their current load, and every
// such mentee with whether they are paired.
type Pool struct {
	Program  *db.Program
	Settings pairing.Settings
	ByID     map[int64]*db.Pairable
	Mentors  []*pairing.Person // every pairable mentor, Current filled in
	Mentees  []*pairing.Person // every pairable mentee
	open     openState
}

// LoadPool loads a program's pool: three queries (enrollments, their
// interests, the open pairs) whatever its size.
func (sv *Service) LoadPool(ctx context.Context, program *db.Program) (*Pool, error) {
	ps, err := sv.store.Pairables(ctx, db.PairableQuery{ProgramID: program.ID, Statuses: db.PairableStatuses, WithInterests: true})
	if err != nil {
		return nil, err
	}
	open, err := sv.store.OpenPairs(ctx, program.ID)
	if err != nil {
		return nil, err
	}
	pool := &Pool{Program: program, Settings: SettingsFor(program), ByID: make(map[int64]*db.Pairable, len(ps)), open: newOpenState(open, 0)}
	for _, p := range ps {
		pool.ByID[p.ID] = p
		if p.IsMentor {
			pool.Mentors = append(pool.Mentors, asMentor(p, pool.open.load[p.ID]))
		}
		if p.IsMentee {
			pool.Mentees = append(pool.Mentees, asMentee(p))
		}
	}
	return pool, nil
}

// Load is how many open pairs the mentor has, and how many they may have.
func (p *Pool) Load(mentorID int64) (current, capacity int) {
	return p.open.load[mentorID], max(p.Settings.DefaultCapacity, 1)
}

// PairOf is the mentee's open pair, or nil.
func (p *Pool) PairOf(menteeID int64) *db.Pair { return p.open.taken[menteeID] }

// FreeMentors are the mentors with capacity left.
func (p *Pool) FreeMentors() []*pairing.Person {
	var out []*pairing.Person
	for _, m := range p.Mentors {
		if cur, capacity := p.Load(m.ID); cur < capacity {
			out = append(out, m)
		}
	}
	return out
}

// FreeMentees are the mentees without an open pair.
func (p *Pool) FreeMentees() []*pairing.Person {
	var out []*pairing.Person
	for _, e := range p.Mentees {
		if p.open.taken[e.ID] == nil {
			out = append(out, e)
		}
	}
	return out
}

// SuggestLimit is how many suggestions are shown for one person.
const SuggestLimit = 10

// Suggest ranks partners for enrollment target in the pool: mentors for it
// as a mentee (asMentee), or free mentees for it as a mentor. The target
// need not be pairable itself (staff may look before approving); it must
// be in the program (else db.ErrNotFound).
func (sv *Service) Suggest(ctx context.Context, pool *Pool, target *db.Pairable, asMenteeSide bool, limit int) ([]pairing.Candidate, error) {
	seen, err := Seen(ctx, sv.store, sv.secret)
	if err != nil {
		return nil, err
	}
	if target.Interests == nil {
		byID, err := sv.store.InterestsFor(ctx, []int64{target.ID})
		if err != nil {
			return nil, err
		}
		target.Interests = byID[target.ID]
	}
	if asMenteeSide {
		return pairing.Suggest(asMentee(target), true, pool.FreeMentors(), pool.Settings, seen, limit), nil
	}
	return pairing.Suggest(asMentor(target, pool.open.load[target.ID]), false, pool.FreeMentees(), pool.Settings, seen, limit), nil
}

// Propose is the whole-program proposal over the free mentors and mentees.
// Nothing is stored.
func (sv *Service) Propose(ctx context.Context, pool *Pool) (pairing.Proposal, error) {
	seen, err := Seen(ctx, sv.store, sv.secret)
	if err != nil {
		return pairing.Proposal{}, err
	}
	return pairing.Propose(pool.FreeMentors(), pool.FreeMentees(), pool.Settings, seen), nil
}

// Target loads one enrollment of program for suggestions or the API, or
// db.ErrNotFound.
func (sv *Service) Target(ctx context.Context, programID, enrollmentID int64) (*db.Pairable, error) {
	ps, err := sv.store.Pairables(ctx, db.PairableQuery{ProgramID: programID, IDs: []int64{enrollmentID}, WithInterests: true})
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, db.ErrNotFound
	}
	return ps[0], nil
}

// Check is every rule Create applies to mentor and mentee, against what is
// stored now, without writing anything: what a member's request is checked
// against before it is sent (Create checks again when it is accepted).
func (sv *Service) Check(ctx context.Context, program *db.Program, mentorID, menteeID int64) ([]pairing.Refusal, error) {
	mentor, mentee, err := loadTwo(ctx, sv.store, program.ID, mentorID, menteeID)
	if err != nil {
		return nil, err
	}
	open, err := sv.store.OpenPairs(ctx, program.ID)
	if err != nil {
		return nil, err
	}
	var seenErr error
	_, rs := sv.evaluate(mentor, mentee, newOpenState(open, 0), SettingsFor(program), sv.seenOne(ctx, sv.store, &seenErr))
	return rs, seenErr
}
