package forms

import (
	"slices"
	"strings"
	"time"
)

// Core holds the answers staff filter and pair on, typed for the indexed
// columns (and join tables, for interests) of an enrollment.
type Core struct {
	FullName string
	IsMentor bool
	IsMentee bool
	TimeZone string
	// TZOffsetMin is the zone's UTC offset in minutes at ReferenceInstant,
	// not at the time of saving: staff filter on "members within 3 hours
	// of me", and a number that moved by an hour twice a year would make
	// the same filter return different people in March and in January.
	TZOffsetMin     int
	AvailMask       int64 // UTC hours, bit h = h:00–h+1:00 UTC
	Org             string
	Level           string
	TimeAtLevel     string
	DistancePref    string
	TrackChange     string
	ManagerName     string
	ManagerEmail    string // lower-cased, to compare with sign-in emails
	Comments        string
	MentorInterests []string // lower-cased, to match across people
	MenteeInterests []string // lower-cased, to match across people
}

// ReferenceInstant is the fixed moment at which Core.TZOffsetMin is taken
// (a northern-winter date, standard time in most zones that shift).
var ReferenceInstant = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// Extract reads the core columns from the answers. Only visible, valid
// answers are used (checked as of now); a field the definition does not
// have leaves its column at the zero value.
func Extract(def *Definition, answers Answers, now time.Time) Core {
	return extract(def, answers, now, nil)
}

// ExtractInterests is Extract of the two interest columns only, which a
// save compares before and after to know whether the interests changed —
// without validating every other core answer a second time.
func ExtractInterests(def *Definition, answers Answers, now time.Time) Core {
	return extract(def, answers, now, []Column{ColMentorInterests, ColMenteeInterests})
}

// extract is Extract of the columns in only (all of them when nil).
func extract(def *Definition, answers Answers, now time.Time, only []Column) Core {
	var c Core
	for col, f := range def.cols {
		if only != nil && !slices.Contains(only, col) {
			continue
		}
		v := validValue(def, f, answers, now)
		if v == nil {
			continue
		}
		s, _ := v.(string)
		switch col {
		case ColFullName:
			c.FullName = s
		case ColRoles:
			for _, r := range RawList(Answers{f.Key: v}, f.Key) {
				switch r {
				case RoleMentor:
					c.IsMentor = true
				case RoleLearner, RoleMentee:
					c.IsMentee = true
				}
			}
		case ColTimeZone:
			c.TimeZone = s
			c.TZOffsetMin = offsetSeconds(zoneOr(s), ReferenceInstant) / 60
		case ColAvailability:
			c.AvailMask, _ = asMask(v)
		case ColOrg:
			c.Org = s
		case ColLevel:
			c.Level = s
		case ColTimeAtLevel:
			c.TimeAtLevel = s
		case ColDistancePref:
			c.DistancePref = s
		case ColTrackChange:
			c.TrackChange = s
		case ColManagerName:
			c.ManagerName = s
		case ColManagerEmail:
			c.ManagerEmail = strings.ToLower(s)
		case ColComments:
			c.Comments = s
		case ColMentorInterests:
			c.MentorInterests = lowerAll(v)
		case ColMenteeInterests:
			c.MenteeInterests = lowerAll(v)
		}
	}
	return c
}

func lowerAll(v any) []string {
	list, _ := asStrings(v)
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.ToLower(s)
	}
	return out
}
