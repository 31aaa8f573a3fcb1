package forms

import (
	"math/bits"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	// Embedded zone data: the image is built FROM scratch and developer
	// machines differ, and a member's zone must load everywhere.
	_ "time/tzdata"
)

// AllHours is the availability mask with every UTC hour set.
const AllHours int64 = 1<<24 - 1

// zoneName keeps LoadLocation away from paths and odd strings before it
// touches the file system, and rejects "Local" (the server's zone).
var zoneName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$`)

// zones caches loaded locations: LoadLocation re-reads zone data on every
// call, and a form with availability converts on every save. Only valid
// names are cached, so the cache is bounded by the zone database.
var zones sync.Map // name → *time.Location

// loadZone loads an IANA zone by name.
func loadZone(name string) (*time.Location, bool) {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), true
	}
	if len(name) > 64 || !zoneName.MatchString(name) || name == "Local" {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	zones.Store(name, loc)
	return loc, true
}

// ValidTimeZone reports whether name is an IANA zone this package accepts.
func ValidTimeZone(name string) bool {
	_, ok := loadZone(name)
	return ok
}

// zoneOr returns the named zone, or UTC when the name is empty or invalid:
// hours are still stored, and the time-zone field carries its own error.
func zoneOr(name string) *time.Location {
	if loc, ok := loadZone(name); ok {
		return loc
	}
	return time.UTC
}

// offsetSeconds is the zone's offset from UTC at instant t.
func offsetSeconds(loc *time.Location, t time.Time) int {
	_, off := t.In(loc).Zone()
	return off
}

// The grid is 24 whole UTC hours. In zones whose offset is not a whole hour
// (India +5:30, Nepal +5:45, Newfoundland −3:30) a local hour straddles two
// UTC slots; localToUTC picks the earlier one and utcToLocal is its exact
// inverse, so what a member ticks is what they see again.

func localToUTC(h, off int) int { return mod24(floorDiv(h*3600-off, 3600)) }

func utcToLocal(s, off int) int { return mod24(ceilDiv(s*3600+off, 3600)) }

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func ceilDiv(a, b int) int { return -floorDiv(-a, b) }

func mod24(h int) int { return ((h % 24) + 24) % 24 }

// MaskFromLocal converts local hours (0–23) in zone tz to a UTC mask using
// the zone's offset at now — so a range entered in July in Los Angeles uses
// PDT. An empty or invalid tz means UTC.
func MaskFromLocal(hours []int, tz string, now time.Time) int64 {
	off := offsetSeconds(zoneOr(tz), now)
	var m int64
	for _, h := range hours {
		if h >= 0 && h < 24 {
			m |= 1 << localToUTC(h, off)
		}
	}
	return m
}

// LocalHours lists the local hours (sorted, 0–23) that the UTC mask covers
// in zone tz at now. It is how a member's own hours are shown back to them.
func LocalHours(mask int64, tz string, now time.Time) []int {
	off := offsetSeconds(zoneOr(tz), now)
	out := make([]int, 0, bits.OnesCount64(uint64(mask&AllHours)))
	for s := 0; s < 24; s++ {
		if mask&(1<<s) != 0 {
			out = append(out, utcToLocal(s, off))
		}
	}
	slices.Sort(out)
	return out
}

// FormatHours shows a mask as local ranges, e.g. "09:00–12:00, 22:00–02:00"
// (end exclusive; a range ending at midnight ends "24:00"), or "no hours".
func FormatHours(mask int64, tz string, now time.Time) string {
	runs := hourRuns(LocalHours(mask, tz, now))
	if len(runs) == 0 {
		return "no hours"
	}
	parts := make([]string, len(runs))
	for i, r := range runs {
		end := (r[0] + r[1]) % 24
		endText := clock(end)
		if end == 0 {
			endText = "24:00"
		}
		parts[i] = clock(r[0]) + "–" + endText
	}
	return strings.Join(parts, ", ")
}

func clock(h int) string {
	if h < 10 {
		return "0" + strconv.Itoa(h) + ":00"
	}
	return strconv.Itoa(h) + ":00"
}

// hourRuns groups sorted distinct hours into circular runs [start, length],
// so 22, 23, 0, 1 is one run across midnight. Runs are ordered by start.
func hourRuns(hours []int) [][2]int {
	var set [24]bool
	n := 0
	for _, h := range hours {
		if h >= 0 && h < 24 && !set[h] {
			set[h] = true
			n++
		}
	}
	if n == 0 {
		return nil
	}
	if n == 24 {
		return [][2]int{{0, 24}}
	}
	var runs [][2]int
	for h := 0; h < 24; h++ {
		if !set[h] || set[(h+23)%24] {
			continue // not the start of a run
		}
		l := 0
		for set[(h+l)%24] {
			l++
		}
		runs = append(runs, [2]int{h, l})
	}
	return runs
}

// parseAvailability turns the availability inputs into a mask (canonical)
// or, when they are wrong, the raw inputs and a message.
func parseAvailability(f *Field, in map[string][]string, tz string, now time.Time) (any, string) {
	mode := strings.TrimSpace(first(in[f.ModeName()]))
	from := strings.TrimSpace(first(in[f.FromName()]))
	to := strings.TrimSpace(first(in[f.ToName()]))
	var hours []string
	for _, h := range in[f.Key] {
		if h = strings.TrimSpace(strings.ToValidUTF8(h, "\uFFFD")); h != "" {
			hours = append(hours, h)
		}
	}
	hasRange, hasCustom := from != "" || to != "", len(hours) > 0
	switch {
	case !hasRange && !hasCustom:
		return nil, ""
	// Without JavaScript both parts of the grid are on the page and "range"
	// is preselected: hours ticked under "custom" with the range left empty
	// mean custom, whatever the radio says (and the other way round).
	case mode == "" && hasRange, mode == "custom" && !hasCustom:
		mode = "range"
	case mode == "" && hasCustom, mode == "range" && !hasRange:
		mode = "custom"
	}
	raw := map[string]any{"mode": mode}
	if from != "" {
		raw["from"] = from
	}
	if to != "" {
		raw["to"] = to
	}
	if len(hours) > 0 {
		raw["hours"] = hours
	}

	var local []int
	switch mode {
	case "range":
		a, okA := hourNumber(from, 23)
		b, okB := hourNumber(to, 24)
		switch {
		case from == "":
			return raw, "Choose the hour you are available from."
		case !okA:
			return raw, "Choose a start hour between 00:00 and 23:00."
		case to == "":
			return raw, "Choose the hour you are available until."
		case !okB:
			return raw, "Choose an end hour between 01:00 and 24:00."
		case a == b%24 && !(a == 0 && b == 24):
			return raw, "Choose an end hour different from the start hour."
		}
		n := (b - a + 24) % 24
		if n == 0 {
			n = 24 // 00:00–24:00, the whole day
		}
		for i := range n {
			local = append(local, (a+i)%24)
		}
	case "custom":
		for _, s := range hours {
			h, ok := hourNumber(s, 23)
			if !ok {
				return raw, "Choose hours from the list."
			}
			local = append(local, h)
		}
	default:
		return raw, "Choose a range of hours or custom hours."
	}

	m := MaskFromLocal(local, tz, now)
	n := bits.OnesCount64(uint64(m))
	if f.Min != nil && float64(n) < f.Min.Num {
		return maskValue(m), "Choose at least " + plural(int(f.Min.Num), "hour", "hours") + " when you are available."
	}
	if f.Max != nil && float64(n) > f.Max.Num {
		return maskValue(m), "Choose at most " + plural(int(f.Max.Num), "hour", "hours") + "."
	}
	return maskValue(m), ""
}

// hourNumber parses a whole hour 0..limit written as digits.
func hourNumber(s string, limit int) (int, bool) {
	if s == "" || len(s) > 2 {
		return 0, false
	}
	h, err := strconv.Atoi(s)
	if err != nil || h < 0 || h > limit || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	return h, true
}

// availabilityInputs renders a stored availability answer back as form
// inputs: a contiguous set of hours as a range (what most people enter),
// anything else as custom hours; a raw answer as it was typed.
func availabilityInputs(f *Field, v any, tz string, now time.Time, in map[string][]string) {
	if m, ok := asMask(v); ok {
		if m == 0 {
			return
		}
		hours := LocalHours(m, tz, now)
		runs := hourRuns(hours)
		if len(runs) == 1 {
			r := runs[0]
			end := r[0] + r[1]
			if end > 24 {
				end -= 24
			}
			in[f.ModeName()] = []string{"range"}
			in[f.FromName()] = []string{strconv.Itoa(r[0])}
			in[f.ToName()] = []string{strconv.Itoa(end)}
			return
		}
		in[f.ModeName()] = []string{"custom"}
		list := make([]string, len(hours))
		for i, h := range hours {
			list[i] = strconv.Itoa(h)
		}
		in[f.Key] = list
		return
	}
	raw, ok := v.(map[string]any)
	if !ok {
		return
	}
	for name, k := range map[string]string{f.ModeName(): "mode", f.FromName(): "from", f.ToName(): "to"} {
		if s, ok := raw[k].(string); ok && s != "" {
			in[name] = []string{s}
		}
	}
	if list, ok := asStrings(raw["hours"]); ok && len(list) > 0 {
		in[f.Key] = list
	}
}
