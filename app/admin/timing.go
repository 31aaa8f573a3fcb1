package admin

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"cohort/app/web"
	"cohort/db"
)

// ActionProgramTiming is the audit action of a saved "Reminders and
// notices" form.
const ActionProgramTiming = "program.timing"

// Bounds of the timing form. Lists are short on purpose: each entry is a
// mail to everyone concerned.
const (
	maxReminderAfterDays = 365
	maxReminders         = 10
	maxCheckinWeek       = 104
	maxEndNoticeDays     = 365
	maxPairTermDays      = 3650
	maxRetentionDays     = 3650
	maxDigestWaitingDays = 365
	maxListEntries       = 10
)

// timingLimits gives the template the bounds and the defaults its hints
// state, so page and server cannot disagree.
var timingLimits = struct {
	ReminderAfterDays, Reminders, CheckinWeek, EndNoticeDays    int
	PairTermDays, RetentionDays, DigestWaitingDays, ListEntries int
	DefaultReminderAfterDays, DefaultReminders                  int
	DefaultCheckinWeeks, DefaultEndNoticeDays                   string
	DefaultRetentionDays, DefaultDigestWaitingDays              int
}{
	maxReminderAfterDays, maxReminders, maxCheckinWeek, maxEndNoticeDays,
	maxPairTermDays, maxRetentionDays, maxDigestWaitingDays, maxListEntries,
	db.DefaultReminderAfterDays, db.DefaultReminderMax,
	listValue(db.DefaultCheckinWeeks), listValue(db.DefaultEndNoticeDays),
	db.DefaultRetentionDays, db.DefaultDigestWaitingDays,
}

// The timing form's fields: the names of its inputs, its ids, and the
// anchors of the error summary.
const (
	fReminderAfter    = "reminder_after_days"
	fReminderMax      = "reminder_max"
	fRemindersOff     = "reminders_off"
	fCheckinWeeks     = "checkin_weeks"
	fEndNoticeDays    = "end_notice_days"
	fPairTermDays     = "pair_term_days"
	fRetentionDays    = "retention_days"
	fRetentionForever = "retention_forever"
	fDigestWaiting    = "digest_waiting_days"
)

// timingFields are the inputs the form posts, in page order.
var timingFields = []string{
	fReminderAfter, fReminderMax, fRemindersOff, fCheckinWeeks, fEndNoticeDays,
	fPairTermDays, fRetentionDays, fRetentionForever, fDigestWaiting,
}

// noneWord is what a list field takes for "no mails at all"; a blank list
// field means the default.
const noneWord = "none"

// timing is the part of db.ProgramSettings that the "Reminders and
// notices" form edits, with the settings' own conventions: 0 is the
// default, a negative number is "none" or "for ever", a nil list is the
// default and an empty one is none.
type timing struct {
	ReminderAfterDays, ReminderMax int
	CheckinWeeks, EndNoticeDays    []int
	PairTermDays, RetentionDays    int
	DigestWaitingDays              int
}

func timingOf(ps db.ProgramSettings) timing {
	return timing{
		ReminderAfterDays: ps.ReminderAfterDays, ReminderMax: ps.ReminderMax,
		CheckinWeeks: ps.CheckinWeeks, EndNoticeDays: ps.EndNoticeDays,
		PairTermDays: ps.PairTermDays, RetentionDays: ps.RetentionDays, DigestWaitingDays: ps.DigestWaitingDays,
	}
}

// apply sets t's fields in ps and leaves every other setting as it is.
func (t timing) apply(ps *db.ProgramSettings) {
	ps.ReminderAfterDays, ps.ReminderMax = t.ReminderAfterDays, t.ReminderMax
	ps.CheckinWeeks, ps.EndNoticeDays = t.CheckinWeeks, t.EndNoticeDays
	ps.PairTermDays, ps.RetentionDays, ps.DigestWaitingDays = t.PairTermDays, t.RetentionDays, t.DigestWaitingDays
}

