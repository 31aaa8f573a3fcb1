package enroll

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"cohort/app/forms"
	"cohort/db"
)

// optionView is one choice as a template renders it.
type optionView struct {
	ID, Value, Label string
	Checked          bool
}

// hourView is one hour in a select or the grid, in the member's zone.
type hourView struct {
	Value, Label string
	Selected     bool
}

// availView is the availability widget's state.
type availView struct {
	Zone, ZoneFieldID, Mode string
	FromHours, ToHours      []hourView
	Hours                   []hourView
}

// fieldView is everything the field partial needs about one field.
type fieldView struct {
	F                    *forms.Field
	ID                   string
	Value, Other, Accept string
	InputType            string
	On                   bool
	Options              []optionView
	Zones                []string
	Avail                *availView
	Upload               *db.Upload
	Error                string
	Describe             string
	Hidden               bool
	ShowIf, ShowIfValues string
}

// fieldViews builds the step's fields from form inputs (what was typed, or
// forms.Inputs of the saved answers) and the step's errors.
func fieldViews(def *forms.Definition, step *forms.Step, in map[string][]string, answers forms.Answers, errs []forms.FieldError, uploads map[string]*db.Upload, now time.Time) []fieldView {
	byID := map[string]string{}
	for _, e := range errs {
		if _, dup := byID[e.Field]; !dup {
			byID[e.Field] = e.Message
		}
	}
	out := make([]fieldView, 0, len(step.Fields))
	for _, f := range step.Fields {
		v := fieldView{F: f, ID: forms.InputID(f), Hidden: !def.Visible(f, answers)}
		v.Error = byID[v.ID]
		var describe []string
		if f.Help != "" {
			describe = append(describe, v.ID+"-hint")
		}
		if v.Error != "" {
			describe = append(describe, v.ID+"-error")
		}
		v.Describe = strings.Join(describe, " ")
		if f.ShowIf != nil {
			v.ShowIf = f.ShowIf.Field
			v.ShowIfValues = showIfValues(f.ShowIf)
		}
		first := ""
		if vals := in[f.Key]; len(vals) > 0 {
			first = vals[0]
		}
		switch f.Type {
		case forms.TypeRadio, forms.TypeBoolean, forms.TypeSelect, forms.TypeCheckboxes, forms.TypeInterests:
			chosen := in[f.Key]
			for i, o := range f.Choices() {
				v.Options = append(v.Options, optionView{ID: forms.OptionID(f, i), Value: o.Value, Label: o.Label, Checked: slices.Contains(chosen, o.Value)})
			}
			if f.Type == forms.TypeInterests {
				v.Other = otherInterests(f, chosen, in[f.OtherName()])
			}
		case forms.TypeConsent:
			v.On = first == "true" || first == "yes" || first == "on"
		case forms.TypeTimezone:
			v.Value = first
			v.Zones = zoneChoices(first)
		case forms.TypeAvailability:
			v.Avail = availabilityView(def, f, in, answers, now)
		case forms.TypeFile:
			v.Accept = strings.Join(f.Accept, ",")
			v.Upload = uploads[f.Key]
		case forms.TypeNumber:
			v.Value, v.InputType = first, "number"
		case forms.TypeEmail:
			v.Value, v.InputType = first, "email"
		case forms.TypeDate:
			v.Value, v.InputType = first, "date"
		default:
			v.Value, v.InputType = first, "text"
		}
		out = append(out, v)
	}
	return out
}

// otherInterests is the member's own entries: the chosen values that are
// not presets, plus what is in the "other" box when re-rendering input.
func otherInterests(f *forms.Field, chosen, typed []string) string {
	if len(typed) > 0 {
		return strings.Join(typed, ", ")
	}
	var own []string
	for _, c := range chosen {
		if !slices.ContainsFunc(f.Choices(), func(o forms.Option) bool { return o.Value == c }) {
			own = append(own, c)
		}
	}
	return strings.Join(own, ", ")
}

func showIfValues(s *forms.ShowIf) string {
	var vals []any
	switch {
	case s.Equals != nil:
		vals = []any{s.Equals}
	case s.Contains != nil:
		vals = []any{s.Contains}
	default:
		vals = s.In
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, " ")
}

func availabilityView(def *forms.Definition, f *forms.Field, in map[string][]string, answers forms.Answers, now time.Time) *availView {
	zone := forms.Raw(answers, f.TimezoneField)
	if vals := in[f.TimezoneField]; len(vals) > 0 && vals[0] != "" {
		zone = vals[0]
	}
	if !forms.ValidTimeZone(zone) {
		zone = "UTC"
	}
	av := &availView{Zone: zone, Mode: "range"}
	if tzf, ok := def.Field(f.TimezoneField); ok {
		av.ZoneFieldID = forms.InputID(tzf)
	}
	get := func(name string) string {
		if vals := in[name]; len(vals) > 0 {
			return vals[0]
		}
		return ""
	}
	if m := get(f.ModeName()); m == "custom" {
		av.Mode = "custom"
	}
	from, to := get(f.FromName()), get(f.ToName())
	if from == "" {
		from = "9"
	}
	if to == "" {
		to = "17"
	}
	checked := in[f.Key]
	for h := 0; h < 24; h++ {
		hs := strconv.Itoa(h)
		av.FromHours = append(av.FromHours, hourView{hs, clock(h), hs == from})
		av.Hours = append(av.Hours, hourView{hs, clock(h), slices.Contains(checked, hs)})
	}
	for h := 1; h <= 24; h++ {
		hs := strconv.Itoa(h)
		av.ToHours = append(av.ToHours, hourView{hs, clock(h % 24), hs == to})
	}
	return av
}

func clock(h int) string { return fmt.Sprintf("%02d:00", h) }

// statusLabels say each status in words a member understands.
var statusLabels = map[string]string{
	db.StatusDraft:      "In progress: not submitted yet",
	db.StatusSubmitted:  "Submitted: waiting for review",
	db.StatusApproved:   "Approved",
	db.StatusWaitlisted: "On the waiting list",
	db.StatusDeclined:   "Not accepted this time",
	db.StatusActive:     "Active",
	db.StatusEnded:      "Ended",
	db.StatusWithdrawn:  "Withdrawn",
}
