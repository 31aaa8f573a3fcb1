package pairing

import (
	"cmp"
	"slices"
)

// Candidate is a scored pair with its explanation.
type Candidate struct {
	Mentor, Mentee *Person
	// Score is the sum of the parts' values.
	Score float64
	// Parts lists every soft factor, in a fixed order, even those worth 0.
	Parts []Part
	// Explanation is one line for staff, e.g.
	// "3 h overlap · 2 shared interests · other org, as preferred · level gap 2".
	Explanation string
}

func candidate(m, e *profile, f *facts) Candidate {
	ps := f.parts()
	return Candidate{Mentor: m.p, Mentee: e.p, Score: f.score(), Parts: ps, Explanation: explain(ps)}
}

// Evaluate scores mentor with mentee and lists every hard rule the pair breaks,
// not only the first, so staff see all that stands in the way. The candidate
// is filled in even when the pair is refused: "why not" is easier to answer
// with the score beside it. The pair is valid exactly when no refusal comes
// back. seen may be nil; here it is called whatever the other rules say.
// Neither person may be nil.
func Evaluate(mentor, mentee *Person, s Settings, seen Seen) (Candidate, []Refusal) {
	mp, ep := buildProfiles([]*Person{mentor}, []*Person{mentee}, s)
	m, e := &mp[0], &ep[0]
	f := score(m, e, &s.Weights)
	r := broken(m, e, s.MinOverlapHours)
	repeat := seen != nil && seen(mentor.Email, mentee.Email)
	return candidate(m, e, &f), refusals(m, e, r, repeat, s)
}

// Suggest ranks the valid partners for target from pool, best first: mentors
// for a mentee (targetIsMentee) or mentees for a mentor. Refused pairs are left
// out; valid pairs scoring ≤ 0 are kept (ranked last), because staff may still
// choose them by hand. Equal scores are ordered by the partner's ID, then pool
// position, so the list is the same on every call. limit ≤ 0 means no limit.
// Neither target nor any pool entry may be nil.
//
// seen is consulted best-first and only until limit valid partners are found,
// since every call may cost a keyed hash.
func Suggest(target *Person, targetIsMentee bool, pool []*Person, s Settings, seen Seen, limit int) []Candidate {
	var mentors, mentees []*Person
	if targetIsMentee {
		mentors, mentees = pool, []*Person{target}
	} else {
		mentors, mentees = []*Person{target}, pool
	}
	mp, ep := buildProfiles(mentors, mentees, s)
	pair := func(i int) (*profile, *profile) {
		if targetIsMentee {
			return &mp[i], &ep[0]
		}
		return &mp[0], &ep[i]
	}

	type ranked struct {
		i     int
		score float64
	}
	var rs []ranked
	fs := make([]facts, len(pool))
	for i := range pool {
		m, e := pair(i)
		if broken(m, e, s.MinOverlapHours) != 0 {
			continue
		}
		fs[i] = score(m, e, &s.Weights)
		rs = append(rs, ranked{i, fs[i].score()})
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if c := cmp.Compare(pool[a.i].ID, pool[b.i].ID); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})

	var out []Candidate
	for _, r := range rs {
		if limit > 0 && len(out) == limit {
			break
		}
		m, e := pair(r.i)
		if seen != nil && seen(m.p.Email, e.p.Email) {
			continue
		}
		out = append(out, candidate(m, e, &fs[r.i]))
	}
	return out
}
