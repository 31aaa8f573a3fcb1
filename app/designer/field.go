package designer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cohort/app/forms"
)

// FieldTypes is every field type the forms package supports, in the order
// the designer offers them.
var FieldTypes = []forms.FieldType{
	forms.TypeText, forms.TypeEmail, forms.TypeTextarea, forms.TypeSelect, forms.TypeRadio,
	forms.TypeCheckboxes, forms.TypeInterests, forms.TypeBoolean, forms.TypeNumber, forms.TypeDate,
	forms.TypeTimezone, forms.TypeAvailability, forms.TypeFile, forms.TypeConsent,
}

// Columns is every typed column a field may fill, in the order the
// designer offers them.
var Columns = []forms.Column{
	forms.ColFullName, forms.ColRoles, forms.ColTimeZone, forms.ColAvailability, forms.ColOrg,
	forms.ColLevel, forms.ColTimeAtLevel, forms.ColDistancePref, forms.ColTrackChange,
	forms.ColManagerName, forms.ColManagerEmail, forms.ColComments, forms.ColMentorInterests,
	forms.ColMenteeInterests,
}

// Which properties belong to which types: the checker refuses the others,
// so a change of type drops the ones the new type cannot have.
var (
	choiceTypes  = []forms.FieldType{forms.TypeSelect, forms.TypeRadio, forms.TypeCheckboxes}
	textualTypes = []forms.FieldType{forms.TypeText, forms.TypeEmail, forms.TypeTextarea}
	boundTypes   = []forms.FieldType{forms.TypeNumber, forms.TypeDate, forms.TypeAvailability}
	listTypes    = []forms.FieldType{forms.TypeCheckboxes, forms.TypeInterests}
)

// Show-if comparisons the designer offers.
const (
	ShowIfEquals   = "equals"
	ShowIfIn       = "in"
	ShowIfContains = "contains"
)

// Option operations a button of the field form may ask for besides saving.
const (
	opSave      = "save"
	opOptAdd    = "opt-add"
	opOptUp     = "opt-up-"
	opOptDown   = "opt-down-"
	opOptRemove = "opt-remove-"
)

// Values is a submitted HTML form: input name → values.
type Values map[string][]string

// Get is the first value of name, trimmed.
func (v Values) Get(name string) string {
	if vals := v[name]; len(vals) > 0 {
		return strings.TrimSpace(vals[0])
	}
	return ""
}

// ParseField reads the field form into a field. doc is the form the field
// belongs to (show_if values take the type of the field they compare with);
// current is the field as it was (nil when adding), so a change of type can
// drop what the new type cannot have. The "op" input is a button of the
// form: besides saving, it may add, move or remove an option.
func ParseField(in Values, doc forms.Document, current *forms.Field) (*forms.Field, error) {
	var errs InputErrors
	bad := func(input, format string, args ...any) {
		errs = append(errs, InputError{input, fmt.Sprintf(format, args...)})
	}
	f := &forms.Field{
		Key:             in.Get("key"),
		Type:            forms.FieldType(in.Get("type")),
		Label:           in.Get("label"),
		ShortLabel:      in.Get("short_label"),
		Help:            in.Get("help"),
		Placeholder:     in.Get("placeholder"),
		Autocomplete:    in.Get("autocomplete"),
		Required:        in.Get("required") == "true",
		RequiredMessage: in.Get("required_message"),
		Integer:         in.Get("integer") == "true",
		Pattern:         in.Get("pattern"),
		PatternMessage:  in.Get("pattern_message"),
		TimezoneField:   in.Get("timezone_field"),
		AfterField:      in.Get("after_field"),
		Column:          forms.Column(in.Get("column")),
	}
	if f.Key == "" {
		bad("key", "Enter a key (lower-case letters, digits and _).")
	}
	if !slices.Contains(FieldTypes, f.Type) {
		bad("type", "Choose a type.")
	}
	if f.Label == "" {
		bad("label", "Enter the question as members read it.")
	}

	// Options: one row per option; a row left wholly blank is dropped, so
	// clearing a row removes it.
	values, labels := in["opt_value"], in["opt_label"]
	for i := range values {
		o := forms.Option{Value: strings.TrimSpace(values[i])}
		if i < len(labels) {
			o.Label = strings.TrimSpace(labels[i])
		}
		o.Exclusive = slices.Contains(in["opt_exclusive"], strconv.Itoa(i))
		if o.Value == "" && o.Label == "" {
			continue
		}
		if o.Label == "" {
			o.Label = o.Value
		}
		f.Options = append(f.Options, o)
	}
	if v := in.Get("new_opt_value"); v != "" || in.Get("new_opt_label") != "" {
		o := forms.Option{Value: v, Label: in.Get("new_opt_label"), Exclusive: in.Get("new_opt_exclusive") == "true"}
		if o.Label == "" {
			o.Label = o.Value
		}
		f.Options = append(f.Options, o)
	} else if in.Get("op") == opOptAdd {
		bad("new_opt_value", "Enter the new option's value.")
	}
	if err := optionOp(f, in.Get("op")); err != nil {
		bad("op", "%s", err.Error())
	}

	f.Presets = lines(in.Get("presets"))
	f.Accept = splitList(in.Get("accept"), ",")

	var err error
	if f.Min, err = bound(in.Get("min")); err != nil {
		bad("min", "%s", err)
	}
	if f.Max, err = bound(in.Get("max")); err != nil {
		bad("max", "%s", err)
	}
	number := func(name string) float64 {
		s := in.Get(name)
		if s == "" {
			return 0
		}
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			bad(name, "Enter a number.")
		}
		return n
	}
	whole := func(name string) int {
		s := in.Get(name)
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			bad(name, "Enter a whole number.")
		}
		return n
	}
	f.StepSize = number("step")
	f.MinLength = whole("min_length")
	f.MaxLength = whole("max_length")
	f.MaxItems = whole("max_items")
	if s := in.Get("max_size"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			bad("max_size", "Enter the largest file size as a whole number of bytes.")
		}
		f.MaxSize = n
	}

	if target := in.Get("show_if_field"); target != "" {
		s, err := parseShowIf(doc, target, in.Get("show_if_op"), in.Get("show_if_value"))
		if err != nil {
			bad("show_if_value", "%s", err)
		}
		f.ShowIf = s
	}

	if current != nil && current.Type != f.Type {
		dropInapplicable(f)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return f, nil
}

