package designer

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"cohort/app/forms"
)

// InputError is something wrong with what the admin typed into one input of
// the designer, before the form itself is checked: Input is the input's
// name, so the page can show the message beside it.
type InputError struct {
	Input   string
	Message string
}

// InputErrors are every InputError of one submit.
type InputErrors []InputError

func (es InputErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Input + ": " + e.Message
	}
	return strings.Join(parts, "; ")
}

// Refusal is an edit the designer will not make because it would add
// problems to the form (a duplicate key, a show_if pointing at a later
// field, a column filled twice, …). Problems are those new problems, as the
// checker words them; the draft stays as it was.
type Refusal struct {
	Problems forms.Problems
}

func (r *Refusal) Error() string {
	msgs := make([]string, len(r.Problems))
	for i, p := range r.Problems {
		msgs[i] = ProblemText(p)
	}
	return strings.Join(msgs, "; ")
}

// ProblemText words a problem for an admin: the field (or step) it is about
// first, then what is wrong.
func ProblemText(p forms.Problem) string {
	switch {
	case p.Field != "":
		return fmt.Sprintf("Field %q: %s", p.Field, p.Message)
	case p.Step != "":
		return fmt.Sprintf("Step %q: %s", p.Step, p.Message)
	}
	return p.Message
}

// Edit is one change to a form document. It changes doc in place and
// returns an error (InputErrors, or a plain error whose text is for the
// admin) when it cannot be made at all.
type Edit func(doc *forms.Document) error

// incomplete are the problems a draft may have while it is being built:
// a new step has no fields yet, a new form no steps. Every other problem an
// edit introduces refuses the edit; these only block publishing.
func incomplete(p forms.Problem) bool {
	return p.Field == "" && (p.Message == "the step has no fields" || p.Message == "the form has no steps")
}

// Apply makes edit on a copy of doc and checks the result with the same
// checker forms.Load uses. The edit is refused (a *Refusal) when the result
// has a problem the document did not have before, other than the ones a
// form under construction is allowed (see incomplete); problems the draft
// already had (an uploaded file with mistakes) never block an edit that
// does not add to them. renames maps old field keys to new ones when the
// edit renames a field, so its existing problems are recognised.
func Apply(doc forms.Document, edit Edit, renames map[string]string) (forms.Document, error) {
	out, err := Clone(doc)
	if err != nil {
		return doc, err
	}
	if err := edit(&out); err != nil {
		return doc, err
	}
	before := map[string]int{}
	for _, p := range Check(doc) {
		if to, ok := renames[p.Field]; ok {
			p.Field = to
		}
		before[problemID(p)]++
	}
	var added forms.Problems
	for _, p := range Check(out) {
		id := problemID(p)
		if before[id] > 0 {
			before[id]--
			continue
		}
		if !incomplete(p) {
			added = append(added, p)
		}
	}
	if len(added) > 0 {
		return doc, &Refusal{Problems: added}
	}
	return out, nil
}

// problemID identifies a problem across an edit. The step is left out:
// moving a field to another step must not make its old problems look new.
func problemID(p forms.Problem) string { return p.Field + "\x00" + p.Message }

// Check runs the forms checker on doc and returns its problems (none when
// it could be published).
func Check(doc forms.Document) forms.Problems {
	_, probs := forms.Build("form", doc)
	return probs
}

// Clone deep-copies a document through its JSON form, the one encoding
// that is sure to reach every nested list, map and pointer.
func Clone(doc forms.Document) (forms.Document, error) {
	data, err := json.Marshal(doc)
	if err != nil {
		return doc, fmt.Errorf("the form cannot be copied: %v", err)
	}
	var out forms.Document
	if err := json.Unmarshal(data, &out); err != nil {
		return doc, fmt.Errorf("the form cannot be copied: %v", err)
	}
	return out, nil
}

// stepAt returns step i or an error an admin can read.
func stepAt(doc *forms.Document, i int) (*forms.Step, error) {
	if i < 0 || i >= len(doc.Steps) {
		return nil, fmt.Errorf("that step no longer exists; reload the page")
	}
	return doc.Steps[i], nil
}

