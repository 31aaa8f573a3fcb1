// Package health derives a pair's health from its check-in answers: on
// track, needs attention (with the reasons in words), or no response. The
// rules are plain data and thresholds from the program's settings; nothing
// here touches the web or the database, so the rules are tested as tables.
package health

import (
	"fmt"
	"time"
)

// State is a pair's health.
type State string

// States, from least to most urgent (Rank orders them).
const (
	// Early: no check-in point has been reached long enough ago to judge.
	Early State = "early"
	// OnTrack: the latest answers raise nothing.
	OnTrack State = "on_track"
	// NoResponse: neither person answered the latest check-in that is due.
	NoResponse State = "no_response"
	// NeedsAttention: an answer raised a concern (low rating, not met,
	// asked to be contacted) that staff have not marked handled.
	NeedsAttention State = "needs_attention"
)

// States lists every state, in Rank order.
var States = []State{Early, OnTrack, NoResponse, NeedsAttention}

// Label is the state as staff read it.
func (s State) Label() string {
	switch s {
	case OnTrack:
		return "On track"
	case NoResponse:
		return "No response"
	case NeedsAttention:
		return "Needs attention"
	}
	return "No check-in yet"
}

// Rank orders states for sorting: higher is more urgent.
func (s State) Rank() int {
	for i, st := range States {
		if st == s {
			return i
		}
	}
	return 0
}

// Rules are the program's thresholds (db.ProgramSettings with defaults
// applied).
type Rules struct {
	// LowRating: a rating at or below it needs attention.
	LowRating int
	// NotMetByWeek: "not yet met" at a point at or after this week needs
	// attention.
	NotMetByWeek int
	// ResponseDays: how long after a point with no answer from either
	// person the pair counts as not responding.
	ResponseDays int
}

// Person is one side of a pair.
type Person struct {
	ID   int64
	Name string
}

// Answer is one check-in answer (db.CheckinAnswer, without the note).
type Answer struct {
	PersonID  int64
	Weeks     int
	Met       string // "not_yet", "once", "several"
	Rating    int
	ContactMe bool
	UpdatedAt time.Time
}

// Pair is what the rules look at.
type Pair struct {
	Mentor, Mentee Person
	Start          time.Time
	// Points are the program's check-in weeks, ascending.
	Points  []int
	Answers []Answer
	// HandledAt is when staff last marked the pair's concerns handled;
	// answers saved before it raise nothing.
	HandledAt *time.Time
}

// Result is a pair's health with its reasons in words.
type Result struct {
	State   State
	Reasons []string
}

// Assess applies r to p at now. Each person's latest answer counts (an
// earlier low rating followed by a good one is over); a concern raised by
// an answer saved before HandledAt is over too. Concerns win over a
// missing response.
func Assess(r Rules, p Pair, now time.Time) Result {
	var res Result
	latest := map[int64]Answer{}
	for _, a := range p.Answers {
		if cur, ok := latest[a.PersonID]; !ok || a.Weeks > cur.Weeks {
			latest[a.PersonID] = a
		}
	}
	for _, who := range []Person{p.Mentor, p.Mentee} {
		a, ok := latest[who.ID]
		if !ok || (p.HandledAt != nil && a.UpdatedAt.Before(*p.HandledAt)) {
			continue
		}
		name := who.Name
		if name == "" {
			name = "Someone"
		}
		if a.Rating > 0 && a.Rating <= r.LowRating {
			res.Reasons = append(res.Reasons, fmt.Sprintf("%s rated %d/5 at week %d", name, a.Rating, a.Weeks))
		}
		if a.Met == "not_yet" && r.NotMetByWeek > 0 && a.Weeks >= r.NotMetByWeek {
			res.Reasons = append(res.Reasons, fmt.Sprintf("%s says they have not met by week %d", name, a.Weeks))
		}
		if a.ContactMe {
			res.Reasons = append(res.Reasons, fmt.Sprintf("%s asked to be contacted (week %d)", name, a.Weeks))
		}
	}
	if len(res.Reasons) > 0 {
		res.State = NeedsAttention
		return res
	}
	// The latest point that is due: passed at least ResponseDays ago.
	due := 0
	for _, w := range p.Points {
		at := p.Start.Add(time.Duration(w)*7*24*time.Hour + time.Duration(r.ResponseDays)*24*time.Hour)
		if !now.Before(at) {
			due = w
		}
	}
	if due == 0 {
		res.State = Early
		return res
	}
	for _, a := range p.Answers {
		if a.Weeks == due {
			res.State = OnTrack
			return res
		}
	}
	res.State = NoResponse
	res.Reasons = []string{fmt.Sprintf("neither answered the week-%d check-in", due)}
	return res
}