// optionOp applies an option button: add (already done by the caller when
// the new row was filled), move up or down, remove.
func optionOp(f *forms.Field, op string) error {
	index := func(prefix string) (int, bool) {
		i, err := strconv.Atoi(strings.TrimPrefix(op, prefix))
		return i, err == nil && i >= 0 && i < len(f.Options)
	}
	switch {
	case op == "" || op == opSave || op == opOptAdd:
		return nil
	case strings.HasPrefix(op, opOptUp):
		i, ok := index(opOptUp)
		if !ok || i == 0 {
			return fmt.Errorf("that option cannot move up")
		}
		f.Options[i-1], f.Options[i] = f.Options[i], f.Options[i-1]
	case strings.HasPrefix(op, opOptDown):
		i, ok := index(opOptDown)
		if !ok || i == len(f.Options)-1 {
			return fmt.Errorf("that option cannot move down")
		}
		f.Options[i+1], f.Options[i] = f.Options[i], f.Options[i+1]
	case strings.HasPrefix(op, opOptRemove):
		i, ok := index(opOptRemove)
		if !ok {
			return fmt.Errorf("that option no longer exists")
		}
		f.Options = slices.Delete(f.Options, i, i+1)
	default:
		return fmt.Errorf("unknown action")
	}
	return nil
}

// dropInapplicable removes what f's (new) type cannot have.
func dropInapplicable(f *forms.Field) {
	if !slices.Contains(choiceTypes, f.Type) {
		f.Options = nil
	}
	if f.Type != forms.TypeInterests {
		f.Presets = nil
	}
	if !slices.Contains(boundTypes, f.Type) {
		f.Min, f.Max = nil, nil
	}
	if f.Type != forms.TypeNumber {
		f.Integer, f.StepSize = false, 0
	}
	if !slices.Contains(textualTypes, f.Type) {
		f.MinLength, f.MaxLength, f.Pattern, f.PatternMessage = 0, 0, "", ""
	}
	if !slices.Contains(listTypes, f.Type) {
		f.MaxItems = 0
	}
	if f.Type != forms.TypeAvailability {
		f.TimezoneField = ""
	}
	if f.Type != forms.TypeDate {
		f.AfterField = ""
	}
	if f.Type != forms.TypeFile {
		f.Accept, f.MaxSize = nil, 0
	}
}

// bound reads a min or max: a number, or a date ("2026-03-01", "today").
// Whether it suits the field's type is the checker's call.
func bound(s string) (*forms.Bound, error) {
	if s == "" {
		return nil, nil
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return &forms.Bound{Num: n, IsNum: true}, nil
	}
	if s == "today" || (len(s) == 10 && s[4] == '-' && s[7] == '-') {
		return &forms.Bound{Text: s}, nil
	}
	return nil, fmt.Errorf("enter a number, a date like 2026-03-01, or today")
}

