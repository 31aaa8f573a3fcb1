// Package participants is the pure logic behind the staff participant
// table: reading and validating its filters from a URL query (so a link, a
// reload or back/forward reproduces the view), the opaque keyset cursor,
// search words sanitised for both full-text engines, facet counts, and CSV
// cell neutralisation. It knows nothing about HTTP or SQL.
package participants

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"cohort/app/forms"
)

// Sort keys the table can be ordered by.
const (
	SortName      = "name"
	SortEmail     = "email"
	SortStatus    = "status"
	SortOrg       = "org"
	SortLevel     = "level"
	SortTZ        = "tz"
	SortSubmitted = "submitted"
)

// SortKeys lists the sort keys in the order the table shows its columns.
var SortKeys = []string{SortName, SortEmail, SortStatus, SortOrg, SortLevel, SortTZ, SortSubmitted}

// Roles a participant can be filtered by.
const (
	RoleMentor = "mentor"
	RoleMentee = "mentee"
)

// Values of the paired filter.
const (
	PairedYes = "yes"
	PairedNo  = "no"
)

// Statuses are the enrollment statuses in lifecycle order. They mirror the
// db package's constants (a test in app/staff keeps the two in step); this
// package stays free of the database layer.
var Statuses = []string{"draft", "submitted", "approved", "waitlisted", "declined", "active", "ended", "withdrawn"}

// Limits on what a query may ask for. They bound the SQL a URL can produce;
// the form never comes near them.
const (
	maxValues   = 30  // values of one multi-valued filter
	maxValueLen = 100 // characters of one value
	maxQLen     = 200 // characters of the search text
	// MinTZ and MaxTZ bound the UTC-offset filter, in hours: the zones in
	// use today run from UTC−12 to UTC+14.
	MinTZ = -12
	MaxTZ = 14
)

// Query is everything the table's URL says: the filters, the order, the
// page (a keyset cursor) and the zone the viewer reads times in.
type Query struct {
	Role         string   // "", RoleMentor or RoleMentee
	Statuses     []string // any of (empty: all)
	TZMin, TZMax *int     // UTC offset bounds in hours, inclusive
	Avail        []int    // UTC hours the participant must ALL be available at
	Orgs         []string // any of
	Levels       []string // any of
	Interests    []string // ALL of, either side; lower-cased like the stored ones
	TrackChange  []string // any of
	DistancePref []string // any of
	Q            string   // free text, as typed (trimmed)
	// Paired is PairedYes (in a pair that has not ended, either side),
	// PairedNo, or "" (either).
	Paired string

	Sort string // one of SortKeys
	Desc bool
	// After is the position to continue from (nil: the first page). It
	// only ever belongs to the same sort and direction.
	After *Cursor

	// TZ is the IANA zone the viewer reads hours and dates in ("UTC" by
	// default). It changes how things are shown, not which rows match.
	TZ string
}

// Problem is one invalid parameter, with a message a person can act on.
type Problem struct {
	Field   string // the parameter (and the form control's id stem)
	Message string
}

