package forms

import (
	"encoding/json"
	"maps"
	"math"
	"strconv"
)

// Answers maps a field key to its answer. Canonical (valid) values are:
//
//   - string: text, email, textarea, select, radio (the option value), date
//     ("YYYY-MM-DD"), timezone (IANA name), file (upload id);
//   - []string: checkboxes (option values, in option order) and interests
//     (presets by their text, in preset order, then own entries);
//   - bool: boolean; consent is always true (an unticked consent is absent);
//   - float64: number;
//   - map[string]any{"mask": int64}: availability, bit h set = available in
//     the UTC hour h..h+1.
//
// A value that did not validate is kept as typed (a string, a list, or for
// availability a map of the raw "mode", "from", "to" and "hours" inputs) so
// the form can be shown again. An unanswered field has no key. Answers read
// back from JSON may hold []any and float64 where Go code stored []string
// and int64; every reader here accepts both (see DecodeAnswers).
type Answers map[string]any

// DecodeAnswers reads answers stored as JSON and restores the canonical Go
// types ([]string lists, int64 masks), so equality checks and templates see
// the same values they saw before saving.
func DecodeAnswers(data []byte) (Answers, error) {
	var a Answers
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, err
	}
	for k, v := range a {
		switch x := v.(type) {
		case []any:
			if list, ok := asStrings(x); ok {
				a[k] = list
			}
		case map[string]any:
			if m, ok := asMask(x); ok {
				a[k] = maskValue(m)
			}
		}
	}
	return a, nil
}

// Raw is the answer for key as the text a single input would show: strings
// as stored, numbers without exponent, booleans as "yes"/"no". Lists and
// availability give "". Templates use it to refill inputs.
func Raw(answers Answers, key string) string {
	return rawString(answers[key])
}

// RawList is a list answer (checkboxes, interests) as strings; a single
// value gives a one-element list, anything else nil.
func RawList(answers Answers, key string) []string {
	v := answers[key]
	if list, ok := asStrings(v); ok {
		return list
	}
	if s := rawString(v); s != "" {
		return []string{s}
	}
	return nil
}

// Checked reports whether a checkbox or radio with this value should render
// ticked: the answer is value, or is a list containing it.
func Checked(answers Answers, key, value string) bool {
	for _, s := range RawList(answers, key) {
		if s == value {
			return true
		}
	}
	return false
}

func rawString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case float64:
		return formatFloat(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case json.Number:
		return x.String()
	}
	return ""
}

func formatFloat(x float64) string {
	if x == 0 {
		x = 0 // turn -0 into 0
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// asStrings reads a list answer whether it was stored as []string or came
// back from JSON as []any; a list with a non-string element is not a list
// of answers.
func asStrings(v any) ([]string, bool) {
	switch x := v.(type) {
	case []string:
		return x, true
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// asNumber reads a number answer in any of the forms it may take.
func asNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// asMask reads a canonical availability answer; a raw (invalid) one has no
// mask and is not one.
func asMask(v any) (int64, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return 0, false
	}
	n, ok := asNumber(m["mask"])
	if !ok || n < 0 || n > float64(AllHours) || n != math.Trunc(n) {
		return 0, false
	}
	return int64(n), true
}

func maskValue(m int64) map[string]any { return map[string]any{"mask": m} }

// hasValue reports whether v counts as an answer for a required field.
func hasValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case bool:
		return true
	case []string:
		return len(x) > 0
	case []any:
		return len(x) > 0
	case map[string]any:
		if m, ok := asMask(x); ok {
			return m != 0
		}
		return len(x) > 0
	}
	_, ok := asNumber(v)
	return ok
}

// clone copies the map; values are never modified in place, so a shallow
// copy is enough to leave the caller's answers untouched.
func clone(a Answers) Answers {
	out := make(Answers, len(a)+4)
	maps.Copy(out, a)
	return out
}
