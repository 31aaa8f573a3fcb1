package forms

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Eligibility lists the benefits an application can qualify for.
type Eligibility struct {
	Benefits []Benefit `json:"benefits"`
}

// Benefit is one thing an applicant may qualify for. They qualify when
// every rule in All holds and, if Any is given, at least one rule in Any.
type Benefit struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	All         []Rule `json:"all,omitempty"`
	Any         []Rule `json:"any,omitempty"`
}

// Rule is either a test on one answer (Field, Op and Value, or By and
// Table for lte_table) or a group (All or Any) of rules.
//
// Ops: eq, ne (boolean, choice, text or number fields); gt, gte, lt, lte
// (number fields); in (the answer is one of Value); contains_any,
// contains_all, contains_none (checkboxes or interests); lte_table (the
// number is at most Table[answer of By], e.g. an income limit by household
// size, with "more_per_person" added for each person beyond the largest
// size listed).
type Rule struct {
	Field string `json:"field,omitempty"`
	Op    string `json:"op,omitempty"`
	Value any    `json:"value,omitempty"`
	By    string `json:"by,omitempty"`
	Table Table  `json:"table,omitempty"`
	All   []Rule `json:"all,omitempty"`
	Any   []Rule `json:"any,omitempty"`
}

// Table maps a household size ("1", "2", …) to a limit; the key
// "more_per_person" holds the increment beyond the largest size.
type Table map[string]float64

// MorePerPerson is the Table key for the increment per extra person.
const MorePerPerson = "more_per_person"

// UnmarshalJSON insists on numbers and says which entry is not one.
func (t *Table) UnmarshalJSON(data []byte) error {
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("table must be an object of numbers")
	}
	out := Table{}
	for k, v := range raw {
		n, ok := v.(float64)
		if !ok {
			return fmt.Errorf("table entry %q must be a number, not %v", k, v)
		}
		out[k] = n
	}
	*t = out
	return nil
}

// limit is the table's value for a household of n.
func (t Table) limit(n int) (float64, bool) {
	if v, ok := t[strconv.Itoa(n)]; ok {
		return v, true
	}
	largest := 0
	for k := range t {
		if i, err := strconv.Atoi(k); err == nil && i > largest {
			largest = i
		}
	}
	if n <= largest || largest == 0 {
		return 0, false
	}
	return t[strconv.Itoa(largest)] + float64(n-largest)*t[MorePerPerson], true
}

// Result says whether an applicant qualifies for one benefit, and why.
type Result struct {
	Benefit     string // the benefit key
	Name        string
	Description string
	Eligible    bool
	// Reasons explain the outcome in plain words: when eligible, the tests
	// that qualified them; when not, the tests that failed.
	Reasons []string
}

// Evaluate checks every benefit of an application against the answers.
// Only visible, valid answers count; anything else reads as "not
// answered", so a typo can never qualify (or disqualify) anyone.
func Evaluate(def *Definition, answers Answers) []Result {
	if def.Eligibility == nil {
		return nil
	}
	out := make([]Result, 0, len(def.Eligibility.Benefits))
	for _, b := range def.Eligibility.Benefits {
		rules := append([]Rule{}, b.All...)
		if len(b.Any) > 0 {
			rules = append(rules, Rule{Any: b.Any})
		}
		ok, reasons := evalGroup(def, answers, rules, true)
		out = append(out, Result{Benefit: b.Key, Name: b.Name, Description: b.Description, Eligible: ok, Reasons: reasons})
	}
	return out
}

// evalGroup evaluates an all- or any-group and keeps the reasons that
// explain its outcome.
func evalGroup(def *Definition, a Answers, rules []Rule, all bool) (bool, []string) {
	var pass, fail []string
	passed := 0
	for _, r := range rules {
		ok, reasons := evalRule(def, a, r)
		if ok {
			passed++
			pass = append(pass, reasons...)
		} else {
			fail = append(fail, reasons...)
		}
	}
	if all {
		if passed == len(rules) {
			return true, pass
		}
		return false, fail
	}
	if passed > 0 {
		return true, pass
	}
	return false, fail
}

func evalRule(def *Definition, a Answers, r Rule) (bool, []string) {
	switch {
	case r.All != nil:
		return evalGroup(def, a, r.All, true)
	case r.Any != nil:
		return evalGroup(def, a, r.Any, false)
	}
	f := def.byKey[r.Field]
	v := validValue(def, f, a, time.Time{})
	if v == nil && hasType(f.Type, TypeCheckboxes, TypeInterests) {
		v = []string{} // an unticked list is an answer: none of them
	}
	subject := upperFirst(f.subject())
	if v == nil {
		return false, []string{subject + ": not answered"}
	}
	ok, reason := test(def, f, v, a, r)
	return ok, []string{upperFirst(reason)}
}

