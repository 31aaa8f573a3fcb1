package pairing

import (
	"math/rand/v2"
	"testing"
)

// The benchmarks run on realistic random programs (see gen_test.go): 24-hour
// masks from working hours in zones round the world, six preset interests and
// a few rare ones, seven orgs, 1% of pairs seen before, 5% of mentees managed
// by a mentor.

func benchInstance(mentors, mentees int) *instance {
	r := rand.New(rand.NewPCG(uint64(mentors), uint64(mentees)))
	return genInstance(r, genOpts{mentors: mentors, mentees: mentees, seenRate: 0.01, managerRate: 0.05})
}

func benchPropose(b *testing.B, mentors, mentees int) {
	in := benchInstance(mentors, mentees)
	s := DefaultSettings()
	var p Proposal
	for b.Loop() {
		p = Propose(in.mentors, in.mentees, s, in.Seen)
	}
	b.ReportMetric(float64(len(p.Pairs)), "pairs")
	b.ReportMetric(p.Total, "total")
}

func BenchmarkPropose500x1000(b *testing.B)  { benchPropose(b, 500, 1000) }
func BenchmarkPropose2000x5000(b *testing.B) { benchPropose(b, 2000, 5000) }

func BenchmarkGreedy500x1000(b *testing.B) {
	in := benchInstance(500, 1000)
	s := DefaultSettings()
	var p Proposal
	for b.Loop() {
		p = Greedy(in.mentors, in.mentees, s, in.Seen)
	}
	b.ReportMetric(float64(len(p.Pairs)), "pairs")
	b.ReportMetric(p.Total, "total")
}

// BenchmarkSuggest ranks 2,000 mentors for one mentee, top 10: what a staff
// member opening a participant waits for.
func BenchmarkSuggest(b *testing.B) {
	in := benchInstance(2000, 100)
	s := DefaultSettings()
	k := 0
	for b.Loop() {
		Suggest(in.mentees[k%len(in.mentees)], true, in.mentors, s, in.Seen, 10)
		k++
	}
}
