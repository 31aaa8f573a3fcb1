package forms

import (
	"strings"
	"time"
)

// Texts staff read where an answer and the current form disagree.
const (
	// NotAskedText stands for the answer to a field the person's form
	// version did not have.
	NotAskedText = "not asked when this person enrolled"
	// NoLongerAskedText heads answers to fields the current form no
	// longer has.
	NoLongerAskedText = "no longer asked"
	// UnofferedText follows an answer that uses an option the field no
	// longer offers.
	UnofferedText = "(option no longer offered)"
)

// FindField finds the field with this key in the first of defs that has
// it, with the step it is on: how an answer to a field the current form
// dropped is labelled, from the newest form that still asked it.
func FindField(defs []*Definition, key string) (*Field, *Step, bool) {
	for _, d := range defs {
		if d == nil {
			continue
		}
		if f, ok := d.byKey[key]; ok {
			return f, d.steps[f.step], true
		}
	}
	return nil, nil, false
}

// DisplayOffered is Display for f of the current form, except that an
// answer using an option f no longer offers is still readable: labelled
// as the first of older that has the option, and followed by
// UnofferedText. unoffered reports whether that happened.
func DisplayOffered(def *Definition, f *Field, answers Answers, older []*Definition, now time.Time) (text string, unoffered bool) {
	if !hasType(f.Type, TypeSelect, TypeRadio, TypeCheckboxes) {
		return Display(def, f, answers, now), false
	}
	v, ok := answers[f.Key]
	if !ok {
		return "", false
	}
	values, isList := asStrings(v)
	if !isList {
		s, isString := v.(string)
		if !isString {
			return Display(def, f, answers, now), false
		}
		values = []string{s}
	}
	parts := make([]string, len(values))
	for i, val := range values {
		if o, ok := f.option(val); ok {
			parts[i] = o.Label
			continue
		}
		unoffered = true
		parts[i] = val
		for _, d := range older {
			if d == nil {
				continue
			}
			if old, ok := d.byKey[f.Key]; ok {
				if o, ok := old.option(val); ok {
					parts[i] = o.Label
					break
				}
			}
		}
		parts[i] += " " + UnofferedText
	}
	return strings.Join(parts, ", "), unoffered
}

// Removed lists the answered fields the current form does not have, in the
// order of the first of older that has each (keys no form has are left
// out: they are not answers).
func Removed(current *Definition, answers Answers, older []*Definition) []*Field {
	var out []*Field
	seen := map[string]bool{}
	for _, d := range older {
		if d == nil {
			continue
		}
		for _, f := range d.fields {
			if seen[f.Key] {
				continue
			}
			seen[f.Key] = true
			if _, still := current.byKey[f.Key]; still {
				continue
			}
			if hasValue(answers[f.Key]) {
				out = append(out, f)
			}
		}
	}
	return out
}

// RemovedFields lists every field of older that current does not have,
// each once (the newest form's copy first): the extra columns an export
// keeps so answers to dropped questions are not lost.
func RemovedFields(current *Definition, older []*Definition) []*Field {
	var out []*Field
	seen := map[string]bool{}
	for _, d := range older {
		if d == nil {
			continue
		}
		for _, f := range d.fields {
			if seen[f.Key] {
				continue
			}
			seen[f.Key] = true
			if _, still := current.byKey[f.Key]; !still {
				out = append(out, f)
			}
		}
	}
	return out
}

// Asked reports whether def has a field with this key: whether a person
// answering under def was asked it.
func (d *Definition) Asked(key string) bool {
	_, ok := d.byKey[key]
	return ok
}