// test applies one op to a valid answer and says what it found.
func test(def *Definition, f *Field, v any, a Answers, r Rule) (bool, string) {
	subject := f.subject()
	shown := displayValue(f, v)
	switch r.Op {
	case "eq", "ne":
		eq := sameScalar(v, r.Value)
		if eq == (r.Op == "eq") {
			return true, subject + ": " + shown
		}
		if r.Op == "eq" {
			return false, subject + ": " + shown + " (needs " + displayValue(f, r.Value) + ")"
		}
		return false, subject + ": " + shown + " (must not be " + displayValue(f, r.Value) + ")"
	case "gt", "gte", "lt", "lte":
		n, _ := asNumber(v)
		x, _ := asNumber(r.Value)
		ok := map[string]bool{"gt": n > x, "gte": n >= x, "lt": n < x, "lte": n <= x}[r.Op]
		words := map[string][2]string{
			"gt":  {"is over", "is not over"},
			"gte": {"is at least", "is under"},
			"lt":  {"is under", "is not under"},
			"lte": {"is at most", "is over"},
		}[r.Op]
		w := words[1]
		if ok {
			w = words[0]
		}
		return ok, subject + " " + shown + " " + w + " " + humanNumber(x)
	case "in":
		list, _ := r.Value.([]any)
		for _, want := range list {
			if sameScalar(v, want) {
				return true, subject + ": " + shown
			}
		}
		return false, subject + ": " + shown + " is not one of " + displayList(f, list)
	case "contains_any", "contains_all", "contains_none":
		have, _ := asStrings(v)
		wants, _ := r.Value.([]any)
		var hit, miss []any
		for _, w := range wants {
			if containsAny(have, w) {
				hit = append(hit, w)
			} else {
				miss = append(miss, w)
			}
		}
		switch r.Op {
		case "contains_any":
			if len(hit) > 0 {
				return true, subject + " includes " + displayList(f, hit)
			}
			return false, subject + " includes none of " + displayList(f, wants)
		case "contains_all":
			if len(miss) == 0 {
				return true, subject + " includes " + displayList(f, hit)
			}
			return false, subject + " does not include " + displayList(f, miss)
		default:
			if len(hit) == 0 {
				return true, subject + " includes none of " + displayList(f, wants)
			}
			return false, subject + " includes " + displayList(f, hit)
		}
	case "lte_table":
		by := def.byKey[r.By]
		bv := validValue(def, by, a, time.Time{})
		if bv == nil {
			return false, by.subject() + ": not answered"
		}
		size, _ := asNumber(bv)
		n, _ := asNumber(v)
		limit, ok := r.Table.limit(int(size))
		head := by.subject() + " of " + humanNumber(size) + " with " + subject + " " + shown
		if !ok {
			return false, head + " has no limit listed"
		}
		if n <= limit {
			return true, head + " is within the " + humanNumber(limit) + " limit"
		}
		return false, head + " is over the " + humanNumber(limit) + " limit"
	}
	return false, subject + ": cannot be checked"
}

func displayList(f *Field, vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = displayValue(f, v)
	}
	return strings.Join(parts, ", ")
}

// ruleOps maps each op to the field types it can test.
var ruleOps = map[string][]FieldType{
	"eq":            {TypeBoolean, TypeSelect, TypeRadio, TypeText, TypeNumber},
	"ne":            {TypeBoolean, TypeSelect, TypeRadio, TypeText, TypeNumber},
	"gt":            {TypeNumber},
	"gte":           {TypeNumber},
	"lt":            {TypeNumber},
	"lte":           {TypeNumber},
	"in":            {TypeSelect, TypeRadio, TypeText, TypeNumber},
	"contains_any":  {TypeCheckboxes, TypeInterests},
	"contains_all":  {TypeCheckboxes, TypeInterests},
	"contains_none": {TypeCheckboxes, TypeInterests},
	"lte_table":     {TypeNumber},
}

// eligibility checks the rules when the definition loads, so a typo in a
// threshold table fails start-up instead of silently denying people.
func (c *checker) eligibility(d *Definition) {
	if d.Kind != KindApplication {
		c.add("", "", "eligibility is only for application forms (kind %q)", d.Kind)
	}
	if len(d.Eligibility.Benefits) == 0 {
		c.add("", "", "eligibility: no benefits listed")
	}
	seen := map[string]bool{}
	for i, b := range d.Eligibility.Benefits {
		where := fmt.Sprintf("eligibility: benefit %q: ", b.Key)
		switch {
		case !keyPattern.MatchString(b.Key):
			where = fmt.Sprintf("eligibility: benefit #%d: ", i+1)
			c.add("", "", "%skey %q must be lower-case letters, digits and _", where, b.Key)
		case seen[b.Key]:
			c.add("", "", "%sduplicate benefit key", where)
		}
		seen[b.Key] = true
		if strings.TrimSpace(b.Name) == "" {
			c.add("", "", "%sname is missing", where)
		}
		if len(b.All) == 0 && len(b.Any) == 0 {
			c.add("", "", "%sno rules (give all or any)", where)
		}
		for _, r := range b.All {
			c.rule(d, where, r)
		}
		for _, r := range b.Any {
			c.rule(d, where, r)
		}
	}
}