// parseShowIf builds a condition on field target. Its values take the type
// of the target's answers: true/false for yes/no and consent, numbers for
// number fields, text otherwise. "in" takes values separated by commas.
func parseShowIf(doc forms.Document, target, op, text string) (*forms.ShowIf, error) {
	var ttype forms.FieldType
	for _, st := range doc.Steps {
		for _, f := range st.Fields {
			if f.Key == target {
				ttype = f.Type
			}
		}
	}
	value := func(s string) (any, error) {
		switch ttype {
		case forms.TypeBoolean, forms.TypeConsent:
			switch strings.ToLower(s) {
			case "true", "yes":
				return true, nil
			case "false", "no":
				return false, nil
			}
			return nil, fmt.Errorf("a yes/no question compares with yes or no, not %q", s)
		case forms.TypeNumber:
			n, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("a number question compares with a number, not %q", s)
			}
			return n, nil
		}
		return s, nil
	}
	s := &forms.ShowIf{Field: target}
	if text == "" {
		return nil, fmt.Errorf("enter the answer that shows this question")
	}
	switch op {
	case ShowIfEquals, "":
		v, err := value(text)
		s.Equals = v
		return s, err
	case ShowIfContains:
		v, err := value(text)
		s.Contains = v
		return s, err
	case ShowIfIn:
		for _, part := range splitList(text, ",") {
			v, err := value(part)
			if err != nil {
				return nil, err
			}
			s.In = append(s.In, v)
		}
		return s, nil
	}
	return nil, fmt.Errorf("choose how the answer is compared")
}

// ShowIfText is a condition's values as the field form shows them.
func ShowIfText(s *forms.ShowIf) (op, text string) {
	if s == nil {
		return ShowIfEquals, ""
	}
	str := func(v any) string {
		switch x := v.(type) {
		case bool:
			if x {
				return "yes"
			}
			return "no"
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		return fmt.Sprint(v)
	}
	switch {
	case s.Contains != nil:
		return ShowIfContains, str(s.Contains)
	case s.In != nil:
		parts := make([]string, len(s.In))
		for i, v := range s.In {
			parts[i] = str(v)
		}
		return ShowIfIn, strings.Join(parts, ", ")
	}
	return ShowIfEquals, str(s.Equals)
}

// lines splits a textarea into its non-blank lines, trimmed.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// splitList splits s at sep and drops blank parts.
func splitList(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// FieldValues is the field form filled in from f: what ParseField reads
// back into the same field.
func FieldValues(f *forms.Field) Values {
	v := Values{
		"key": {f.Key}, "type": {string(f.Type)}, "label": {f.Label}, "short_label": {f.ShortLabel},
		"help": {f.Help}, "placeholder": {f.Placeholder}, "autocomplete": {f.Autocomplete},
		"required_message": {f.RequiredMessage}, "pattern": {f.Pattern}, "pattern_message": {f.PatternMessage},
		"timezone_field": {f.TimezoneField}, "after_field": {f.AfterField}, "column": {string(f.Column)},
		"presets": {strings.Join(f.Presets, "\n")}, "accept": {strings.Join(f.Accept, ", ")},
	}
	flag := func(name string, on bool) {
		if on {
			v[name] = []string{"true"}
		}
	}
	flag("required", f.Required)
	flag("integer", f.Integer)
	num := func(name string, n int64) {
		if n != 0 {
			v[name] = []string{strconv.FormatInt(n, 10)}
		}
	}
	num("min_length", int64(f.MinLength))
	num("max_length", int64(f.MaxLength))
	num("max_items", int64(f.MaxItems))
	num("max_size", f.MaxSize)
	if f.StepSize != 0 {
		v["step"] = []string{strconv.FormatFloat(f.StepSize, 'f', -1, 64)}
	}
	if f.Min != nil {
		v["min"] = []string{f.Min.String()}
	}
	if f.Max != nil {
		v["max"] = []string{f.Max.String()}
	}
	for i, o := range f.Options {
		v["opt_value"] = append(v["opt_value"], o.Value)
		v["opt_label"] = append(v["opt_label"], o.Label)
		if o.Exclusive {
			v["opt_exclusive"] = append(v["opt_exclusive"], strconv.Itoa(i))
		}
	}
	if f.ShowIf != nil {
		op, text := ShowIfText(f.ShowIf)
		v["show_if_field"] = []string{f.ShowIf.Field}
		v["show_if_op"] = []string{op}
		v["show_if_value"] = []string{text}
	}
	return v
}
