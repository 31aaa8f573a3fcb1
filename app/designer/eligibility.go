package designer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cohort/app/forms"
)

// RuleOps are the rule tests the structured eligibility editor offers, in
// words. lte_table (a limit by household size) and nested groups are
// edited in the JSON block.
var RuleOps = []struct{ Op, Words string }{
	{"eq", "is"}, {"ne", "is not"},
	{"gt", "is over"}, {"gte", "is at least"}, {"lt", "is under"}, {"lte", "is at most"},
	{"in", "is one of"},
	{"contains_any", "includes any of"}, {"contains_all", "includes all of"}, {"contains_none", "includes none of"},
}

func opWords(op string) string {
	for _, o := range RuleOps {
		if o.Op == op {
			return o.Words
		}
	}
	if op == "lte_table" {
		return "is at most the limit for the household size in"
	}
	return op
}

// Rule lists of a benefit: every rule must hold, or at least one.
const (
	ListAll = "all"
	ListAny = "any"
)

// RuleInput is what the add-rule form sends.
type RuleInput struct {
	Field, Op, Value string
}

// rule reads a rule; its value takes the type the field's answers have
// (numbers, yes/no, text), and lists are separated by commas.
func (in RuleInput) rule(doc forms.Document) (forms.Rule, error) {
	var errs InputErrors
	if in.Field == "" {
		errs = append(errs, InputError{"rule_field", "Choose the question the rule tests."})
	}
	if !slices.ContainsFunc(RuleOps, func(o struct{ Op, Words string }) bool { return o.Op == in.Op }) {
		errs = append(errs, InputError{"rule_op", "Choose how the answer is tested."})
	}
	if strings.TrimSpace(in.Value) == "" {
		errs = append(errs, InputError{"rule_value", "Enter the value the answer is tested against."})
	}
	if len(errs) > 0 {
		return forms.Rule{}, errs
	}
	var ftype forms.FieldType
	if i, j, ok := FieldPlace(doc, in.Field); ok {
		ftype = doc.Steps[i].Fields[j].Type
	}
	one := func(s string) (any, error) {
		s = strings.TrimSpace(s)
		switch ftype {
		case forms.TypeNumber:
			n, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, InputErrors{{"rule_value", fmt.Sprintf("%s is a number question: enter a number, not %q.", in.Field, s)}}
			}
			return n, nil
		case forms.TypeBoolean:
			switch strings.ToLower(s) {
			case "yes", "true":
				return true, nil
			case "no", "false":
				return false, nil
			}
			return nil, InputErrors{{"rule_value", fmt.Sprintf("%s is a yes/no question: enter yes or no, not %q.", in.Field, s)}}
		}
		return s, nil
	}
	r := forms.Rule{Field: in.Field, Op: in.Op}
	switch in.Op {
	case "in", "contains_any", "contains_all", "contains_none":
		var list []any
		for _, part := range splitList(in.Value, ",") {
			v, err := one(part)
			if err != nil {
				return forms.Rule{}, err
			}
			list = append(list, v)
		}
		r.Value = list
	default:
		v, err := one(in.Value)
		if err != nil {
			return forms.Rule{}, err
		}
		r.Value = v
	}
	return r, nil
}

// BenefitInput is what the add-benefit form sends: the benefit and its
// first rule (a benefit without rules is a problem).
type BenefitInput struct {
	Key, Name, Description string
	Rule                   RuleInput
}

// AddBenefit appends a benefit with its first rule (in "all").
func AddBenefit(in BenefitInput) Edit {
	return func(doc *forms.Document) error {
		var errs InputErrors
		if strings.TrimSpace(in.Key) == "" {
			errs = append(errs, InputError{"benefit_key", "Enter a key for the benefit (lower-case letters, digits and _)."})
		}
		if strings.TrimSpace(in.Name) == "" {
			errs = append(errs, InputError{"benefit_name", "Enter the benefit's name."})
		}
		r, err := in.Rule.rule(*doc)
		if ie, ok := err.(InputErrors); ok {
			errs = append(errs, ie...)
		} else if err != nil {
			return err
		}
		if len(errs) > 0 {
			return errs
		}
		if doc.Eligibility == nil {
			doc.Eligibility = &forms.Eligibility{}
		}
		doc.Eligibility.Benefits = append(doc.Eligibility.Benefits, forms.Benefit{
			Key: strings.TrimSpace(in.Key), Name: strings.TrimSpace(in.Name), Description: strings.TrimSpace(in.Description),
			All: []forms.Rule{r},
		})
		return nil
	}
}

func benefitAt(doc *forms.Document, b int) (*forms.Benefit, error) {
	if doc.Eligibility == nil || b < 0 || b >= len(doc.Eligibility.Benefits) {
		return nil, fmt.Errorf("that benefit no longer exists; reload the page")
	}
	return &doc.Eligibility.Benefits[b], nil
}

// DeleteBenefit removes benefit b; removing the last one removes the
// eligibility rules altogether.
func DeleteBenefit(b int) Edit {
	return func(doc *forms.Document) error {
		if _, err := benefitAt(doc, b); err != nil {
			return err
		}
		doc.Eligibility.Benefits = slices.Delete(doc.Eligibility.Benefits, b, b+1)
		if len(doc.Eligibility.Benefits) == 0 {
			doc.Eligibility = nil
		}
		return nil
	}
}

func ruleList(bf *forms.Benefit, list string) (*[]forms.Rule, error) {
	switch list {
	case ListAll:
		return &bf.All, nil
	case ListAny:
		return &bf.Any, nil
	}
	return nil, InputErrors{{"rule_list", "Choose whether every rule must hold or at least one."}}
}

// AddRule appends a rule to the all or any list of benefit b.
func AddRule(b int, list string, in RuleInput) Edit {
	return func(doc *forms.Document) error {
		bf, err := benefitAt(doc, b)
		if err != nil {
			return err
		}
		rules, err := ruleList(bf, list)
		if err != nil {
			return err
		}
		r, err := in.rule(*doc)
		if err != nil {
			return err
		}
		*rules = append(*rules, r)
		return nil
	}
}

// DeleteRule removes rule k of the all or any list of benefit b.
func DeleteRule(b int, list string, k int) Edit {
	return func(doc *forms.Document) error {
		bf, err := benefitAt(doc, b)
		if err != nil {
			return err
		}
		rules, err := ruleList(bf, list)
		if err != nil {
			return err
		}
		if k < 0 || k >= len(*rules) {
			return fmt.Errorf("that rule no longer exists; reload the page")
		}
		*rules = slices.Delete(*rules, k, k+1)
		if len(*rules) == 0 {
			*rules = nil
		}
		return nil
	}
}

// RuleText says a rule in words, e.g. `income is at most 30000`.
func RuleText(r forms.Rule) string {
	switch {
	case r.All != nil:
		return "all of: " + rulesText(r.All)
	case r.Any != nil:
		return "any of: " + rulesText(r.Any)
	case r.Op == "lte_table":
		return fmt.Sprintf("%s %s %s", r.Field, opWords(r.Op), r.By)
	}
	return fmt.Sprintf("%s %s %s", r.Field, opWords(r.Op), valueText(r.Value))
}

func rulesText(rules []forms.Rule) string {
	parts := make([]string, len(rules))
	for i, r := range rules {
		parts[i] = RuleText(r)
	}
	return "(" + strings.Join(parts, "; ") + ")"
}

func valueText(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = valueText(p)
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}
