package forms

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// FieldType names the kind of input a field is and so how its answer is
// parsed and stored.
type FieldType string

// The field types a definition may use.
const (
	TypeText         FieldType = "text"         // one line; inner whitespace collapsed
	TypeEmail        FieldType = "email"        // one address, no display name
	TypeTextarea     FieldType = "textarea"     // free text; line breaks kept
	TypeSelect       FieldType = "select"       // one option value
	TypeRadio        FieldType = "radio"        // one option value
	TypeCheckboxes   FieldType = "checkboxes"   // option values, in option order
	TypeInterests    FieldType = "interests"    // presets plus the member's own entries
	TypeBoolean      FieldType = "boolean"      // yes or no, rendered as two radios
	TypeNumber       FieldType = "number"       // float64
	TypeDate         FieldType = "date"         // "YYYY-MM-DD"
	TypeTimezone     FieldType = "timezone"     // IANA zone name
	TypeAvailability FieldType = "availability" // {"mask": UTC-hours bitmask}
	TypeFile         FieldType = "file"         // an upload id, as a string
	TypeConsent      FieldType = "consent"      // true, or absent
)

// fieldTypes is every known type; Load rejects any other.
var fieldTypes = map[FieldType]bool{
	TypeText: true, TypeEmail: true, TypeTextarea: true, TypeSelect: true,
	TypeRadio: true, TypeCheckboxes: true, TypeInterests: true, TypeBoolean: true,
	TypeNumber: true, TypeDate: true, TypeTimezone: true, TypeAvailability: true,
	TypeFile: true, TypeConsent: true,
}

// Column names the indexed core column a field fills (see Core). The set is
// closed because each one is a real database column staff filter on.
type Column string

// The columns a field may fill.
const (
	ColFullName        Column = "full_name"
	ColRoles           Column = "roles" // option values mentor / learner (or mentee)
	ColTimeZone        Column = "time_zone"
	ColAvailability    Column = "availability"
	ColOrg             Column = "org"
	ColLevel           Column = "level"
	ColTimeAtLevel     Column = "time_at_level"
	ColDistancePref    Column = "distance_pref"
	ColTrackChange     Column = "track_change"
	ColManagerName     Column = "manager_name"
	ColManagerEmail    Column = "manager_email"
	ColComments        Column = "comments"
	ColMentorInterests Column = "mentor_interests"
	ColMenteeInterests Column = "mentee_interests"
)

// columnTypes says which field types may fill each column, so a definition
// cannot, say, put free text into the time-zone column.
var columnTypes = map[Column][]FieldType{
	ColFullName:        {TypeText},
	ColRoles:           {TypeCheckboxes, TypeRadio, TypeSelect},
	ColTimeZone:        {TypeTimezone},
	ColAvailability:    {TypeAvailability},
	ColOrg:             {TypeSelect, TypeRadio, TypeText},
	ColLevel:           {TypeSelect, TypeRadio, TypeText},
	ColTimeAtLevel:     {TypeSelect, TypeRadio, TypeText},
	ColDistancePref:    {TypeSelect, TypeRadio},
	ColTrackChange:     {TypeSelect, TypeRadio},
	ColManagerName:     {TypeText},
	ColManagerEmail:    {TypeEmail},
	ColComments:        {TypeTextarea, TypeText},
	ColMentorInterests: {TypeInterests, TypeCheckboxes},
	ColMenteeInterests: {TypeInterests, TypeCheckboxes},
}

// Role option values understood by the roles column.
const (
	RoleMentor  = "mentor"
	RoleLearner = "learner"
	RoleMentee  = "mentee" // accepted as a synonym of learner
)

// Definition kinds; they match the program kinds in DESIGN.md.
const (
	KindMentoring   = "mentoring"
	KindApplication = "application"
	KindMembership  = "membership"
)

// Definition is one versioned form: ordered steps of fields, plus
// eligibility rules for applications. A Definition returned by a Registry is
// shared and must be treated as read-only.
type Definition struct {
	Key         string       // stable name programs refer to, e.g. "mentoring"
	Version     int          // bumped when the questions change; answers record it
	Title       string       // shown above the form
	Description string       // shown on the program page
	Kind        string       // mentoring, application or membership
	Eligibility *Eligibility // nil unless Kind is application and rules are given
	File        string       // the file it was loaded from, for messages

	steps   []*Step
	fields  []*Field          // every field, in form order
	byKey   map[string]*Field // field key → field
	stepIdx map[string]int    // step key → index
	cols    map[Column]*Field // column → the one field that fills it
}

// Steps returns the steps in order.
func (d *Definition) Steps() []*Step { return d.steps }

// Step finds a step by key and returns it with its index.
func (d *Definition) Step(key string) (*Step, int, bool) {
	i, ok := d.stepIdx[key]
	if !ok {
		return nil, -1, false
	}
	return d.steps[i], i, true
}

