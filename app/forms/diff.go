package forms

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// DefinitionChange is one readable difference between two versions of a
// form, for the version history. Step and Field are the keys it concerns
// (empty when it concerns the whole form).
type DefinitionChange struct {
	Step, Field string
	Text        string // e.g. `Field "org" (Organization) added to step "About you"`
}

// Diff lists what changed from old to new: the form's own texts, steps
// added, removed, renamed or reordered, fields added, removed or moved, and
// each field property that changed (options one by one). Either side may be
// nil (nothing before, nothing after).
func Diff(old, new *Definition) []DefinitionChange {
	var out []DefinitionChange
	add := func(step, field, format string, args ...any) {
		out = append(out, DefinitionChange{Step: step, Field: field, Text: fmt.Sprintf(format, args...)})
	}
	if old == nil {
		old = &Definition{}
	}
	if new == nil {
		new = &Definition{}
	}
	text := func(what, a, b string) {
		if a != b {
			add("", "", "%s changed from %q to %q", what, a, b)
		}
	}
	text("Title", old.Title, new.Title)
	if old.Description != new.Description {
		add("", "", "Description changed")
	}
	text("Kind", old.Kind, new.Kind)

	// Steps.
	oldSteps, newSteps := map[string]*Step{}, map[string]*Step{}
	for _, s := range old.steps {
		oldSteps[s.Key] = s
	}
	for _, s := range new.steps {
		newSteps[s.Key] = s
	}
	for _, s := range old.steps {
		if newSteps[s.Key] == nil {
			add(s.Key, "", "Step %q removed", s.Title)
		}
	}
	for _, s := range new.steps {
		o := oldSteps[s.Key]
		if o == nil {
			add(s.Key, "", "Step %q added", s.Title)
			continue
		}
		if o.Title != s.Title {
			add(s.Key, "", "Step %q renamed to %q", o.Title, s.Title)
		}
		if o.Intro != s.Intro {
			add(s.Key, "", "Step %q: introduction changed", s.Title)
		}
	}
	if !slices.Equal(common(stepKeys(old.steps), newSteps), common(stepKeys(new.steps), oldSteps)) {
		titles := make([]string, len(new.steps))
		for i, s := range new.steps {
			titles[i] = fmt.Sprintf("%q", s.Title)
		}
		add("", "", "Steps reordered: %s", strings.Join(titles, ", "))
	}

	// Fields.
	stepTitle := func(d *Definition, f *Field) string { return d.steps[f.step].Title }
	for _, f := range old.fields {
		if _, ok := new.byKey[f.Key]; !ok {
			add(old.steps[f.step].Key, f.Key, "Field %q (%s) removed from step %q", f.Key, f.Label, stepTitle(old, f))
		}
	}
	for _, f := range new.fields {
		o, ok := old.byKey[f.Key]
		step := new.steps[f.step].Key
		if !ok {
			add(step, f.Key, "Field %q (%s) added to step %q", f.Key, f.Label, stepTitle(new, f))
			continue
		}
		if old.steps[o.step].Key != step {
			add(step, f.Key, "Field %q moved from step %q to step %q", f.Key, stepTitle(old, o), stepTitle(new, f))
		}
		for _, t := range fieldChanges(o, f) {
			add(step, f.Key, "Field %q: %s", f.Key, t)
		}
	}
	for _, s := range new.steps {
		o := oldSteps[s.Key]
		if o == nil {
			continue
		}
		oldKeys, newKeys := map[string]*Step{}, map[string]*Step{}
		for _, f := range o.Fields {
			oldKeys[f.Key] = o
		}
		for _, f := range s.Fields {
			newKeys[f.Key] = s
		}
		a, b := common(fieldKeys(o.Fields), newKeys), common(fieldKeys(s.Fields), oldKeys)
		if !slices.Equal(a, b) {
			add(s.Key, "", "Step %q: fields reordered (%s)", s.Title, strings.Join(fieldKeys(s.Fields), ", "))
		}
	}

	// Eligibility, benefit by benefit.
	oldB, newB := benefits(old.Eligibility), benefits(new.Eligibility)
	for _, b := range sortedKeys(oldB) {
		if _, ok := newB[b]; !ok {
			add("", "", "Eligibility: benefit %q removed", oldB[b].Name)
		}
	}
	for _, b := range sortedKeys(newB) {
		o, ok := oldB[b]
		switch {
		case !ok:
			add("", "", "Eligibility: benefit %q added", newB[b].Name)
		case !sameJSON(o, newB[b]):
			add("", "", "Eligibility: benefit %q changed", newB[b].Name)
		}
	}
	return out
}

func stepKeys(steps []*Step) []string {
	keys := make([]string, len(steps))
	for i, s := range steps {
		keys[i] = s.Key
	}
	return keys
}

func fieldKeys(fields []*Field) []string {
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.Key
	}
	return keys
}

