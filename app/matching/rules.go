// Package matching lets members choose: in a program whose matching mode
// allows it, a mentee requests mentors from the suggestions of the same
// scorer staff use, and a mentor accepts or declines. An accepted request
// makes its pair through app/pairs, so the same rules are checked in the
// transaction that writes the pair, whoever makes it. The rules of this
// file are plain Go; service.go talks to the database.
package matching

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cohort/app/pairing"
	"cohort/app/pairs"
	"cohort/db"
)

// Matching modes of a program.
const (
	ModeStaff   = "staff"   // staff pair everyone (the default)
	ModeMembers = "members" // mentees request, mentors accept
	ModeBoth    = "both"    // either
)

// Modes are the valid matching modes, in the order the settings page lists them.
var Modes = []string{ModeStaff, ModeMembers, ModeBoth}

// Defaults of the request settings.
const (
	DefaultMaxOpen     = 3
	DefaultExpiryDays  = 7
	DefaultDigestDays  = 7
	MaxMessage         = 500 // characters of a request's message
	MaxReason          = 300 // characters of a decline reason
	SuggestionsPerPage = 5
	MaxSuggestions     = 20 // a mentee never sees more mentors than this
)

// Config is a program's request settings with their defaults.
type Config struct {
	Mode         string
	MaxOpen      int
	Expiry       time.Duration
	DigestAfter  time.Duration
	MemberFields []string
	// Capacity is the program's limit of mentees per mentor.
	Capacity int
}

// ConfigFor reads a program's settings.
func ConfigFor(p *db.Program) Config {
	s := p.Settings
	c := Config{Mode: ModeStaff, MaxOpen: DefaultMaxOpen, Expiry: DefaultExpiryDays * 24 * time.Hour,
		DigestAfter: DefaultDigestDays * 24 * time.Hour, MemberFields: s.MemberFields,
		Capacity: pairs.SettingsFor(p).DefaultCapacity}
	if slices.Contains(Modes, s.MatchingMode) {
		c.Mode = s.MatchingMode
	}
	if s.MaxOpenRequests > 0 {
		c.MaxOpen = s.MaxOpenRequests
	}
	if s.RequestExpiryDays > 0 {
		c.Expiry = time.Duration(s.RequestExpiryDays) * 24 * time.Hour
	}
	if s.UnmatchedDigestDays > 0 {
		c.DigestAfter = time.Duration(s.UnmatchedDigestDays) * 24 * time.Hour
	}
	c.Capacity = max(c.Capacity, 1)
	return c
}

// MembersRequest reports whether members may request mentors.
func (c Config) MembersRequest() bool { return c.Mode == ModeMembers || c.Mode == ModeBoth }

// OwnCapacity is how many mentees a mentor takes: their own number when
// they set one, never more than the program allows.
func (c Config) OwnCapacity(pref *db.MentorPref) int {
	if pref != nil && pref.Capacity > 0 {
		return min(pref.Capacity, c.Capacity)
	}
	return c.Capacity
}

// Hidden fields: never on a card, whatever a program marks, until people
// are paired (the pair introduction mail tells them).
var neverShown = []string{"manager_name", "manager_email", "email"}

// Shown reports whether the answer of field key may be on a member's card.
func (c Config) Shown(key string) bool {
	return slices.Contains(c.MemberFields, key) && !slices.Contains(neverShown, key)
}

// Refusal codes of the request rules (besides pairing.Code* and pairs.Code*).
const (
	CodeMode    = "mode"     // the program does not take requests
	CodeTooMany = "too-many" // the mentee has K pending requests
	CodePaused  = "paused"   // the mentor is not taking requests
	CodeFull    = "full"     // the mentor's own capacity is reached
	CodeAgain   = "again"    // a request to this mentor is pending already
	CodeSelf    = "self"     // a mentor cannot accept their own request
)

// Limits is what the request rules need to know about a mentee and a mentor.
type Limits struct {
	Config      Config
	OpenByMe    int  // the mentee's pending requests
	Pending     bool // the mentee has a pending request to this mentor
	Paused      bool
	MentorLoad  int // the mentor's open pairs
	OwnCapacity int
}

// RequestRefusals are the request rules that fail, as refusals in words a
// mentee may read.
func RequestRefusals(l Limits) []pairing.Refusal {
	var out []pairing.Refusal
	if !l.Config.MembersRequest() {
		out = append(out, pairing.Refusal{Code: CodeMode, Reason: "This program's pairs are made by its staff, not by request."})
	}
	if l.Pending {
		out = append(out, pairing.Refusal{Code: CodeAgain, Reason: "You have already asked this mentor; they have not answered yet."})
	} else if l.OpenByMe >= l.Config.MaxOpen {
		out = append(out, pairing.Refusal{Code: CodeTooMany,
			Reason: fmt.Sprintf("You can have %d requests waiting at once; wait for an answer or for one to expire.", l.Config.MaxOpen)})
	}
	if l.Paused {
		out = append(out, pairing.Refusal{Code: CodePaused, Reason: "This mentor is not taking requests right now."})
	}
	if l.MentorLoad >= l.OwnCapacity {
		out = append(out, pairing.Refusal{Code: CodeFull, Reason: "This mentor has no places left."})
	}
	return out
}

// ForMember rewrites the pairing rules' refusals (written for staff, with
// names and answers) into sentences a member may read: why, where it can
// be said, without anyone's private answers.
func ForMember(rs []pairing.Refusal) []pairing.Refusal {
	out := make([]pairing.Refusal, 0, len(rs))
	for _, r := range rs {
		switch r.Code {
		case pairing.CodeManager:
			r.Reason = "The program does not pair people with their manager."
		case pairing.CodeRepeat:
			r.Reason = "You were paired with each other before; the program asks for someone new."
		case pairing.CodeOverlap:
			r.Reason = "You do not share enough available hours for this program."
		case pairing.CodeDistance:
			r.Reason = "An org-distance requirement of the program's pairs is not met."
		case pairing.CodeCapacity, CodeFull:
			r.Reason = "This mentor has no places left."
		case pairing.CodeSamePerson:
			r.Reason = "You cannot request yourself."
		case pairs.CodePaired:
			r.Reason = "This mentee has been paired already."
		case pairs.CodeRole, pairs.CodeStatus:
			r.Reason = "This person cannot take part in a pair right now."
		}
		out = append(out, r)
	}
	return out
}

// Reasons joins refusals into one text.
func Reasons(rs []pairing.Refusal) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.Reason
	}
	return strings.Join(parts, " ")
}

// CleanText trims a member's message or reason and checks its length;
// control characters are refused before a handler ever sees them.
func CleanText(s string, maxLen int, what string) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxLen {
		return "", fmt.Errorf("the %s is longer than %d characters", what, maxLen)
	}
	return s, nil
}

// KindDecline is what a mentee reads when a mentor declines: the mentor's
// reason when they gave one, framed kindly.
func KindDecline(mentor, reason string) string {
	msg := mentor + " can't take you on as a mentee this time. That says nothing about you: mentors decline for many reasons, often simply time."
	if reason != "" {
		msg += " They wrote: “" + reason + "”"
	}
	return msg + " You can ask someone else from your suggestions."
}