// Field finds a field by key, whichever step it is on.
func (d *Definition) Field(key string) (*Field, bool) {
	f, ok := d.byKey[key]
	return f, ok
}

// Fields returns every field in form order.
func (d *Definition) Fields() []*Field { return d.fields }

// ColumnField returns the field that fills col, if any.
func (d *Definition) ColumnField(col Column) (*Field, bool) {
	f, ok := d.cols[col]
	return f, ok
}

// Visible reports whether f is shown given the current answers. A field is
// hidden when its show_if does not match, or when the field it depends on is
// itself hidden — so a chain of conditions collapses as a whole. Hidden
// fields are never required and their answers are dropped on save.
func (d *Definition) Visible(f *Field, answers Answers) bool {
	// show_if may only point at an earlier field (Load checks it), so this
	// walk towards the start of the form always ends.
	for f != nil && f.ShowIf != nil {
		ctl, ok := d.byKey[f.ShowIf.Field]
		if !ok || !f.ShowIf.matches(answers[ctl.Key]) {
			return false
		}
		f = ctl
	}
	return true
}

// Step is one page of the form.
type Step struct {
	Key    string   `json:"key"`
	Title  string   `json:"title"`
	Intro  string   `json:"intro,omitempty"`
	Fields []*Field `json:"fields"`
}

// Field is one question. The JSON names are the definition file's keys.
type Field struct {
	Key             string    `json:"key"`
	Type            FieldType `json:"type"`
	Label           string    `json:"label"`
	ShortLabel      string    `json:"short_label,omitempty"` // used in eligibility reasons, e.g. "income"
	Help            string    `json:"help,omitempty"`
	Placeholder     string    `json:"placeholder,omitempty"`
	Autocomplete    string    `json:"autocomplete,omitempty"`
	Required        bool      `json:"required,omitempty"`
	RequiredMessage string    `json:"required_message,omitempty"` // overrides the generic "Enter …" message
	Options         []Option  `json:"options,omitempty"`          // select, radio, checkboxes
	Presets         []string  `json:"presets,omitempty"`          // interests
	Min             *Bound    `json:"min,omitempty"`              // number, date, availability (hours)
	Max             *Bound    `json:"max,omitempty"`              // number, date, availability (hours)
	Integer         bool      `json:"integer,omitempty"`          // number: whole numbers only
	StepSize        float64   `json:"step,omitempty"`             // number: multiples of this from min (or 0)
	MinLength       int       `json:"min_length,omitempty"`       // text, email, textarea (characters)
	MaxLength       int       `json:"max_length,omitempty"`       // text, email, textarea (characters)
	Pattern         string    `json:"pattern,omitempty"`          // text, email, textarea: Go regexp, anchored
	PatternMessage  string    `json:"pattern_message,omitempty"`  // shown when Pattern does not match
	MaxItems        int       `json:"max_items,omitempty"`        // checkboxes, interests
	ShowIf          *ShowIf   `json:"show_if,omitempty"`
	TimezoneField   string    `json:"timezone_field,omitempty"` // availability: the field holding the member's zone
	AfterField      string    `json:"after_field,omitempty"`    // date: must be later than this date field
	Accept          []string  `json:"accept,omitempty"`         // file: MIME types the handler accepts
	MaxSize         int64     `json:"max_size,omitempty"`       // file: bytes the handler accepts
	Column          Column    `json:"column,omitempty"`

	re   *regexp.Regexp
	pos  int // index in Definition.fields
	step int // index of its step
}

// Option is one choice of a select, radio or checkboxes field. Value is what
// is stored; Label is what people read.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
	// Exclusive marks a checkbox such as "None of these" that cannot be
	// ticked together with another option.
	Exclusive bool `json:"exclusive,omitempty"`
}

// ShowIf makes a field depend on an earlier field's answer. Exactly one of
// Equals, In or Contains is set. For checkboxes and interests, Equals and
// Contains both mean "the list contains this value" and In means "contains
// any of these". Values are compared with the stored answer: strings
// (option values), booleans or numbers.
type ShowIf struct {
	Field    string `json:"field"`
	Equals   any    `json:"equals,omitempty"`
	In       []any  `json:"in,omitempty"`
	Contains any    `json:"contains,omitempty"`
}

// matches reports whether the controlling answer v satisfies the condition.
func (s *ShowIf) matches(v any) bool {
	if v == nil {
		return false
	}
	if list, ok := asStrings(v); ok {
		switch {
		case s.Equals != nil:
			return containsAny(list, s.Equals)
		case s.Contains != nil:
			return containsAny(list, s.Contains)
		default:
			return containsAny(list, s.In...)
		}
	}
	switch {
	case s.Equals != nil:
		return sameScalar(v, s.Equals)
	case s.In != nil:
		for _, want := range s.In {
			if sameScalar(v, want) {
				return true
			}
		}
	}
	return false
}

