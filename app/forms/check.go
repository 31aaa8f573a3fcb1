package forms

import (
	"fmt"
	"math"
	"mime"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// checker collects the problems of one definition file.
type checker struct {
	file  string
	probs Problems
}

func (c *checker) add(step, field, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	c.probs = append(c.probs, Problem{File: c.file, Step: step, Field: field, Message: msg})
}

// Keys become HTML ids, input names and JSON keys: keep them plain.
var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// definition checks the whole form and builds its indexes.
func (c *checker) definition(d *Definition) {
	if !keyPattern.MatchString(d.Key) {
		c.add("", "", "key %q must be lower-case letters, digits and _ (starting with a letter)", d.Key)
	}
	if d.Version < 1 {
		c.add("", "", "version must be 1 or more")
	}
	if strings.TrimSpace(d.Title) == "" {
		c.add("", "", "title is missing")
	}
	switch d.Kind {
	case KindMentoring, KindApplication, KindMembership:
	default:
		c.add("", "", "kind %q is not one of mentoring, application, membership", d.Kind)
	}
	if len(d.steps) == 0 {
		c.add("", "", "the form has no steps")
	}

	// First pass: keys, so later checks can look any field up.
	stepWhere := map[string]int{}
	for i, s := range d.steps {
		name := s.Key
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		switch {
		case !keyPattern.MatchString(s.Key):
			c.add(name, "", "step key %q must be lower-case letters, digits and _", s.Key)
		case stepWhere[s.Key] > 0:
			c.add(name, "", "duplicate step key (also step #%d)", stepWhere[s.Key])
		default:
			stepWhere[s.Key] = i + 1
			d.stepIdx[s.Key] = i
		}
		if strings.TrimSpace(s.Title) == "" {
			c.add(name, "", "title is missing")
		}
		if len(s.Fields) == 0 {
			c.add(name, "", "the step has no fields")
		}
		for _, f := range s.Fields {
			f.step, f.pos = i, len(d.fields)
			d.fields = append(d.fields, f)
			switch {
			case !keyPattern.MatchString(f.Key):
				c.add(name, f.Key, "field key must be lower-case letters, digits and _ (starting with a letter)")
			case d.byKey[f.Key] != nil:
				c.add(name, f.Key, "duplicate field key (also in step %q)", d.steps[d.byKey[f.Key].step].Key)
			default:
				d.byKey[f.Key] = f
			}
		}
	}
	// Sub-inputs share the name space of keys.
	for _, f := range d.fields {
		var subs []string
		switch f.Type {
		case TypeAvailability:
			subs = []string{f.ModeName(), f.FromName(), f.ToName()}
		case TypeInterests:
			subs = []string{f.OtherName()}
		}
		for _, sub := range subs {
			if other := d.byKey[sub]; other != nil {
				c.add(d.steps[other.step].Key, other.Key, "key clashes with input %q of field %q", sub, f.Key)
			}
		}
	}
	for _, f := range d.fields {
		c.field(d, f)
	}
}

// field checks one field's attributes against its type.
func (c *checker) field(d *Definition, f *Field) {
	step := d.steps[f.step].Key
	bad := func(format string, args ...any) { c.add(step, f.Key, format, args...) }

	if !fieldTypes[f.Type] {
		bad("unknown type %q", f.Type)
		return
	}
	if strings.TrimSpace(f.Label) == "" {
		bad("label is missing")
	}
	choice := hasType(f.Type, TypeSelect, TypeRadio, TypeCheckboxes)
	textual := hasType(f.Type, TypeText, TypeEmail, TypeTextarea)

	// Options.
	switch {
	case choice && len(f.Options) == 0:
		bad("%s field needs options", f.Type)
	case !choice && len(f.Options) > 0:
		bad("options are only for select, radio and checkboxes fields (use presets for interests)")
	}
	seen := map[string]bool{}
	for _, o := range f.Options {
		switch {
		case strings.TrimSpace(o.Value) == "":
			bad("an option has no value")
		case seen[o.Value]:
			bad("duplicate option value %q", o.Value)
		}
		seen[o.Value] = true
		if strings.TrimSpace(o.Label) == "" {
			bad("option %q has no label", o.Value)
		}
		if o.Exclusive && f.Type != TypeCheckboxes {
			bad("option %q: exclusive is only for checkboxes", o.Value)
		}
	}

	// Presets.
	switch {
	case f.Type == TypeInterests && len(f.Presets) == 0:
		bad("interests field needs presets")
	case f.Type != TypeInterests && len(f.Presets) > 0:
		bad("presets are only for interests fields")
	}
	seenPreset := map[string]bool{}
	for _, p := range f.Presets {
		k := strings.ToLower(p)
		switch {
		case collapseSpace(p) != p || p == "":
			bad("preset %q must be non-empty with single spaces", p)
		case utf8.RuneCountInString(p) > interestMaxLen:
			bad("preset %q is longer than %d characters", p, interestMaxLen)
		case seenPreset[k]:
			bad("duplicate preset %q", p)
		}
		seenPreset[k] = true
	}

	c.bounds(f, bad)

	// Text limits.
	if !textual && (f.MinLength != 0 || f.MaxLength != 0 || f.Pattern != "" || f.PatternMessage != "") {
		bad("min_length, max_length and pattern are only for text, email and textarea fields")
	}
	if f.MinLength < 0 || f.MaxLength < 0 {
		bad("min_length and max_length cannot be negative")
	}
	if f.MaxLength > 0 && f.MinLength > f.MaxLength {
		bad("min_length %d is greater than max_length %d", f.MinLength, f.MaxLength)
	}
	if f.Pattern != "" {
		re, err := regexp.Compile(`^(?:` + f.Pattern + `)$`)
		if err != nil {
			bad("invalid pattern: %v", err)
		}
		f.re = re
	}

	// Lists.
	if f.MaxItems != 0 && !hasType(f.Type, TypeCheckboxes, TypeInterests) {
		bad("max_items is only for checkboxes and interests fields")
	}
	if f.MaxItems < 0 {
		bad("max_items cannot be negative")
	}

	// Numbers.
	if (f.Integer || f.StepSize != 0) && f.Type != TypeNumber {
		bad("integer and step are only for number fields")
	}
	if f.StepSize < 0 || math.IsNaN(f.StepSize) {
		bad("step must be positive")
	}

	// References to other fields.
	c.reference(d, f, "timezone_field", f.TimezoneField, TypeTimezone, bad)
	switch {
	case f.Type == TypeAvailability && f.TimezoneField == "":
		bad("availability field needs timezone_field naming a timezone field")
	case f.Type != TypeAvailability && f.TimezoneField != "":
		bad("timezone_field is only for availability fields")
	}
	c.reference(d, f, "after_field", f.AfterField, TypeDate, bad)
	if f.AfterField != "" && f.Type != TypeDate {
		bad("after_field is only for date fields")
	}
	c.showIf(d, f, bad)

	// Files.
	if f.Type == TypeFile {
		if f.MaxSize <= 0 {
			bad("file field needs max_size in bytes")
		}
		if len(f.Accept) == 0 {
			bad("file field needs accept (MIME types)")
		}
		for _, a := range f.Accept {
			if mt, _, err := mime.ParseMediaType(a); err != nil || mt != strings.ToLower(a) || !strings.Contains(a, "/") {
				bad("accept: %q is not a MIME type like application/pdf", a)
			}
		}
	} else if f.MaxSize != 0 || len(f.Accept) > 0 {
		bad("accept and max_size are only for file fields")
	}

	c.column(d, f, bad)
}

// bounds checks min and max for the types that have them.
func (c *checker) bounds(f *Field, bad func(string, ...any)) {
	if f.Min == nil && f.Max == nil {
		return
	}
	switch f.Type {
	case TypeNumber, TypeAvailability:
		for _, b := range []*Bound{f.Min, f.Max} {
			if b != nil && !b.IsNum {
				bad("min and max must be numbers for %s fields", f.Type)
				return
			}
		}
		if f.Type == TypeAvailability {
			for _, b := range []*Bound{f.Min, f.Max} {
				if b != nil && (b.Num < 0 || b.Num > 24 || b.Num != math.Trunc(b.Num)) {
					bad("min and max of an availability field are whole hours from 0 to 24")
					return
				}
			}
		}
		if f.Min != nil && f.Max != nil && f.Min.Num > f.Max.Num {
			bad("min %s is greater than max %s", f.Min, f.Max)
		}
	case TypeDate:
		var lo, hi string
		for i, b := range []*Bound{f.Min, f.Max} {
			if b == nil {
				continue
			}
			d, ok := b.date(time.Time{})
			if !ok {
				bad("min and max of a date field are dates like 2026-03-01 or \"today\", not %s", b)
				return
			}
			if b.Text != "today" {
				if i == 0 {
					lo = d
				} else {
					hi = d
				}
			}
		}
		if lo != "" && hi != "" && lo > hi {
			bad("min %s is after max %s", lo, hi)
		}
	default:
		bad("min and max are only for number, date and availability fields")
	}
}

// reference checks that a field-valued attribute names an earlier field of
// the wanted type: answers are given in form order, so a rule may only
// look back.
func (c *checker) reference(d *Definition, f *Field, attr, key string, want FieldType, bad func(string, ...any)) {
	if key == "" {
		return
	}
	other := d.byKey[key]
	switch {
	case other == nil:
		bad("%s %q is not a field of this form", attr, key)
	case other == f:
		bad("%s refers to the field itself", attr)
	case other.Type != want:
		bad("%s %q is a %s field, not %s", attr, key, other.Type, want)
	case other.step > f.step:
		bad("%s %q is in a later step (%q)", attr, key, d.steps[other.step].Key)
	case other.pos > f.pos:
		bad("%s %q comes after this field in the same step", attr, key)
	}
}

// showIf checks the condition's target and that its values can match.
func (c *checker) showIf(d *Definition, f *Field, bad func(string, ...any)) {
	s := f.ShowIf
	if s == nil {
		return
	}
	other := d.byKey[s.Field]
	switch {
	case s.Field == "":
		bad("show_if needs field")
		return
	case other == nil:
		bad("show_if field %q is not a field of this form", s.Field)
		return
	case other == f:
		bad("show_if refers to the field itself")
		return
	case other.step > f.step:
		bad("show_if field %q is in a later step (%q): a question can only depend on earlier answers", s.Field, d.steps[other.step].Key)
		return
	case other.pos > f.pos:
		bad("show_if field %q comes after this field in the same step", s.Field)
		return
	}
	n := 0
	for _, set := range []bool{s.Equals != nil, s.In != nil, s.Contains != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		bad("show_if needs exactly one of equals, in, contains")
		return
	}
	list := hasType(other.Type, TypeCheckboxes, TypeInterests)
	if s.Contains != nil && !list {
		bad("show_if contains is only for checkboxes and interests fields; use equals")
		return
	}
	values := append([]any{s.Equals, s.Contains}, s.In...)
	for _, v := range values {
		if v == nil {
			continue
		}
		switch other.Type {
		case TypeBoolean, TypeConsent:
			if _, ok := v.(bool); !ok {
				bad("show_if on %s field %q compares with true or false, not %v", other.Type, other.Key, v)
			}
		case TypeNumber:
			if _, ok := v.(float64); !ok {
				bad("show_if on number field %q compares with a number, not %v", other.Key, v)
			}
		case TypeAvailability, TypeFile:
			bad("show_if cannot depend on %s field %q", other.Type, other.Key)
			return
		default:
			sv, ok := v.(string)
			if !ok {
				bad("show_if on %s field %q compares with a string, not %v", other.Type, other.Key, v)
				continue
			}
			if hasType(other.Type, TypeSelect, TypeRadio, TypeCheckboxes) {
				if _, ok := other.option(sv); !ok {
					bad("show_if value %q is not an option of field %q", sv, other.Key)
				}
			}
		}
	}
}

// column checks the column is known, suits the field, and is filled once.
func (c *checker) column(d *Definition, f *Field, bad func(string, ...any)) {
	if f.Column == "" {
		return
	}
	types, ok := columnTypes[f.Column]
	if !ok {
		bad("unknown column %q", f.Column)
		return
	}
	if !hasType(f.Type, types...) {
		bad("column %q cannot be filled by a %s field (use %s)", f.Column, f.Type, joinTypes(types))
		return
	}
	if other := d.cols[f.Column]; other != nil {
		bad("column %q is already filled by field %q (step %q)", f.Column, other.Key, d.steps[other.step].Key)
		return
	}
	d.cols[f.Column] = f
	if f.Column == ColRoles {
		for _, o := range f.Options {
			switch o.Value {
			case RoleMentor, RoleLearner, RoleMentee:
			default:
				bad("roles column: option value %q is not mentor, learner or mentee", o.Value)
			}
		}
	}
}

func joinTypes(ts []FieldType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, " or ")
}
