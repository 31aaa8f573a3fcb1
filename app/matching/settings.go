package matching

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cohort/db"
)

// Limits of the request settings an admin types.
const (
	maxMaxOpen    = 20
	maxExpiryDays = 90
	maxDigestDays = 365
)

var fieldKeyRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Form is what the admin program page posts for matching.
type Form struct {
	Mode, MaxOpen, ExpiryDays, DigestDays, Fields string
}

// Apply checks f and writes it into ps; the errors say what to fix, by
// field. Blank numbers mean the defaults. Fields are form field keys,
// separated by commas or spaces; the manager and email questions are
// refused (they are never shown before a pair is made).
func (f Form) Apply(ps *db.ProgramSettings) map[string]string {
	errs := map[string]string{}
	next := *ps
	if !slices.Contains(Modes, f.Mode) {
		errs["matching_mode"] = "Choose staff only, members request, or both."
	}
	next.MatchingMode = f.Mode
	num := func(key, v string, hi int, dst *int, def int) {
		v = strings.TrimSpace(v)
		if v == "" {
			*dst = 0
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > hi {
			errs[key] = fmt.Sprintf("Enter a whole number from 1 to %d, or leave it blank for the default (%d).", hi, def)
			return
		}
		*dst = n
	}
	num("max_open_requests", f.MaxOpen, maxMaxOpen, &next.MaxOpenRequests, DefaultMaxOpen)
	num("request_expiry_days", f.ExpiryDays, maxExpiryDays, &next.RequestExpiryDays, DefaultExpiryDays)
	num("unmatched_digest_days", f.DigestDays, maxDigestDays, &next.UnmatchedDigestDays, DefaultDigestDays)
	next.MemberFields = nil
	for _, k := range strings.FieldsFunc(f.Fields, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		switch {
		case slices.Contains(neverShown, k):
			errs["member_fields"] = fmt.Sprintf("%q is never shown to members before a pair is made; remove it.", k)
		case !fieldKeyRe.MatchString(k):
			errs["member_fields"] = fmt.Sprintf("%q is not a field key (lower-case letters, digits and _).", k)
		case !slices.Contains(next.MemberFields, k):
			next.MemberFields = append(next.MemberFields, k)
		}
	}
	if len(errs) == 0 {
		*ps = next
	}
	return errs
}
