package forms

import (
	"math"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits applied when a definition sets none: they keep junk out of the
// database without every definition having to think of it.
const (
	defaultTextMax     = 500
	defaultTextareaMax = 10000
	defaultMaxItems    = 10 // interests
	interestMaxLen     = 40
	emailMaxLen        = 254
)

// parseValue reads one field's inputs. It returns the value to store — nil
// when unanswered, canonical when valid, as typed when not — and a message
// when invalid. Requiredness and cross-field rules are checked by the
// caller, once visibility is known.
func parseValue(f *Field, in map[string][]string, tz string, now time.Time) (any, string) {
	switch f.Type {
	case TypeText:
		return parseText(f, collapseSpace(first(in[f.Key])))
	case TypeTextarea:
		return parseText(f, cleanMultiline(first(in[f.Key])))
	case TypeEmail:
		return parseEmail(f, strings.TrimSpace(first(in[f.Key])))
	case TypeSelect, TypeRadio:
		s := strings.TrimSpace(first(in[f.Key]))
		if s == "" {
			return nil, ""
		}
		if _, ok := f.option(s); !ok {
			return s, "Choose one of the options."
		}
		return s, ""
	case TypeCheckboxes:
		return parseCheckboxes(f, in[f.Key])
	case TypeInterests:
		return parseInterests(f, in[f.Key], in[f.OtherName()])
	case TypeBoolean:
		s := strings.TrimSpace(first(in[f.Key]))
		if s == "" {
			return nil, ""
		}
		if b, ok := parseYesNo(s); ok {
			return b, ""
		}
		return s, "Choose yes or no."
	case TypeConsent:
		// Only a ticked box is consent; anything else is treated as unticked.
		if b, ok := parseYesNo(strings.TrimSpace(first(in[f.Key]))); ok && b {
			return true, ""
		}
		return nil, ""
	case TypeNumber:
		return parseNumber(f, strings.TrimSpace(first(in[f.Key])))
	case TypeDate:
		return parseDate(f, strings.TrimSpace(first(in[f.Key])), now)
	case TypeTimezone:
		s := strings.TrimSpace(first(in[f.Key]))
		if s == "" {
			return nil, ""
		}
		if !ValidTimeZone(s) {
			return s, "Choose a time zone from the list, like Europe/Berlin."
		}
		return s, ""
	case TypeAvailability:
		return parseAvailability(f, in, tz, now)
	case TypeFile:
		s := strings.TrimSpace(first(in[f.Key]))
		if s == "" {
			return nil, ""
		}
		if !uploadID.MatchString(s) {
			return s, "Choose the file again: the upload was not recognised."
		}
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return s, "Choose the file again: the upload was not recognised."
		}
		return s, ""
	}
	return nil, ""
}

var uploadID = regexp.MustCompile(`^[1-9][0-9]{0,18}$`)

// first is the first value posted for an input, as valid UTF-8 so that
// even a value kept as typed survives a JSON round trip unchanged.
func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return strings.ToValidUTF8(vs[0], "\uFFFD")
}

func parseYesNo(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "yes", "true", "on", "1":
		return true, true
	case "no", "false", "off", "0":
		return false, true
	}
	return false, false
}

