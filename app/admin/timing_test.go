package admin

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"cohort/app/web"
	"cohort/db"
)

// TestReadList covers the list convention: blank is the default (nil),
// "none" is none (empty), numbers are de-duplicated and sorted.
func TestReadList(t *testing.T) {
	tests := []struct {
		in      string
		want    []int // nil: the default
		wantErr string
	}{
		{"", nil, ""},
		{"none", []int{}, ""},
		{"NONE", []int{}, ""},
		{"2", []int{2}, ""},
		{"6, 2", []int{2, 6}, ""},
		{"6,2,,6 ,2", []int{2, 6}, ""},
		{"8 1 4", []int{1, 4, 8}, ""},
		{"3;1", []int{1, 3}, ""},
		{"1,2,3,4,5,6,7,8,9,10,10,1", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, ""},
		{"1,2,3,4,5,6,7,8,9,10,11", nil, "at most 10 different weeks (there are 11)"},
		{",,,", nil, "Enter weeks as whole numbers separated by commas"},
		{"2, six", nil, "“six” is not a whole number."},
		{"2.5", nil, "“2.5” is not a whole number."},
		{"0", nil, "Each week must be from 1 to 104 (not 0). For no check-ins, enter “none”."},
		{"-2", nil, "from 1 to 104 (not -2)"},
		{"105", nil, "from 1 to 104 (not 105)"},
		{"99999999999999999999", nil, "from 1 to 104 (not 999999999999…)"},
		{"none, 2", nil, "Enter “none” on its own"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			form := web.NewForm(map[string]string{"f": tt.in})
			got := readList(form, "f", maxCheckinWeek, "week", "weeks", "2, 6", "no check-ins")
			if tt.wantErr != "" {
				if !strings.Contains(form.Error("f"), tt.wantErr) || len(form.Errors) != 1 {
					t.Fatalf("errors = %v, want one with %q", form.Errors, tt.wantErr)
				}
				return
			}
			if !form.Valid() {
				t.Fatalf("errors = %v", form.Errors)
			}
			if (got == nil) != (tt.want == nil) || !slices.Equal(got, tt.want) {
				t.Errorf("readList(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

// TestTimingFormRoundTrip: what the form shows for stored settings reads
// back as the same settings, so saving an untouched form changes nothing.
func TestTimingFormRoundTrip(t *testing.T) {
	for _, ps := range []db.ProgramSettings{
		{},
		{ReminderAfterDays: 5, ReminderMax: 4, CheckinWeeks: []int{1, 4, 8}, EndNoticeDays: []int{60, 7},
			PairTermDays: 120, RetentionDays: 730, DigestWaitingDays: 10},
		{ReminderAfterDays: 2, ReminderMax: -1, CheckinWeeks: []int{}, EndNoticeDays: []int{}, RetentionDays: -1},
	} {
		t.Run(fmt.Sprintf("%+v", ps), func(t *testing.T) {
			form := timingForm(ps)
			got := readTiming(form)
			if !form.Valid() {
				t.Fatalf("errors = %v", form.Errors)
			}
			if c := changed(timingOf(ps), got); len(c) != 0 {
				t.Errorf("changed %v: %+v, want %+v", c, got, timingOf(ps))
			}
		})
	}
}

// TestReadTiming checks the boxes and that end notices come out in
// chronological order (furthest from the end first).
func TestReadTiming(t *testing.T) {
	form := web.NewForm(map[string]string{
		fReminderMax: "junk", fRemindersOff: "on", fEndNoticeDays: "2, 30, 15",
		fRetentionDays: "-5", fRetentionForever: "on",
	})
	got := readTiming(form)
	if !form.Valid() {
		t.Fatalf("errors = %v", form.Errors)
	}
	want := timing{ReminderMax: -1, EndNoticeDays: []int{30, 15, 2}, RetentionDays: -1}
	if c := changed(got, want); len(c) != 0 {
		t.Errorf("read %+v, want %+v (differs in %v)", got, want, c)
	}
}

// TestTimingLimits keeps the hints' defaults in step with db's.
func TestTimingLimits(t *testing.T) {
	var ps db.ProgramSettings
	if timingLimits.DefaultCheckinWeeks != "2, 6" || timingLimits.DefaultEndNoticeDays != "30, 15, 2" ||
		timingLimits.DefaultReminderAfterDays != ps.ReminderDays() || timingLimits.DefaultReminders != ps.ReminderLimit() {
		t.Errorf("limits = %+v", timingLimits)
	}
}
