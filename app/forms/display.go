package forms

import (
	"reflect"
	"strings"
	"time"
)

// Display is an answer as a person reads it: option labels instead of
// values, "Yes"/"No", "45,000", availability as local hour ranges in the
// member's own zone at now. Unanswered gives "".
func Display(def *Definition, f *Field, answers Answers, now time.Time) string {
	v, ok := answers[f.Key]
	if !ok {
		return ""
	}
	if f.Type == TypeAvailability {
		return displayHours(v, Raw(answers, f.TimezoneField), now)
	}
	return displayValue(f, v)
}

func displayHours(v any, tz string, now time.Time) string {
	m, ok := asMask(v)
	if !ok {
		return "(not valid)"
	}
	return FormatHours(m, tz, now)
}

// displayValue formats any answer or rule value of f.
func displayValue(f *Field, v any) string {
	if list, ok := asStrings(v); ok {
		parts := make([]string, len(list))
		for i, s := range list {
			parts[i] = optionLabel(f, s)
		}
		return strings.Join(parts, ", ")
	}
	switch x := v.(type) {
	case bool:
		if f.Type == TypeConsent && x {
			return "Agreed"
		}
		if x {
			return "Yes"
		}
		return "No"
	case string:
		return optionLabel(f, x)
	}
	if n, ok := asNumber(v); ok {
		return humanNumber(n)
	}
	return ""
}

func optionLabel(f *Field, s string) string {
	if o, ok := f.option(s); ok {
		return o.Label
	}
	return s
}

// Change is one field that differs between two answer sets.
type Change struct {
	Field  string // field key
	Label  string
	Before string // as Display shows it; "" when unanswered
	After  string
}

// String reads "Hours available: 09:00–17:00 → 10:00–18:00", for the audit
// trail.
func (c Change) String() string {
	blank := func(s string) string {
		if s == "" {
			return "(blank)"
		}
		return s
	}
	return c.Label + ": " + blank(c.Before) + " → " + blank(c.After)
}

// Changes lists, in form order, the fields whose answers differ, as of
// now: a change is recorded at the moment it is made, so availability reads
// in the member's zone as it was then. Tests and re-renderings use
// ChangesAt.
func Changes(def *Definition, before, after Answers) []Change {
	return ChangesAt(def, before, after, time.Now())
}

// ChangesAt is Changes with the instant used to show availability. Both
// sides of an availability change are shown in the same (new) zone, so a
// moved time zone alone is not mistaken for moved hours.
func ChangesAt(def *Definition, before, after Answers, now time.Time) []Change {
	var out []Change
	for _, f := range def.fields {
		b, a := canonical(before[f.Key]), canonical(after[f.Key])
		if reflect.DeepEqual(b, a) {
			continue
		}
		c := Change{Field: f.Key, Label: f.Label}
		if f.Type == TypeAvailability {
			tz := Raw(after, f.TimezoneField)
			if tz == "" {
				tz = Raw(before, f.TimezoneField)
			}
			if b != nil {
				c.Before = displayHours(b, tz, now)
			}
			if a != nil {
				c.After = displayHours(a, tz, now)
			}
		} else {
			c.Before, c.After = displayValue(f, b), displayValue(f, a)
		}
		out = append(out, c)
	}
	return out
}

// canonical makes values comparable whether they came from Go or from
// JSON: lists as []string, numbers as float64, masks as int64.
func canonical(v any) any {
	if list, ok := asStrings(v); ok {
		if len(list) == 0 {
			return nil
		}
		return list
	}
	if m, ok := asMask(v); ok {
		return maskValue(m)
	}
	if raw, ok := v.(map[string]any); ok { // availability as typed
		out := make(map[string]any, len(raw))
		for k, x := range raw {
			out[k] = canonical(x)
		}
		return out
	}
	if _, isStr := v.(string); !isStr {
		if n, ok := asNumber(v); ok {
			return n
		}
	}
	if s, ok := v.(string); ok && s == "" {
		return nil
	}
	return v
}