// collapseSpace makes one clean line: valid UTF-8, control characters gone
// (nobody types them; they break CSV exports and logs), runs of whitespace
// as one space, no leading or trailing space.
func collapseSpace(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
		case unicode.IsControl(r):
		default:
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cleanMultiline keeps line breaks and tabs but normalises them, drops
// other control characters and trims the ends.
func cleanMultiline(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

func parseText(f *Field, s string) (any, string) {
	if s == "" {
		return nil, ""
	}
	return s, checkLength(f, s)
}

// checkLength applies min/max length and the pattern; lengths count
// characters, not bytes, so names in any script get the same room.
func checkLength(f *Field, s string) string {
	n := utf8.RuneCountInString(s)
	limit := f.MaxLength
	if limit == 0 {
		limit = defaultTextMax
		if f.Type == TypeTextarea {
			limit = defaultTextareaMax
		}
	}
	switch {
	case n < f.MinLength:
		return "Enter at least " + plural(f.MinLength, "character", "characters") + "."
	case n > limit:
		return "Enter " + plural(limit, "character", "characters") + " or fewer."
	case f.re != nil && !f.re.MatchString(s):
		if f.PatternMessage != "" {
			return f.PatternMessage
		}
		return "Enter " + lowerFirst(f.Label) + " in the right format."
	}
	return ""
}

func parseEmail(f *Field, s string) (any, string) {
	if s == "" {
		return nil, ""
	}
	const msg = "Enter an email address like name@example.com."
	if len(s) > emailMaxLen {
		return s, msg
	}
	addr, err := mail.ParseAddress(s)
	// Reject display names ("Ann <ann@x.org>") and dotless domains: what
	// is stored must be exactly the address a message is sent to.
	if err != nil || addr.Address != s {
		return s, msg
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, ".") {
		return s, msg
	}
	return s, checkLength(f, s)
}

func parseCheckboxes(f *Field, vals []string) (any, string) {
	seen := map[string]bool{}
	var unknown []string
	for _, v := range vals {
		v = strings.TrimSpace(strings.ToValidUTF8(v, "\uFFFD"))
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		if _, ok := f.option(v); !ok {
			unknown = append(unknown, v)
		}
	}
	// Option order, not click order: the stored list and every diff of it
	// stay stable.
	var out []string
	var exclusive *Option
	for i, o := range f.Options {
		if seen[o.Value] {
			out = append(out, o.Value)
			if o.Exclusive {
				exclusive = &f.Options[i]
			}
		}
	}
	out = append(out, unknown...)
	switch {
	case len(out) == 0:
		return nil, ""
	case len(unknown) > 0:
		return out, "Choose from the options shown."
	case exclusive != nil && len(out) > 1:
		return out, "“" + exclusive.Label + "” can't be chosen with other options."
	case f.MaxItems > 0 && len(out) > f.MaxItems:
		return out, "Choose at most " + plural(f.MaxItems, "option", "options") + "."
	}
	return out, ""
}

// parseInterests merges ticked presets and own entries. Own entries are
// cleaned like a text line and de-duplicated case-insensitively against the
// presets and each other, so " leadership " adds nothing next to the preset
// "Leadership". Values posted under the key that are not presets are own
// entries too: that is how a saved own entry comes back as a ticked box.
func parseInterests(f *Field, ticked, other []string) (any, string) {
	var entries []string
	entries = append(entries, ticked...)
	for _, o := range other {
		entries = append(entries, strings.FieldsFunc(o, func(r rune) bool {
			return r == ',' || r == '\n' || r == '\r' || r == ';'
		})...)
	}
	presetSet := make([]bool, len(f.Presets))
	seen := map[string]bool{}
	var own []string
	for _, e := range entries {
		e = collapseSpace(e)
		if e == "" {
			continue
		}
		key := strings.ToLower(e)
		if i := presetIndex(f, key); i >= 0 {
			presetSet[i] = true
			continue
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		own = append(own, e)
	}
	var out []string
	for i, p := range f.Presets {
		if presetSet[i] {
			out = append(out, p)
		}
	}
	out = append(out, own...)
	if len(out) == 0 {
		return nil, ""
	}
	for _, e := range own {
		if utf8.RuneCountInString(e) > interestMaxLen {
			return out, "Keep each interest to " + strconv.Itoa(interestMaxLen) + " characters or fewer."
		}
	}
	limit := f.MaxItems
	if limit == 0 {
		limit = defaultMaxItems
	}
	if len(out) > limit {
		return out, "Choose at most " + plural(limit, "interest", "interests") + "."
	}
	return out, ""
}

func presetIndex(f *Field, lower string) int {
	for i, p := range f.Presets {
		if strings.ToLower(p) == lower {
			return i
		}
	}
	return -1
}

// plainNumber is what a number input may hold once grouping commas are
// gone: no exponent, hex, NaN or Inf, which ParseFloat would accept.
var (
	plainNumber   = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`)
	groupedNumber = regexp.MustCompile(`^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$`)
)

func parseNumber(f *Field, s string) (any, string) {
	if s == "" {
		return nil, ""
	}
	t := s
	if groupedNumber.MatchString(t) { // "45,000" is how people write incomes
		t = strings.ReplaceAll(t, ",", "")
	}
	if len(t) > 40 || !plainNumber.MatchString(t) {
		return s, "Enter a number, like 42."
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(n, 0) {
		return s, "Enter a number, like 42."
	}
	if n == 0 {
		n = 0 // no -0
	}
	if msg := checkNumber(f, n); msg != "" {
		return n, msg
	}
	return n, ""
}

func checkNumber(f *Field, n float64) string {
	if f.Integer && n != math.Trunc(n) {
		return "Enter a whole number."
	}
	if f.StepSize > 0 {
		base := 0.0
		if f.Min != nil {
			base = f.Min.Num
		}
		q := (n - base) / f.StepSize
		if math.Abs(q-math.Round(q)) > 1e-9*math.Max(1, math.Abs(q)) {
			return "Enter a number in steps of " + formatFloat(f.StepSize) + "."
		}
	}
	lo, hi := f.Min != nil, f.Max != nil
	switch {
	case lo && hi && (n < f.Min.Num || n > f.Max.Num):
		return "Enter a number between " + humanNumber(f.Min.Num) + " and " + humanNumber(f.Max.Num) + "."
	case lo && n < f.Min.Num:
		return "Enter a number of at least " + humanNumber(f.Min.Num) + "."
	case hi && n > f.Max.Num:
		return "Enter a number of at most " + humanNumber(f.Max.Num) + "."
	}
	return ""
}

func parseDate(f *Field, s string, now time.Time) (any, string) {
	if s == "" {
		return nil, ""
	}
	d, err := time.Parse(dateLayout, s)
	if err != nil || d.Format(dateLayout) != s {
		return s, "Enter a date like 2026-03-01."
	}
	if lo, ok := f.Min.date(now); ok && s < lo {
		if f.Min.Text == "today" {
			return s, "Enter today's date or a later one."
		}
		return s, "Enter a date on or after " + humanDate(lo) + "."
	}
	if hi, ok := f.Max.date(now); ok && s > hi {
		if f.Max.Text == "today" {
			return s, "Enter today's date or an earlier one."
		}
		return s, "Enter a date on or before " + humanDate(hi) + "."
	}
	return s, ""
}

// humanDate writes "2026-03-01" as "1 March 2026", which nobody misreads.
func humanDate(s string) string {
	d, err := time.Parse(dateLayout, s)
	if err != nil {
		return s
	}
	return d.Format("2 January 2006")
}

// humanNumber writes 45000 as "45,000" and 2.5 as "2.5".
func humanNumber(n float64) string {
	s := formatFloat(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// lowerFirst lower-cases the first letter of a label for use mid-sentence,
// unless the label starts with an acronym ("IANA zone", "UTC hours").
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	if r2, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(r2) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// requiredMessage is what a member sees when a required field is empty.
func requiredMessage(f *Field) string {
	if f.RequiredMessage != "" {
		return f.RequiredMessage
	}
	label := strings.TrimRight(f.Label, "?.:…")
	switch f.Type {
	case TypeSelect, TypeRadio, TypeBoolean, TypeTimezone:
		return "Choose an answer for “" + label + "”."
	case TypeCheckboxes, TypeInterests:
		return "Choose at least one option for “" + label + "”."
	case TypeAvailability:
		return "Choose the hours when you are available."
	case TypeConsent:
		return "Tick the box to agree: “" + label + "”."
	case TypeFile:
		return "Choose a file for “" + label + "”."
	}
	return "Enter " + lowerFirst(label) + "."
}