// details is t as the audit log records it, keyed like the stored
// settings; a nil list stays null (the default), an empty one [] (none).
func (t timing) details() map[string]any {
	return map[string]any{
		fReminderAfter: t.ReminderAfterDays, fReminderMax: t.ReminderMax,
		fCheckinWeeks: t.CheckinWeeks, fEndNoticeDays: t.EndNoticeDays,
		fPairTermDays: t.PairTermDays, fRetentionDays: t.RetentionDays, fDigestWaiting: t.DigestWaitingDays,
	}
}

// changed names, sorted, the fields whose stored value differs between a
// and b (nil and empty lists differ: default against none).
func changed(a, b timing) []string {
	out := []string{}
	before, after := a.details(), b.details()
	for k, v := range before {
		if !sameValue(v, after[k]) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func sameValue(a, b any) bool {
	la, aList := a.([]int)
	lb, bList := b.([]int)
	if aList && bList {
		return (la == nil) == (lb == nil) && slices.Equal(la, lb)
	}
	return a == b
}

// timingForm shows stored settings the way the form takes them: blank for
// a default, "none" for an empty list, a ticked box for "no reminders" and
// "keep for ever".
func timingForm(ps db.ProgramSettings) *web.Form {
	v := map[string]string{
		fReminderAfter: positive(ps.ReminderAfterDays),
		fReminderMax:   positive(ps.ReminderMax),
		fCheckinWeeks:  listValue(ps.CheckinWeeks),
		fEndNoticeDays: listValue(ps.EndNoticeDays),
		fPairTermDays:  positive(ps.PairTermDays),
		fRetentionDays: positive(ps.RetentionDays),
		fDigestWaiting: positive(ps.DigestWaitingDays),
	}
	if ps.ReminderMax < 0 {
		v[fRemindersOff] = "on"
	}
	if ps.RetentionDays < 0 {
		v[fRetentionForever] = "on"
	}
	return web.NewForm(v)
}

func positive(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func listValue(ns []int) string {
	if ns == nil {
		return ""
	}
	if len(ns) == 0 {
		return noneWord
	}
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}

// readTiming checks the posted values in form.Values (each trimmed, kept
// for a re-render) and adds an error beside each field that is wrong. The
// number behind a ticked "no reminders" or "keep for ever" box is ignored,
// so ticking the box is enough whatever the number says.
func readTiming(form *web.Form) timing {
	var t timing
	t.ReminderAfterDays = optionalDays(form, fReminderAfter, maxReminderAfterDays,
		"Enter a whole number of days from 1 to "+strconv.Itoa(maxReminderAfterDays)+", or leave it blank for the default ("+strconv.Itoa(timingLimits.DefaultReminderAfterDays)+" days).")
	if ticked(form, fRemindersOff) {
		t.ReminderMax = -1
	} else {
		t.ReminderMax = optionalDays(form, fReminderMax, maxReminders,
			"Enter a whole number from 1 to "+strconv.Itoa(maxReminders)+", or leave it blank for the default ("+strconv.Itoa(timingLimits.DefaultReminders)+"). To send none, tick “Send no reminders”.")
	}
	t.CheckinWeeks = readList(form, fCheckinWeeks, maxCheckinWeek, "week", "weeks", timingLimits.DefaultCheckinWeeks, "no check-ins")
	t.EndNoticeDays = readList(form, fEndNoticeDays, maxEndNoticeDays, "day", "days", timingLimits.DefaultEndNoticeDays, "no notices")
	// Chronological order: the notice furthest from the end comes first.
	slices.Reverse(t.EndNoticeDays)
	t.PairTermDays = optionalDays(form, fPairTermDays, maxPairTermDays,
		"Enter a whole number of days from 1 to "+strconv.Itoa(maxPairTermDays)+", or leave it blank to use the program's term.")
	if ticked(form, fRetentionForever) {
		t.RetentionDays = -1
	} else {
		t.RetentionDays = optionalDays(form, fRetentionDays, maxRetentionDays,
			"Enter a whole number of days from 1 to "+strconv.Itoa(maxRetentionDays)+", or leave it blank for the default ("+strconv.Itoa(timingLimits.DefaultRetentionDays)+" days). To keep data for ever, tick “Keep for ever”.")
	}
	t.DigestWaitingDays = optionalDays(form, fDigestWaiting, maxDigestWaitingDays,
		"Enter a whole number of days from 1 to "+strconv.Itoa(maxDigestWaitingDays)+", or leave it blank for the default ("+strconv.Itoa(timingLimits.DefaultDigestWaitingDays)+" days).")
	return t
}

func ticked(form *web.Form, field string) bool { return form.Value(field) != "" }

// optionalDays reads a whole number from 1 to limit; blank is 0 (the
// default). Anything else adds msg beside the field.
func optionalDays(form *web.Form, field string, limit int, msg string) int {
	v := form.Value(field)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > limit {
		form.Add(field, msg)
		return 0
	}
	return n
}

// readList reads a list of whole numbers from 1 to limit separated by
// commas (or spaces): blank is nil (the default), "none" an empty list.
// The result is de-duplicated and ascending; only the first problem is
// reported, so the summary stays short.
func readList(form *web.Form, field string, limit int, unit, units, def, none string) []int {
	v := form.Value(field)
	if v == "" {
		return nil
	}
	if strings.EqualFold(v, noneWord) {
		return []int{}
	}
	usage := "Enter " + units + " as whole numbers separated by commas, such as " + def +
		"; “none” for " + none + "; or leave it blank for the default (" + def + ")."
	tokens := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
	if len(tokens) == 0 {
		form.Add(field, usage)
		return nil
	}
	var out []int
	for _, tok := range tokens {
		if strings.EqualFold(tok, noneWord) {
			form.Add(field, "Enter “none” on its own, not with numbers.")
			return nil
		}
		n, err := strconv.Atoi(tok)
		if errors.Is(err, strconv.ErrRange) {
			n = limit + 1
		} else if err != nil {
			form.Add(field, "“"+clip(tok)+"” is not a whole number. "+usage)
			return nil
		}
		if n < 1 || n > limit {
			form.Add(field, "Each "+unit+" must be from 1 to "+strconv.Itoa(limit)+" (not "+clip(tok)+"). For "+none+", enter “none”.")
			return nil
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if len(out) > maxListEntries {
		form.Add(field, "Enter at most "+strconv.Itoa(maxListEntries)+" different "+units+" (there are "+strconv.Itoa(len(out))+").")
		return nil
	}
	slices.Sort(out)
	return out
}

// clip shortens what was typed for quoting in a message.
func clip(s string) string {
	const most = 12
	if utf8.RuneCountInString(s) <= most {
		return s
	}
	return string([]rune(s)[:most]) + "…"
}

// saveTiming stores the "Reminders and notices" form. Like saveFlags it
// re-reads the program in the transaction and changes only its own
// settings, so the flags, capacity and overlap stay as they are.
func (h programHandlers) saveTiming(c *fiber.Ctx) error {
	p, err := h.managed(c)
	if err != nil {
		return err
	}
	form := web.NewForm(nil)
	for _, f := range timingFields {
		form.Values[f] = strings.TrimSpace(c.FormValue(f))
	}
	next := readTiming(form)
	if !form.Valid() {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderProgram(c, p, nil, form, nil)
	}
	err = h.s.Store().InTx(c.UserContext(), func(ctx context.Context, tx *db.Store) error {
		cur, err := tx.LockProgram(ctx, p.ID)
		if err != nil {
			return err
		}
		before := timingOf(cur.Settings)
		next.apply(&cur.Settings)
		if err := tx.UpdateProgram(ctx, cur); err != nil {
			return err
		}
		return recordProgram(ctx, c, tx, ActionProgramTiming, cur, map[string]any{
			"before": before.details(), "after": next.details(), "changed": changed(before, next),
		})
	})
	if err != nil {
		return err
	}
	return c.Redirect("/admin/programs/"+p.Slug+"?done=timing", fiber.StatusSeeOther)
}