func containsAny(list []string, wants ...any) bool {
	for _, w := range wants {
		ws, ok := w.(string)
		if !ok {
			continue
		}
		for _, s := range list {
			if s == ws {
				return true
			}
		}
	}
	return false
}

// sameScalar compares a stored answer with a JSON value of the same kind;
// values of different kinds never match (a raw, invalid answer hides).
func sameScalar(v, want any) bool {
	switch w := want.(type) {
	case string:
		s, ok := v.(string)
		return ok && s == w
	case bool:
		b, ok := v.(bool)
		return ok && b == w
	case float64:
		n, ok := asNumber(v)
		return ok && n == w
	}
	return false
}

// Bound is a min or max limit: a number for number and availability fields
// (hours), a date for date fields — "YYYY-MM-DD" or "today".
type Bound struct {
	Num   float64 // when IsNum
	Text  string  // when !IsNum
	IsNum bool
}

// UnmarshalJSON accepts a JSON number or string.
func (b *Bound) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case float64:
		*b = Bound{Num: x, IsNum: true}
	case string:
		*b = Bound{Text: x}
	default:
		return fmt.Errorf("min/max must be a number or a date string, not %s", data)
	}
	return nil
}

// MarshalJSON writes the bound back as a number or a string.
func (b Bound) MarshalJSON() ([]byte, error) {
	if b.IsNum {
		return json.Marshal(b.Num)
	}
	return json.Marshal(b.Text)
}

// String is the bound as written in the definition.
func (b Bound) String() string {
	if b.IsNum {
		return strconv.FormatFloat(b.Num, 'f', -1, 64)
	}
	return b.Text
}

// date resolves a date bound against now: "today" is the calendar date of
// now in now's location, so a handler that knows the member's zone can pass
// now in it.
func (b *Bound) date(now time.Time) (string, bool) {
	if b == nil || b.IsNum {
		return "", false
	}
	if b.Text == "today" {
		return now.Format(dateLayout), true
	}
	if _, err := time.Parse(dateLayout, b.Text); err != nil {
		return "", false
	}
	return b.Text, true
}

const dateLayout = "2006-01-02"

// Choices are the options a template renders for f: the options of choice
// fields, yes/no for booleans, and the presets of interests (value = label,
// because a preset is stored by its text).
func (f *Field) Choices() []Option {
	switch f.Type {
	case TypeBoolean:
		return []Option{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}}
	case TypeInterests:
		out := make([]Option, len(f.Presets))
		for i, p := range f.Presets {
			out[i] = Option{Value: p, Label: p}
		}
		return out
	}
	return f.Options
}

// option finds an option by value.
func (f *Field) option(value string) (Option, bool) {
	for _, o := range f.Options {
		if o.Value == value {
			return o, true
		}
	}
	return Option{}, false
}

// ModeName is the input name of an availability field's range/custom choice.
func (f *Field) ModeName() string { return f.Key + "_mode" }

// FromName is the input name of an availability range's first local hour.
func (f *Field) FromName() string { return f.Key + "_from" }

// ToName is the input name of an availability range's end (exclusive).
func (f *Field) ToName() string { return f.Key + "_to" }

// OtherName is the input name of an interests field's free entries.
func (f *Field) OtherName() string { return f.Key + "_other" }

// InputID is the HTML id of the field's first input: what an error summary
// links to and what aria-describedby hangs off. Fields made of several
// inputs (radios, checkboxes, yes/no, interests) use their first option's
// id; availability uses its first mode radio.
func InputID(f *Field) string {
	switch f.Type {
	case TypeRadio, TypeCheckboxes, TypeBoolean, TypeInterests:
		return OptionID(f, 0)
	case TypeAvailability:
		return f.Key + "-range"
	}
	return f.Key
}

// OptionID is the HTML id of the i-th choice of f (see Choices), or for an
// availability field the id of the checkbox for local hour i. Indexes, not
// values, keep ids valid whatever the option values contain.
func OptionID(f *Field, i int) string {
	if f.Type == TypeAvailability {
		return f.Key + "-h" + strconv.Itoa(i)
	}
	return f.Key + "-" + strconv.Itoa(i)
}

// AcceptsType reports whether a file field accepts an upload of this MIME
// type (parameters such as "; charset" ignored). The upload handler calls
// it; the form only carries the upload id.
func (f *Field) AcceptsType(contentType string) bool {
	ct, _, _ := strings.Cut(contentType, ";")
	ct = strings.ToLower(strings.TrimSpace(ct))
	for _, a := range f.Accept {
		if strings.EqualFold(a, ct) {
			return true
		}
	}
	return false
}

// subject names the field inside a sentence: its short label if it has one.
func (f *Field) subject() string {
	if f.ShortLabel != "" {
		return f.ShortLabel
	}
	return f.Label
}