func (c *checker) rule(d *Definition, where string, r Rule) {
	group := r.All != nil || r.Any != nil
	test := r.Field != "" || r.Op != "" || r.Value != nil || r.By != "" || r.Table != nil
	bad := func(format string, args ...any) { c.add("", r.Field, "%s%s", where, fmt.Sprintf(format, args...)) }
	switch {
	case group && test:
		bad("a rule is either a group (all / any) or a test (field / op), not both")
		return
	case r.All != nil && r.Any != nil:
		bad("a group has either all or any, not both")
		return
	case group:
		rules := r.All
		if r.Any != nil {
			rules = r.Any
		}
		if len(rules) == 0 {
			bad("empty group")
		}
		for _, sub := range rules {
			c.rule(d, where, sub)
		}
		return
	}
	f := d.byKey[r.Field]
	if r.Field == "" {
		bad("rule needs field")
		return
	}
	if f == nil {
		bad("rule field %q is not a field of this form", r.Field)
		return
	}
	types, known := ruleOps[r.Op]
	if !known {
		bad("unknown op %q", r.Op)
		return
	}
	if !hasType(f.Type, types...) {
		bad("op %s cannot test a %s field", r.Op, f.Type)
		return
	}
	if r.Op != "lte_table" && (r.By != "" || r.Table != nil) {
		bad("by and table are only for lte_table")
	}
	switch r.Op {
	case "eq", "ne":
		c.ruleValue(f, r.Value, bad)
	case "gt", "gte", "lt", "lte":
		if _, ok := r.Value.(float64); !ok {
			bad("op %s needs a number value", r.Op)
		}
	case "in", "contains_any", "contains_all", "contains_none":
		list, ok := r.Value.([]any)
		if !ok || len(list) == 0 {
			bad("op %s needs a non-empty list value", r.Op)
			return
		}
		for _, v := range list {
			c.ruleValue(f, v, bad)
		}
	case "lte_table":
		if r.Value != nil {
			bad("lte_table takes by and table, not value")
		}
		by := d.byKey[r.By]
		switch {
		case r.By == "":
			bad("lte_table needs by (the household-size field)")
		case by == nil:
			bad("by %q is not a field of this form", r.By)
		case by.Type != TypeNumber || !by.Integer:
			bad("by %q must be a number field with integer: true", r.By)
		}
		c.table(r.Table, bad)
	}
}

// ruleValue checks a value can be compared with the field's answers.
func (c *checker) ruleValue(f *Field, v any, bad func(string, ...any)) {
	switch f.Type {
	case TypeBoolean:
		if _, ok := v.(bool); !ok {
			bad("boolean field %q compares with true or false, not %v", f.Key, v)
		}
	case TypeNumber:
		if _, ok := v.(float64); !ok {
			bad("number field %q compares with a number, not %v", f.Key, v)
		}
	default:
		s, ok := v.(string)
		if !ok {
			bad("field %q compares with a string, not %v", f.Key, v)
			return
		}
		if hasType(f.Type, TypeSelect, TypeRadio, TypeCheckboxes) {
			if _, ok := f.option(s); !ok {
				bad("%q is not an option of field %q", s, f.Key)
			}
		}
	}
}

// table checks sizes run 1, 2, 3… without gaps and limits are sane.
func (c *checker) table(t Table, bad func(string, ...any)) {
	if len(t) == 0 {
		bad("lte_table needs a table of limits by household size")
		return
	}
	var sizes []int
	for k, v := range t {
		if math.IsNaN(v) || v < 0 {
			bad("table entry %q must be a number of 0 or more", k)
		}
		if k == MorePerPerson {
			continue
		}
		n, err := strconv.Atoi(k)
		if err != nil || n < 1 || strconv.Itoa(n) != k {
			bad("table key %q must be a household size (1, 2, …) or %s", k, MorePerPerson)
			continue
		}
		sizes = append(sizes, n)
	}
	sort.Ints(sizes)
	for i, n := range sizes {
		if n != i+1 {
			bad("table sizes must run 1, 2, 3… without gaps (missing %d)", i+1)
			break
		}
	}
}
