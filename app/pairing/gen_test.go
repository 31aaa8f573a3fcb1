package pairing

import (
	"fmt"
	"math/rand/v2"
)

// Realistic random programs for the property tests and the benchmarks:
// availability from local working hours in zones around the world (so masks
// wrap around midnight UTC), six preset interests plus a few rare free
// entries, seven orgs, levels skewed senior for mentors.

var (
	zones   = []int{-8, -7, -5, -4, -3, 0, 1, 2, 3, 5, 8, 9, 10, 12}
	presets = []string{"career growth", "leadership", "technical skills", "public speaking",
		"work-life balance", "navigating the org"}
	rare   = []string{"rust", "open source", "accessibility", "parenting", "writing", "Career Growth "}
	orgs   = []string{"Firefox", "Platform", "Data", "Security", "Marketing", "People", "Finance"}
	ics    = []string{"IC1", "IC2", "IC3", "IC4", "IC5", "IC6", "IC7"}
	mgrs   = []string{"M1", "M2", "M3", "M4", "M5"}
	dists  = []string{"", "neutral", "neutral", "neutral", "neutral", "prefer-far", "prefer-far", "prefer-close", "require-far", "require-close"}
	tracks = []string{"", "yes", "yes", "maybe", "maybe", "maybe", "no", "no", "no", "no"}
)

// workMask returns the UTC mask of a working day from local hour start, len
// hours long, in a zone offset hours east of UTC.
func workMask(zone, start, length int) uint32 {
	var m uint32
	for h := start; h < start+length; h++ {
		m |= 1 << uint(((h-zone)%24+24)%24)
	}
	return m
}

type genOpts struct {
	mentors, mentees int
	seenRate         float64 // share of (mentor, mentee) pairs already seen
	managerRate      float64 // share of mentees managed by some mentor
}

type instance struct {
	mentors, mentees []*Person
	seen             map[[2]string]bool
}

func (in *instance) Seen(m, e string) bool { return in.seen[[2]string{m, e}] }

func genPerson(r *rand.Rand, id int64, mentor bool) *Person {
	p := &Person{
		ID:    id,
		Email: fmt.Sprintf("p%d@example.org", id),
		Name:  fmt.Sprintf("Person %d", id),
	}
	if r.IntN(30) > 0 {
		p.Org = orgs[r.IntN(len(orgs))]
		if r.IntN(5) == 0 {
			p.Org = " " + p.Org + " " // sloppy input, same org
		}
	}
	zone := zones[r.IntN(len(zones))]
	p.AvailMask = workMask(zone, 7+r.IntN(4), 3+r.IntN(7))
	if r.IntN(4) == 0 { // some evenings too
		p.AvailMask |= workMask(zone, 18+r.IntN(3), 1+r.IntN(3))
	}
	for _, k := range r.Perm(len(presets))[:1+r.IntN(3)] {
		p.Interests = append(p.Interests, presets[k])
	}
	if r.IntN(8) == 0 {
		p.Interests = append(p.Interests, rare[r.IntN(len(rare))])
	}
	switch {
	case r.IntN(10) == 0:
		p.Level = "" // unknown
	case mentor && r.IntN(3) == 0:
		p.Level = mgrs[r.IntN(len(mgrs))]
	case mentor:
		p.Level = ics[2+r.IntN(5)]
	default:
		p.Level = ics[r.IntN(5)]
	}
	p.DistancePref = dists[r.IntN(len(dists))]
	if mentor {
		p.Capacity = r.IntN(3) + 1
		if r.IntN(6) == 0 {
			p.Current = r.IntN(p.Capacity + 1)
		}
		if r.IntN(10) == 0 {
			p.Capacity = 0 // take the program default
		}
	} else {
		p.TrackChange = tracks[r.IntN(len(tracks))]
		p.ManagerEmail = fmt.Sprintf("boss%d@example.org", r.IntN(100))
	}
	return p
}

func genInstance(r *rand.Rand, o genOpts) *instance {
	in := &instance{seen: map[[2]string]bool{}}
	for i := range o.mentors {
		in.mentors = append(in.mentors, genPerson(r, int64(1000000+i), true))
	}
	for i := range o.mentees {
		in.mentees = append(in.mentees, genPerson(r, int64(i+1), false))
	}
	for _, e := range in.mentees {
		if len(in.mentors) > 0 && r.Float64() < o.managerRate {
			e.ManagerEmail = in.mentors[r.IntN(len(in.mentors))].Email
		}
	}
	if o.seenRate > 0 && len(in.mentors) > 0 {
		for range int(o.seenRate * float64(o.mentors*o.mentees)) {
			m, e := in.mentors[r.IntN(len(in.mentors))], in.mentees[r.IntN(len(in.mentees))]
			in.seen[[2]string{m.Email, e.Email}] = true
		}
	}
	return in
}