// fieldAt returns field j of step i.
func fieldAt(doc *forms.Document, i, j int) (*forms.Step, *forms.Field, error) {
	st, err := stepAt(doc, i)
	if err != nil {
		return nil, nil, err
	}
	if j < 0 || j >= len(st.Fields) {
		return nil, nil, fmt.Errorf("that field no longer exists; reload the page")
	}
	return st, st.Fields[j], nil
}

// SetDetails changes the form's title and description.
func SetDetails(title, description string) Edit {
	return func(doc *forms.Document) error {
		title = strings.TrimSpace(title)
		if title == "" {
			return InputErrors{{"title", "Enter a title for the form."}}
		}
		doc.Title, doc.Description = title, strings.TrimSpace(description)
		return nil
	}
}

// StepInput is what the step form sends.
type StepInput struct {
	Key, Title, Intro string
}

func (in StepInput) check() error {
	var errs InputErrors
	if strings.TrimSpace(in.Key) == "" {
		errs = append(errs, InputError{"step_key", "Enter a key for the step (lower-case letters, digits and _)."})
	}
	if strings.TrimSpace(in.Title) == "" {
		errs = append(errs, InputError{"step_title", "Enter a title for the step."})
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// AddStep appends a step.
func AddStep(in StepInput) Edit {
	return func(doc *forms.Document) error {
		if err := in.check(); err != nil {
			return err
		}
		doc.Steps = append(doc.Steps, &forms.Step{Key: strings.TrimSpace(in.Key), Title: strings.TrimSpace(in.Title), Intro: strings.TrimSpace(in.Intro)})
		return nil
	}
}

// UpdateStep renames step i and changes its title and introduction.
func UpdateStep(i int, in StepInput) Edit {
	return func(doc *forms.Document) error {
		st, err := stepAt(doc, i)
		if err != nil {
			return err
		}
		if err := in.check(); err != nil {
			return err
		}
		st.Key, st.Title, st.Intro = strings.TrimSpace(in.Key), strings.TrimSpace(in.Title), strings.TrimSpace(in.Intro)
		return nil
	}
}

// MoveStep moves step i one place up (delta -1) or down (+1).
func MoveStep(i, delta int) Edit {
	return func(doc *forms.Document) error {
		if _, err := stepAt(doc, i); err != nil {
			return err
		}
		j := i + delta
		if j < 0 || j >= len(doc.Steps) {
			return fmt.Errorf("that step cannot move further")
		}
		doc.Steps[i], doc.Steps[j] = doc.Steps[j], doc.Steps[i]
		return nil
	}
}

// DeleteStep removes step i with its fields.
func DeleteStep(i int) Edit {
	return func(doc *forms.Document) error {
		if _, err := stepAt(doc, i); err != nil {
			return err
		}
		doc.Steps = slices.Delete(doc.Steps, i, i+1)
		return nil
	}
}

// AddField appends f to step i.
func AddField(i int, f *forms.Field) Edit {
	return func(doc *forms.Document) error {
		st, err := stepAt(doc, i)
		if err != nil {
			return err
		}
		st.Fields = append(st.Fields, f)
		return nil
	}
}

// UpdateField replaces field j of step i with f. A new key is carried to
// everything that names the old one (show_if, timezone_field, after_field,
// eligibility rules), so renaming a question never breaks another.
func UpdateField(i, j int, f *forms.Field) Edit {
	return func(doc *forms.Document) error {
		st, old, err := fieldAt(doc, i, j)
		if err != nil {
			return err
		}
		st.Fields[j] = f
		if old.Key != "" && f.Key != "" && old.Key != f.Key && !keyUsedElsewhere(doc, old.Key, f) {
			renameRefs(doc, old.Key, f.Key)
		}
		return nil
	}
}

// keyUsedElsewhere reports whether a field other than f still has key (a
// draft with duplicate keys): then references to it stay as they are.
func keyUsedElsewhere(doc *forms.Document, key string, f *forms.Field) bool {
	for _, st := range doc.Steps {
		for _, g := range st.Fields {
			if g != f && g.Key == key {
				return true
			}
		}
	}
	return false
}

// renameRefs points every reference to field from at field to.
func renameRefs(doc *forms.Document, from, to string) {
	for _, st := range doc.Steps {
		for _, f := range st.Fields {
			if f.ShowIf != nil && f.ShowIf.Field == from {
				f.ShowIf.Field = to
			}
			if f.TimezoneField == from {
				f.TimezoneField = to
			}
			if f.AfterField == from {
				f.AfterField = to
			}
		}
	}
	if doc.Eligibility == nil {
		return
	}
	var walk func(rules []forms.Rule)
	walk = func(rules []forms.Rule) {
		for k := range rules {
			r := &rules[k]
			if r.Field == from {
				r.Field = to
			}
			if r.By == from {
				r.By = to
			}
			walk(r.All)
			walk(r.Any)
		}
	}
	for k := range doc.Eligibility.Benefits {
		walk(doc.Eligibility.Benefits[k].All)
		walk(doc.Eligibility.Benefits[k].Any)
	}
}

// MoveField moves field j of step i one place up (delta -1) or down (+1).
// At the edge of its step it crosses into the neighbouring step (to its
// end going up, to its start going down), so buttons alone can put a
// field anywhere.
func MoveField(i, j, delta int) Edit {
	return func(doc *forms.Document) error {
		st, f, err := fieldAt(doc, i, j)
		if err != nil {
			return err
		}
		k := j + delta
		switch {
		case k >= 0 && k < len(st.Fields):
			st.Fields[j], st.Fields[k] = st.Fields[k], st.Fields[j]
		case k < 0 && i > 0:
			st.Fields = slices.Delete(st.Fields, j, j+1)
			prev := doc.Steps[i-1]
			prev.Fields = append(prev.Fields, f)
		case k >= len(st.Fields) && i < len(doc.Steps)-1:
			st.Fields = slices.Delete(st.Fields, j, j+1)
			next := doc.Steps[i+1]
			next.Fields = slices.Insert(next.Fields, 0, f)
		default:
			return fmt.Errorf("that field cannot move further")
		}
		return nil
	}
}

// FieldPlace finds where field key sits after an edit, for the page to
// show and focus it.
func FieldPlace(doc forms.Document, key string) (step, field int, ok bool) {
	for i, st := range doc.Steps {
		for j, f := range st.Fields {
			if f.Key == key {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// DeleteField removes field j of step i.
func DeleteField(i, j int) Edit {
	return func(doc *forms.Document) error {
		st, _, err := fieldAt(doc, i, j)
		if err != nil {
			return err
		}
		st.Fields = slices.Delete(st.Fields, j, j+1)
		return nil
	}
}

// SetEligibility replaces the eligibility rules with the JSON text given
// (the "eligibility" block of the definition file); empty text removes them.
func SetEligibility(text string) Edit {
	return func(doc *forms.Document) error {
		text = strings.TrimSpace(text)
		if text == "" {
			doc.Eligibility = nil
			return nil
		}
		// The file's strict decoding, on a document holding only this block,
		// gives the same messages as an uploaded file.
		probe := fmt.Sprintf(`{"eligibility": %s}`, text)
		d, probs := forms.ImportDocument("eligibility", []byte(probe))
		if len(probs) > 0 {
			return InputErrors{{"eligibility", strings.TrimPrefix(probs[0].Message, "eligibility: ")}}
		}
		doc.Eligibility = d.Eligibility
		return nil
	}
}

// EligibilityText is the eligibility block as indented JSON, for the
// textarea that edits it.
func EligibilityText(doc forms.Document) string {
	if doc.Eligibility == nil {
		return ""
	}
	data, err := json.MarshalIndent(doc.Eligibility, "", "  ")
	if err != nil {
		return ""
	}
	return string(data)
}