// common keeps the keys that are also in other, in order: comparing the
// common keys of both sides tells a reorder from an addition or removal.
func common(keys []string, other map[string]*Step) []string {
	var out []string
	for _, k := range keys {
		if other[k] != nil {
			out = append(out, k)
		}
	}
	return out
}

func benefits(e *Eligibility) map[string]Benefit {
	m := map[string]Benefit{}
	if e != nil {
		for _, b := range e.Benefits {
			m[b.Key] = b
		}
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// fieldChanges describes how one field changed: the properties people
// notice by name, options one by one, and any other property by its file
// name.
func fieldChanges(o, n *Field) []string {
	var out []string
	if o.Type != n.Type {
		out = append(out, fmt.Sprintf("type changed from %s to %s", o.Type, n.Type))
	}
	if o.Label != n.Label {
		out = append(out, fmt.Sprintf("label changed from %q to %q", o.Label, n.Label))
	}
	if o.Required != n.Required {
		if n.Required {
			out = append(out, "now required")
		} else {
			out = append(out, "no longer required")
		}
	}
	oldOpts := map[string]Option{}
	for _, op := range o.Options {
		oldOpts[op.Value] = op
	}
	newOpts := map[string]Option{}
	for _, op := range n.Options {
		newOpts[op.Value] = op
	}
	for _, op := range o.Options {
		if _, ok := newOpts[op.Value]; !ok {
			out = append(out, fmt.Sprintf("option %q removed", op.Label))
		}
	}
	for _, op := range n.Options {
		was, ok := oldOpts[op.Value]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("option %q added", op.Label))
		case was.Label != op.Label:
			out = append(out, fmt.Sprintf("option %q renamed to %q", was.Label, op.Label))
		case was.Exclusive != op.Exclusive:
			out = append(out, fmt.Sprintf("option %q: exclusive changed", op.Label))
		}
	}
	var common []string
	for _, v := range o.Options {
		if _, ok := newOpts[v.Value]; ok {
			common = append(common, v.Value)
		}
	}
	var commonNew []string
	for _, v := range n.Options {
		if _, ok := oldOpts[v.Value]; ok {
			commonNew = append(commonNew, v.Value)
		}
	}
	if !slices.Equal(common, commonNew) {
		out = append(out, "options reordered")
	}
	for _, p := range o.Presets {
		if !slices.Contains(n.Presets, p) {
			out = append(out, fmt.Sprintf("preset %q removed", p))
		}
	}
	for _, p := range n.Presets {
		if !slices.Contains(o.Presets, p) {
			out = append(out, fmt.Sprintf("preset %q added", p))
		}
	}
	if o.Column != n.Column {
		switch {
		case n.Column == "":
			out = append(out, fmt.Sprintf("no longer fills the %s column", o.Column))
		case o.Column == "":
			out = append(out, fmt.Sprintf("now fills the %s column", n.Column))
		default:
			out = append(out, fmt.Sprintf("column changed from %s to %s", o.Column, n.Column))
		}
	}
	// Every other property, by its name in the file.
	handled := map[string]bool{"key": true, "type": true, "label": true, "required": true, "options": true, "presets": true, "column": true}
	om, nm := fieldMap(o), fieldMap(n)
	var names []string
	for k := range om {
		names = append(names, k)
	}
	for k := range nm {
		if _, ok := om[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		if handled[k] || reflect.DeepEqual(om[k], nm[k]) {
			continue
		}
		out = append(out, strings.ReplaceAll(k, "_", " ")+" changed")
	}
	return out
}

func fieldMap(f *Field) map[string]any {
	data, err := json.Marshal(f)
	if err != nil {
		return nil
	}
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return m
}

// PairingNeeds says in words what pairing needs from the form that it does
// not have: the fields filling the roles, time zone, availability and
// interests columns, and mentor and learner options for the role. It is
// empty when the form is complete.
func (d *Definition) PairingNeeds() []string {
	var needs []string
	for _, n := range []struct {
		col  Column
		text string
	}{
		{ColRoles, "a field filling the roles column (mentor or learner)"},
		{ColTimeZone, "a field filling the time zone column"},
		{ColAvailability, "a field filling the availability column"},
		{ColMentorInterests, "a field filling the mentor interests column (what mentors offer)"},
		{ColMenteeInterests, "a field filling the mentee interests column (what learners want)"},
	} {
		if _, ok := d.cols[n.col]; !ok {
			needs = append(needs, n.text)
		}
	}
	if f, ok := d.cols[ColRoles]; ok {
		if _, ok := f.option(RoleMentor); !ok {
			needs = append(needs, fmt.Sprintf("an option %q in the role field %q", RoleMentor, f.Key))
		}
		_, learner := f.option(RoleLearner)
		_, mentee := f.option(RoleMentee)
		if !learner && !mentee {
			needs = append(needs, fmt.Sprintf("an option %q (or %q) in the role field %q", RoleLearner, RoleMentee, f.Key))
		}
	}
	return needs
}
