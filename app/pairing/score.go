package pairing

import (
	"fmt"
	"strings"
)

// Part is one soft factor of a score: Value is its weighted contribution (the
// parts add up to the score) and Text says it in words.
type Part struct {
	Factor string
	Value  float64
	Text   string
}

// Factor names, in the order parts are listed.
const (
	FactorOverlap   = "overlap"
	FactorInterests = "interests"
	FactorDistance  = "distance"
	FactorLevel     = "level"
	FactorTrack     = "track"
)

const nFactors = 5

// facts is everything scoring learns about a pair. Scoring fills it without
// building strings, so the hot loops pay nothing for explanations; parts()
// writes the words afterwards from the very same numbers.
type facts struct {
	overlap, counted int
	shared           int
	rel              orgRel
	distSat          int // sides whose distance preference is met
	distViol         int // sides whose distance preference is not met
	gap              int
	gapKnown         bool
	track            trackPref
	trackHit         bool
	v                [nFactors]float64
}

func (f *facts) score() float64 { return f.v[0] + f.v[1] + f.v[2] + f.v[3] + f.v[4] }

func score(m, e *profile, w *Weights) facts {
	return scoreWith(m, e, overlapHours(m, e), relation(m, e), w)
}

// scoreWith is score with the overlap and org relation already computed.
func scoreWith(m, e *profile, overlap int, rel orgRel, w *Weights) facts {
	var f facts
	f.overlap = overlap
	f.counted = f.overlap
	if w.MaxOverlapCounted > 0 {
		f.counted = min(f.counted, w.MaxOverlapCounted)
	}
	f.v[0] = w.Overlap * float64(f.counted)

	f.shared = sharedTags(m, e)
	f.v[1] = w.SharedInterest * float64(f.shared)

	f.rel = rel
	for _, d := range [2]distPref{m.dist, e.dist} {
		switch distanceMet(d, f.rel) {
		case 1:
			f.distSat++
		case -1:
			f.distViol++
		}
	}
	f.v[2] = w.Distance * float64(f.distSat-f.distViol)

	if m.rank > 0 && e.rank > 0 {
		f.gapKnown = true
		f.gap = int(m.rank) - int(e.rank)
		switch {
		case f.gap <= 0:
			// The mentee would learn from a peer or a junior: possible, but
			// not what the program is for.
			f.v[3] = -w.LevelGap
		case f.gap <= 3:
			f.v[3] = w.LevelGap
		default:
			// A very senior mentor is still a mentor; only a small nudge
			// toward someone whose recent steps the mentee is about to take.
			f.v[3] = -w.LevelGap / 4
		}
	}

	f.track = e.track
	if f.track != trackNone && f.rel == relOther {
		f.trackHit = true
		f.v[4] = w.TrackChange
		if f.track == trackMaybe {
			f.v[4] /= 2
		}
	}
	return f
}

// distanceMet is +1 when a preference (or requirement) is met, -1 when it is
// not, 0 when there is nothing to judge: no preference, or an unknown org
// (a "prefer" cannot be met or missed when we do not know the org).
func distanceMet(d distPref, rel orgRel) int {
	if d == prefNone || rel == relUnknown {
		return 0
	}
	wantClose := d == prefRequireClose || d == prefPreferClose
	if wantClose == (rel == relSame) {
		return 1
	}
	return -1
}

func (f *facts) parts() []Part {
	ps := make([]Part, 0, nFactors)

	t := "no overlap"
	if f.overlap > 0 {
		t = fmt.Sprintf("%d h overlap", f.overlap)
	}
	if f.counted < f.overlap {
		t += fmt.Sprintf(" (%d counted)", f.counted)
	}
	ps = append(ps, Part{FactorOverlap, f.v[0], t})

	switch f.shared {
	case 0:
		t = "no shared interests"
	case 1:
		t = "1 shared interest"
	default:
		t = fmt.Sprintf("%d shared interests", f.shared)
	}
	ps = append(ps, Part{FactorInterests, f.v[1], t})

	rel := [...]string{relUnknown: "org unknown", relSame: "same org", relOther: "other org"}[f.rel]
	switch {
	case f.distSat > 0 && f.distViol > 0:
		t = rel + ", preferences differ"
	case f.distSat > 0:
		t = rel + ", as preferred"
	case f.distViol > 0 && f.rel == relSame:
		t = "same org, though another was preferred"
	case f.distViol > 0:
		t = "other org, though the same was preferred"
	default:
		t = rel
	}
	ps = append(ps, Part{FactorDistance, f.v[2], t})

	switch {
	case !f.gapKnown:
		t = "level unknown"
	case f.gap <= 0:
		t = fmt.Sprintf("level gap %d, mentor not senior", f.gap)
	case f.gap <= 3:
		t = fmt.Sprintf("level gap %d", f.gap)
	default:
		t = fmt.Sprintf("level gap %d, wide", f.gap)
	}
	ps = append(ps, Part{FactorLevel, f.v[3], t})

	switch {
	case f.trackHit && f.track == trackMaybe:
		t = "other org for a possible track change"
	case f.trackHit:
		t = "other org for a track change"
	case f.track != trackNone:
		t = "track change wanted, " + rel
	default:
		t = "no track change wanted"
	}
	ps = append(ps, Part{FactorTrack, f.v[4], t})
	return ps
}

// explain joins the parts a person wants to read: overlap and interests
// always (they are what staff ask about first), the other factors only when
// they moved the score.
func explain(ps []Part) string {
	var b strings.Builder
	for _, p := range ps {
		if p.Value == 0 && p.Factor != FactorOverlap && p.Factor != FactorInterests {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(" · ")
		}
		b.WriteString(p.Text)
	}
	return b.String()
}