// Parse reads a Query from URL parameters. Unknown parameters are ignored
// (so an old link with a parameter we no longer use still opens); invalid
// values are reported as Problems, and the Query returned leaves them out,
// so a caller can still show something sensible beside the errors.
func Parse(v url.Values) (Query, []Problem) {
	var q Query
	var probs []Problem
	add := func(field, msg string) { probs = append(probs, Problem{field, msg}) }

	switch role := strings.TrimSpace(v.Get("role")); role {
	case "", RoleMentor, RoleMentee:
		q.Role = role
	case "learner": // the form's word for a mentee
		q.Role = RoleMentee
	default:
		add("role", "Choose mentor or mentee.")
	}

	statuses, ok := values(v["status"], false)
	if !ok {
		add("status", "Too many statuses.")
	}
	for _, s := range statuses {
		if !slices.Contains(Statuses, s) {
			add("status", "Unknown status "+strconv.Quote(s)+".")
			continue
		}
		q.Statuses = append(q.Statuses, s)
	}
	slices.SortFunc(q.Statuses, func(a, b string) int { return slices.Index(Statuses, a) - slices.Index(Statuses, b) })

	q.TZMin = offsetParam(v.Get("tz_min"), "tz_min", "lowest", add)
	q.TZMax = offsetParam(v.Get("tz_max"), "tz_max", "highest", add)
	if q.TZMin != nil && q.TZMax != nil && *q.TZMin > *q.TZMax {
		add("tz_max", "The highest UTC offset must not be below the lowest.")
		q.TZMax = nil
	}

	seen := map[int]bool{}
	for _, raw := range v["avail"] {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		h, err := strconv.Atoi(raw)
		if err != nil || h < 0 || h > 23 {
			add("avail", "Available hours are whole UTC hours from 0 to 23.")
			continue
		}
		if !seen[h] {
			seen[h] = true
			q.Avail = append(q.Avail, h)
		}
	}
	slices.Sort(q.Avail)

	for _, m := range []struct {
		field string
		dst   *[]string
		lower bool
		what  string
	}{
		{"org", &q.Orgs, false, "organizations"},
		{"level", &q.Levels, false, "levels"},
		{"interest", &q.Interests, true, "interests"},
		{"track_change", &q.TrackChange, false, "track-change answers"},
		{"distance_pref", &q.DistancePref, false, "distance preferences"},
	} {
		got, ok := values(v[m.field], m.lower)
		if !ok {
			add(m.field, "Too many "+m.what+", or one that is too long.")
		}
		*m.dst = got
	}

	switch paired := strings.TrimSpace(v.Get("paired")); paired {
	case "", PairedYes, PairedNo:
		q.Paired = paired
	default:
		add("paired", "Choose paired or not paired.")
	}

	q.Q = strings.Join(strings.Fields(v.Get("q")), " ")
	if utf8.RuneCountInString(q.Q) > maxQLen {
		add("q", "Keep the search under "+strconv.Itoa(maxQLen)+" characters.")
		q.Q = ""
	}

	q.Sort = SortName
	if s := strings.TrimSpace(v.Get("sort")); s != "" {
		if slices.Contains(SortKeys, s) {
			q.Sort = s
		} else {
			add("sort", "Unknown sort order.")
		}
	}
	switch d := strings.TrimSpace(v.Get("dir")); d {
	case "", "asc":
	case "desc":
		q.Desc = true
	default:
		add("dir", "The direction is asc or desc.")
	}

	if raw := v.Get("after"); raw != "" {
		c, err := DecodeCursor(raw)
		switch {
		case err != nil:
			add("after", "This page link is damaged. Start again from the first page.")
		case c.Sort == q.Sort && c.Desc == q.Desc:
			q.After = &c
		}
		// A cursor of another order is left behind on purpose: it can only
		// come from a hand-edited link, and the first page is the sensible
		// answer to it.
	}

	q.TZ = "UTC"
	if tz := strings.TrimSpace(v.Get("tz")); tz != "" {
		if forms.ValidTimeZone(tz) {
			q.TZ = tz
		} else {
			add("tz", "Unknown time zone "+strconv.Quote(tz)+".")
		}
	}
	return q, probs
}

// offsetParam parses one UTC-offset bound; "" is no bound.
func offsetParam(raw, field, which string, add func(string, string)) *int {
	raw = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(raw), "+"))
	if raw == "" {
		return nil
	}
	h, err := strconv.Atoi(raw)
	if err != nil || h < MinTZ || h > MaxTZ {
		add(field, "The "+which+" UTC offset is a whole number of hours from "+strconv.Itoa(MinTZ)+" to +"+strconv.Itoa(MaxTZ)+".")
		return nil
	}
	return &h
}

