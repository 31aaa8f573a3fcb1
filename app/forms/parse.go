package forms

import (
	"slices"
	"time"
)

// FieldError is one message for one field. Field is the HTML id of the
// input to link to (see InputID); it is empty for a problem with the step
// itself.
type FieldError struct {
	Field   string
	Message string
	// Revealed marks a required answer missing from a question these very
	// answers revealed (its show-if did not hold before): without
	// JavaScript the member has not seen it yet, so it is news rather
	// than a mistake.
	Revealed bool
}

// ParseStep reads the raw values of one step's form (as from an HTML form:
// url.Values works) onto prev and returns the new full answer set and that
// step's errors, in field order, one per field.
//
// Every field of the step counts as submitted: a missing input means the
// member left it empty (an unticked box sends nothing), and its answer is
// removed. Answers of other steps are kept, except that any field hidden by
// the new answers loses its answer, wherever it is. Invalid values are kept
// as typed, so the caller may save a draft and re-render it; ValidateAll
// catches them at submit.
//
// An availability field converts local hours with the zone answered in its
// timezone_field — as just entered when that field is on this step,
// otherwise as saved — at now, so a range entered in summer uses summer
// time. A date "min": "today" is the date of now in now's location.
func ParseStep(def *Definition, stepKey string, in map[string][]string, prev Answers, now time.Time) (Answers, []FieldError) {
	out := clone(prev)
	step, _, ok := def.Step(stepKey)
	if !ok {
		return out, []FieldError{{Message: "This part of the form does not exist."}}
	}
	msgs := make(map[string]string, len(step.Fields))
	set := func(f *Field, v any, msg string) {
		if v == nil {
			delete(out, f.Key)
		} else {
			out[f.Key] = v
		}
		if msg != "" {
			msgs[f.Key] = msg
		}
	}
	// Availability last: it reads the time zone, which may be on this step.
	for _, f := range step.Fields {
		if f.Type != TypeAvailability {
			v, msg := parseValue(f, in, "", now)
			set(f, v, msg)
		}
	}
	for _, f := range step.Fields {
		if f.Type == TypeAvailability {
			v, msg := parseValue(f, in, Raw(out, f.TimezoneField), now)
			set(f, v, msg)
		}
	}
	dropHidden(def, out)

	var errs []FieldError
	for _, f := range step.Fields {
		if !def.Visible(f, out) {
			continue
		}
		msg, revealed := msgs[f.Key], false
		switch {
		case !hasValue(out[f.Key]):
			if f.Required {
				msg = requiredMessage(f)
				revealed = f.ShowIf != nil && !def.Visible(f, prev)
			} else {
				msg = ""
			}
		case msg == "":
			msg = crossCheck(def, f, out)
		}
		if msg != "" {
			errs = append(errs, FieldError{Field: InputID(f), Message: msg, Revealed: revealed})
		}
	}
	return out, errs
}

// dropHidden removes the answers of hidden fields. Fields are visited in
// form order and depend only on earlier ones, so one pass settles chains.
func dropHidden(def *Definition, a Answers) {
	for _, f := range def.fields {
		if f.ShowIf != nil && !def.Visible(f, a) {
			delete(a, f.Key)
		}
	}
}

// crossCheck applies rules that compare a valid answer with another field.
func crossCheck(def *Definition, f *Field, a Answers) string {
	if f.Type != TypeDate || f.AfterField == "" {
		return ""
	}
	other := def.byKey[f.AfterField]
	if !def.Visible(other, a) {
		return ""
	}
	this, _ := a[f.Key].(string)
	that, ok := a[other.Key].(string)
	if !ok || !validDate(that) || this > that {
		return ""
	}
	return "Enter a date after " + lowerFirst(other.Label) + " (" + humanDate(that) + ")."
}

func validDate(s string) bool {
	d, err := time.Parse(dateLayout, s)
	return err == nil && d.Format(dateLayout) == s
}

// ValidateAll checks every step as if each were submitted again from the
// saved answers, so the review page and submit apply exactly the rules the
// step pages do (including "today" for dates, at now). Steps without
// errors are absent from the map.
func ValidateAll(def *Definition, answers Answers, now time.Time) map[string][]FieldError {
	out := map[string][]FieldError{}
	for _, s := range def.steps {
		if _, errs := ParseStep(def, s.Key, Inputs(def, s.Key, answers, now), answers, now); len(errs) > 0 {
			out[s.Key] = errs
		}
	}
	return out
}

// FirstIncompleteStep is where a returning member resumes: the first step
// not yet marked completed, or with a visible required field unanswered
// (a show-if may have revealed one since). "" means every step is done.
func FirstIncompleteStep(def *Definition, answers Answers, completedSteps []string) string {
	for _, s := range def.steps {
		if !slices.Contains(completedSteps, s.Key) {
			return s.Key
		}
		for _, f := range s.Fields {
			if f.Required && def.Visible(f, answers) && !hasValue(answers[f.Key]) {
				return s.Key
			}
		}
	}
	return ""
}

// Inputs renders the answers of one step back into form values: what the
// step's form would post to reproduce them. Templates refill inputs from
// it (availability comes back as a range when the hours are contiguous),
// and ValidateAll re-parses it. Parsing Inputs gives the same answers and
// errors as the parse that stored them.
func Inputs(def *Definition, stepKey string, answers Answers, now time.Time) map[string][]string {
	in := map[string][]string{}
	step, _, ok := def.Step(stepKey)
	if !ok {
		return in
	}
	for _, f := range step.Fields {
		v, ok := answers[f.Key]
		if !ok {
			continue
		}
		switch f.Type {
		case TypeCheckboxes, TypeInterests:
			if list := RawList(answers, f.Key); len(list) > 0 {
				in[f.Key] = list
			}
		case TypeAvailability:
			availabilityInputs(f, v, Raw(answers, f.TimezoneField), now, in)
		default:
			if s := rawString(v); s != "" {
				in[f.Key] = []string{s}
			}
		}
	}
	return in
}

// validValue is the canonical answer of f if it is visible and valid, else
// nil. Extract and Evaluate use it so nothing invalid reaches a column or a
// decision.
func validValue(def *Definition, f *Field, a Answers, now time.Time) any {
	if !def.Visible(f, a) {
		return nil
	}
	if _, ok := a[f.Key]; !ok {
		return nil
	}
	in := map[string][]string{}
	switch f.Type {
	case TypeCheckboxes, TypeInterests:
		in[f.Key] = RawList(a, f.Key)
	case TypeAvailability:
		availabilityInputs(f, a[f.Key], Raw(a, f.TimezoneField), now, in)
	default:
		in[f.Key] = []string{Raw(a, f.Key)}
	}
	v, msg := parseValue(f, in, Raw(a, f.TimezoneField), now)
	if msg != "" || crossCheck(def, f, a) != "" {
		return nil
	}
	return v
}
