package participants

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Search limits: enough for any real search, and they keep the full-text
// query small whatever is pasted into the box.
const (
	maxWords   = 8
	maxWordLen = 64 // characters
)

// Words splits free text into search words: runs of letters and digits,
// lower-cased, everything else a separator (so "o'brien" searches for "o"
// and "brien", just as the documents were split). Nothing but letters and
// digits survives, so the words can be placed in FTS5 MATCH and Postgres
// tsquery syntax without any way to change their meaning. Duplicates and
// words past the limits are dropped.
func Words(q string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }) {
		w = strings.ToLower(w)
		if utf8.RuneCountInString(w) > maxWordLen {
			w = string([]rune(w)[:maxWordLen])
		}
		if !contains(out, w) {
			out = append(out, w)
		}
		if len(out) == maxWords {
			break
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