// values cleans a multi-valued parameter: trimmed, empty ones dropped,
// duplicates removed, sorted so equal filters encode equally. ok is false
// when there were too many or one was too long (those are dropped).
func values(raw []string, lower bool) ([]string, bool) {
	ok := len(raw) <= maxValues
	var out []string
	for _, s := range raw[:min(len(raw), maxValues)] {
		s = strings.Join(strings.Fields(s), " ")
		if lower {
			s = strings.ToLower(s)
		}
		if s == "" {
			continue
		}
		if utf8.RuneCountInString(s) > maxValueLen {
			ok = false
			continue
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out, ok
}

// Values is the query as URL parameters, in a canonical form: equal
// queries give equal encodings (the cache key and every link rely on it),
// defaults are left out so links stay short.
func (q Query) Values() url.Values {
	v := q.FilterValues()
	if q.Sort != "" && q.Sort != SortName {
		v.Set("sort", q.Sort)
	}
	if q.Desc {
		v.Set("dir", "desc")
	}
	if q.After != nil {
		v.Set("after", q.After.Encode())
	}
	if q.TZ != "" && q.TZ != "UTC" {
		v.Set("tz", q.TZ)
	}
	return v
}

// FilterValues is only the filters: what decides which rows match, and so
// the facet counts.
func (q Query) FilterValues() url.Values {
	v := url.Values{}
	if q.Role != "" {
		v.Set("role", q.Role)
	}
	if len(q.Statuses) > 0 {
		v["status"] = slices.Clone(q.Statuses)
	}
	if q.TZMin != nil {
		v.Set("tz_min", strconv.Itoa(*q.TZMin))
	}
	if q.TZMax != nil {
		v.Set("tz_max", strconv.Itoa(*q.TZMax))
	}
	for _, h := range q.Avail {
		v.Add("avail", strconv.Itoa(h))
	}
	for k, vs := range map[string][]string{"org": q.Orgs, "level": q.Levels, "interest": q.Interests,
		"track_change": q.TrackChange, "distance_pref": q.DistancePref} {
		if len(vs) > 0 {
			v[k] = slices.Clone(vs)
		}
	}
	if q.Paired != "" {
		v.Set("paired", q.Paired)
	}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	return v
}

// Encode is Values as a query string (without "?"); url.Values sorts the
// keys, so the string is canonical.
func (q Query) Encode() string { return q.Values().Encode() }

// FilterKey is the canonical string of the filters alone.
func (q Query) FilterKey() string { return q.FilterValues().Encode() }

// FirstPage is q without its cursor: where a change of filter or order
// starts.
func (q Query) FirstPage() Query {
	q.After = nil
	return q
}

// WithSort is the first page of q in another order.
func (q Query) WithSort(key string, desc bool) Query {
	q.Sort, q.Desc, q.After = key, desc, nil
	return q
}

// WithAfter is the page of q that follows c.
func (q Query) WithAfter(c Cursor) Query {
	q.After = &c
	return q
}

// Filtered reports whether any filter is set (an empty table then says
// "nothing matches" rather than "nobody has enrolled").
func (q Query) Filtered() bool { return len(q.FilterValues()) > 0 }

// TZMinMinutes and TZMaxMinutes are the offset bounds in minutes, as the
// tz_offset_min column stores them, or nil.
func (q Query) TZMinMinutes() *int { return minutes(q.TZMin) }

// TZMaxMinutes: see TZMinMinutes.
func (q Query) TZMaxMinutes() *int { return minutes(q.TZMax) }

func minutes(h *int) *int {
	if h == nil {
		return nil
	}
	m := *h * 60
	return &m
}

// AvailBits is the UTC hours as a mask: a participant matches when
// mask & bits == bits.
func (q Query) AvailBits() int64 {
	var bits int64
	for _, h := range q.Avail {
		bits |= 1 << h
	}
	return bits
}
