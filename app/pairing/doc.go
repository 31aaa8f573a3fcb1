// Package pairing scores mentor–mentee pairs, explains the score in words staff
// can read, refuses pairs that break a hard rule, and proposes a whole-program
// assignment.
//
// It is pure logic: no HTTP, no database. The app loads enrollments into
// [Person] values, passes a [Seen] backed by the keyed pair history, and renders
// what comes back.
//
// # Scores
//
// A pair's score is a weighted sum of soft factors (overlap hours, shared
// interests, org-distance preference, level gap, track change); every factor is
// returned as a [Part] so the UI can show where the number comes from.
//
// # Which pairs a proposal may use
//
// [Propose] and [Greedy] only use pairs that pass every hard rule AND have a
// score above zero. A valid pair scoring ≤ 0 is judged worse than leaving the
// mentee for staff to place by hand: it still appears in [Suggest], so staff
// can choose it deliberately, but a proposal never makes that choice for them.
// The exhaustive-search test uses the same definition (it searches all valid
// pairs; a pair with score ≤ 0 can never raise a total, so the optimum agrees).
//
// # Exactness
//
// [Propose] is exact: it returns an assignment of maximum total score under
// the capacities (scores scaled to integer millionths). It solves a min-cost
// flow on a pruned network — each mentee's best mentors and each mentor's best
// mentees — and then proves optimality against every valid pair with the
// flow's potentials, restoring pruned pairs until the proof holds. Pruning
// makes it fast (2,000 mentors × 5,000 mentees in a couple of seconds); the
// check keeps it exact. [Greedy] is the baseline it is measured against.
//
// Everything is deterministic: the same input gives the same output, ties
// broken by ID or input order, never by map order or timing.
package pairing
