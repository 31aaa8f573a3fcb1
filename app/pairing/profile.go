package pairing

import (
	"math/bits"
	"strings"
)

// LevelRank turns an org level into a rank on one ladder so that a level gap
// can be computed across tracks: IC1–IC7 are 1–7 and M1–M5 are 5–9 (a first-line
// manager sits beside a senior IC). Anything else is 0, meaning unknown, and
// then the level gap does not score at all rather than guessing.
func LevelRank(level string) int {
	l := strings.ToUpper(strings.TrimSpace(level))
	var base, top int
	switch {
	case strings.HasPrefix(l, "IC"):
		l, base, top = l[2:], 0, 7
	case strings.HasPrefix(l, "M"):
		l, base, top = l[1:], 4, 5
	default:
		return 0
	}
	if len(l) != 1 || l[0] < '1' || l[0] > byte('0'+top) {
		return 0
	}
	return base + int(l[0]-'0')
}

type distPref uint8

const (
	prefNone distPref = iota // neutral, blank or unrecognised
	prefRequireClose
	prefPreferClose
	prefPreferFar
	prefRequireFar
)

func parseDistance(s string) distPref {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case DistanceRequireClose:
		return prefRequireClose
	case DistancePreferClose:
		return prefPreferClose
	case DistancePreferFar:
		return prefPreferFar
	case DistanceRequireFar:
		return prefRequireFar
	}
	return prefNone
}

type trackPref uint8

const (
	trackNone trackPref = iota
	trackYes
	trackMaybe
)

func parseTrack(s string) trackPref {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case TrackYes:
		return trackYes
	case TrackMaybe:
		return trackMaybe
	}
	return trackNone
}

// orgRel is how far apart two people sit in the org chart.
type orgRel uint8

const (
	relUnknown orgRel = iota // at least one org is blank
	relSame
	relOther
)

// profile is a Person reduced to what the hot loops compare: strings are
// interned to small integers and interests become a bitset, so scoring one pair
// costs a few word operations instead of map look-ups. Propose scores millions
// of pairs; this is what keeps it fast.
type profile struct {
	p       *Person
	id      int64
	mask    uint32
	org     int32 // -1: unknown
	email   int32 // -1: blank
	manager int32 // -1: blank
	rank    int8  // 0: unknown
	dist    distPref
	track   trackPref
	left    int      // mentors: capacity left
	tags    []uint64 // interests, over the vocabulary both sides share
}

// interner hands out small integers for strings; blank strings get -1 so that
// two blanks never compare equal.
type interner map[string]int32

func (in interner) id(s string) int32 {
	if s == "" {
		return -1
	}
	if v, ok := in[s]; ok {
		return v
	}
	v := int32(len(in))
	in[s] = v
	return v
}

func normTag(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// buildProfiles prepares both sides with one shared vocabulary. Only interests
// that some mentor offers and some mentee wants get a bit: the others can never
// be shared, and leaving them out keeps the bitsets one or two words long.
func buildProfiles(mentors, mentees []*Person, s Settings) (mp, ep []profile) {
	side := map[string]uint8{}
	mark := func(ps []*Person, bit uint8) {
		for _, p := range ps {
			for _, t := range p.Interests {
				if t = normTag(t); t != "" {
					side[t] |= bit
				}
			}
		}
	}
	mark(mentors, 1)
	mark(mentees, 2)
	tagID := map[string]int{}
	// Index in order of first appearance so bit layout (and so any tie) does
	// not depend on map iteration order.
	for _, ps := range [][]*Person{mentors, mentees} {
		for _, p := range ps {
			for _, t := range p.Interests {
				if t = normTag(t); side[t] == 3 {
					if _, ok := tagID[t]; !ok {
						tagID[t] = len(tagID)
					}
				}
			}
		}
	}
	words := (len(tagID) + 63) / 64
	backing := make([]uint64, words*(len(mentors)+len(mentees)))
	orgs, emails := interner{}, interner{}
	prep := func(ps []*Person) []profile {
		out := make([]profile, len(ps))
		for i, p := range ps {
			tags := backing[:words:words]
			backing = backing[words:]
			for _, t := range p.Interests {
				if id, ok := tagID[normTag(t)]; ok {
					tags[id/64] |= 1 << (id % 64)
				}
			}
			out[i] = profile{
				p:       p,
				id:      p.ID,
				mask:    p.AvailMask & (1<<24 - 1),
				org:     orgs.id(strings.ToLower(strings.TrimSpace(p.Org))),
				email:   emails.id(p.Email),
				manager: emails.id(p.ManagerEmail),
				rank:    int8(LevelRank(p.Level)),
				dist:    parseDistance(p.DistancePref),
				track:   parseTrack(p.TrackChange),
				left:    capacityLeft(p, s),
				tags:    tags,
			}
		}
		return out
	}
	return prep(mentors), prep(mentees)
}

func relation(a, b *profile) orgRel {
	switch {
	case a.org < 0 || b.org < 0:
		return relUnknown
	case a.org == b.org:
		return relSame
	}
	return relOther
}

func overlapHours(a, b *profile) int { return bits.OnesCount32(a.mask & b.mask) }

func sharedTags(a, b *profile) int {
	n := 0
	for i, w := range a.tags {
		n += bits.OnesCount64(w & b.tags[i])
	}
	return n
}
