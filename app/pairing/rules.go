package pairing

import "fmt"

// Refusal says why a pair may not be made: Code is stable for programs and
// tests, Reason is a sentence for staff.
type Refusal struct {
	Code   string
	Reason string
}

// Refusal codes, one per hard rule.
const (
	CodeSamePerson = "same-person" // same enrollment id or same email
	CodeManager    = "manager"     // the mentor manages the mentee
	CodeRepeat     = "repeat"      // the two were paired before (Seen)
	CodeOverlap    = "overlap"     // fewer shared hours than the program minimum
	CodeDistance   = "distance"    // a require-close / require-far answer is not met
	CodeCapacity   = "capacity"    // the mentor has no capacity left
)

// Hard rules other than Seen, as bits, so the hot loops test a pair with one
// comparison and Evaluate turns the same bits into sentences: the two can never
// disagree about what is allowed.
const (
	ruleSamePerson uint8 = 1 << iota
	ruleManager
	ruleOverlap
	ruleMentorDistance
	ruleMenteeDistance
	ruleCapacity
)

// broken returns the hard rules (except Seen) that mentor–mentee breaks.
func broken(m, e *profile, minOverlap int) uint8 {
	return brokenWith(m, e, overlapHours(m, e), relation(m, e), minOverlap)
}

// brokenWith is broken with the overlap and org relation already computed,
// for the hot loop that also scores the pair.
func brokenWith(m, e *profile, overlap int, rel orgRel, minOverlap int) uint8 {
	var r uint8
	if m.id == e.id || (m.email >= 0 && m.email == e.email) {
		r |= ruleSamePerson
	}
	if m.email >= 0 && m.email == e.manager {
		r |= ruleManager
	}
	if overlap < minOverlap {
		r |= ruleOverlap
	}
	if !requirementMet(m.dist, rel) {
		r |= ruleMentorDistance
	}
	if !requirementMet(e.dist, rel) {
		r |= ruleMenteeDistance
	}
	if m.left <= 0 {
		r |= ruleCapacity
	}
	return r
}

// requirementMet is false only for a "require" answer that the pair does not
// meet; an unknown org cannot prove a requirement, so it fails it.
func requirementMet(d distPref, rel orgRel) bool {
	switch d {
	case prefRequireClose:
		return rel == relSame
	case prefRequireFar:
		return rel == relOther
	}
	return true
}

// refusals turns broken rules (and the Seen verdict) into readable refusals,
// in a fixed order.
func refusals(m, e *profile, r uint8, seen bool, s Settings) []Refusal {
	var out []Refusal
	mn, en := displayName(m.p), displayName(e.p)
	if r&ruleSamePerson != 0 {
		out = append(out, Refusal{CodeSamePerson, fmt.Sprintf("%s cannot mentor themselves", mn)})
	}
	if r&ruleManager != 0 {
		out = append(out, Refusal{CodeManager, fmt.Sprintf("%s is %s's manager", mn, en)})
	}
	if seen {
		out = append(out, Refusal{CodeRepeat, fmt.Sprintf("%s and %s were paired before", mn, en)})
	}
	if r&ruleOverlap != 0 {
		out = append(out, Refusal{CodeOverlap, fmt.Sprintf("only %d h of overlap; the program needs at least %d h",
			overlapHours(m, e), s.MinOverlapHours)})
	}
	if r&ruleMentorDistance != 0 {
		out = append(out, Refusal{CodeDistance, distanceReason(mn, "mentee", m.dist, relation(m, e))})
	}
	if r&ruleMenteeDistance != 0 {
		out = append(out, Refusal{CodeDistance, distanceReason(en, "mentor", e.dist, relation(m, e))})
	}
	if r&ruleCapacity != 0 {
		c := m.p.Current + m.left
		out = append(out, Refusal{CodeCapacity, fmt.Sprintf("%s has no capacity left (%d of %d taken)", mn, m.p.Current, max(c, 0))})
	}
	return out
}

func distanceReason(who, other string, d distPref, rel orgRel) string {
	want := "the same org"
	if d == prefRequireFar {
		want = "another org"
	}
	if rel == relUnknown {
		return fmt.Sprintf("%s requires a %s in %s, and an org is missing", who, other, want)
	}
	return fmt.Sprintf("%s requires a %s in %s", who, other, want)
}

// displayName names a person in sentences staff read; the email stands in for
// a blank name so a reason never says "  is 's manager".
func displayName(p *Person) string {
	switch {
	case p.Name != "":
		return p.Name
	case p.Email != "":
		return p.Email
	}
	return fmt.Sprintf("enrollment #%d", p.ID)
}
