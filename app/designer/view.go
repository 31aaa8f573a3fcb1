package designer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cohort/app/access"
	"cohort/app/authz"
	"cohort/app/forms"
	"cohort/app/web"
	"cohort/db"
)

// where says what the page shows besides the form: the step in the
// preview, the field whose form is open, and the element that gets focus.
type where struct {
	Step   int    // previewed step
	Field  string // "i-j" of the field being edited, or ""
	Anchor string // id of the element to focus / scroll to
}

func (w where) query() string {
	q := "step=" + strconv.Itoa(w.Step)
	if w.Field != "" {
		q += "&field=" + w.Field
	}
	return q
}

// fromQuery reads where from the page's query string.
func fromQuery(c *fiber.Ctx) where {
	w := where{Field: c.Query("field")}
	w.Step, _ = strconv.Atoi(c.Query("step"))
	return w
}

// pageOpts is what one response adds to the page: messages, an open form
// refilled with what was posted, the preview's try-it result.
type pageOpts struct {
	status int
	where
	errors []web.FieldError // the error summary: Field is the element id
	flash  *web.Flash
	// A form that failed, refilled with what was posted: the step form of
	// step stepForm (-1: the add-step form, -2: none), the add-field form
	// of step addForm (-1: none), the open field form (field != "").
	stepForm   int
	stepValues Values
	addForm    int
	addValues  Values
	fieldVals  Values
	inputErrs  map[string]string // input name → message, for the failed form
	eligText   *string
	eligForm   int    // the failed eligibility form: -1 add benefit, b the add-rule form of benefit b, -2 none
	eligValues Values // what it posted
	try        *tryResult
}

func newOpts() pageOpts {
	return pageOpts{status: fiber.StatusOK, stepForm: -2, addForm: -1, eligForm: -2}
}

type ruleView struct {
	Text, Delete string
}

// benefitView is one benefit of the structured eligibility editor.
type benefitView struct {
	Index                  int
	Anchor                 string
	Key, Name, Description string
	All, Any               []ruleView
	Base                   string
	Values                 Values
	Errs                   map[string]string
	Focus                  bool
}

// benefitViews lists the benefits with their rules in words.
func benefitViews(doc forms.Document, base string, o pageOpts) []benefitView {
	if doc.Eligibility == nil {
		return nil
	}
	var out []benefitView
	for b, bf := range doc.Eligibility.Benefits {
		bv := benefitView{Index: b, Anchor: "d-benefit-" + strconv.Itoa(b), Key: bf.Key, Name: bf.Name, Description: bf.Description,
			Base: base + "/benefits/" + strconv.Itoa(b), Values: Values{"rule_list": {ListAll}}, Errs: map[string]string{}}
		bv.Focus = o.Anchor == bv.Anchor
		for k, r := range bf.All {
			bv.All = append(bv.All, ruleView{RuleText(r), bv.Base + "/rules/all/" + strconv.Itoa(k) + "/delete"})
		}
		for k, r := range bf.Any {
			bv.Any = append(bv.Any, ruleView{RuleText(r), bv.Base + "/rules/any/" + strconv.Itoa(k) + "/delete"})
		}
		if o.eligForm == b {
			bv.Values, bv.Errs = o.eligValues, o.inputErrs
		}
		out = append(out, bv)
	}
	return out
}

type optRow struct {
	Index               int
	Value, Label        string
	Exclusive           bool
	First, Last         bool
	ValueID, LabelID    string
	ExclusiveID, UpName string
}

// fieldForm is the open form of one field.
type fieldForm struct {
	Action    string
	Values    Values
	Errs      map[string]string
	Problems  []string
	Types     []forms.FieldType
	Columns   []forms.Column
	Earlier   []string // keys of earlier fields, for show_if
	Zones     []string // earlier time-zone fields
	Dates     []string // earlier date fields
	Options   []optRow
	Type      forms.FieldType
	Choice    bool
	Interests bool
	Textual   bool
	Bounds    bool
	Number    bool
	List      bool
	Avail     bool
	Date      bool
	File      bool
	ShowIfOps []string
}

type fieldRow struct {
	Step, Index int
	Anchor      string
	Key, Label  string
	Type        forms.FieldType
	Required    bool
	Details     []string
	Problems    []string
	CanUp       bool
	CanDown     bool
	Form        *fieldForm
	Focus       bool
	Base        string // the field's URL
}

type stepView struct {
	Index, Num        int
	Anchor            string
	Key, Title, Intro string
	Values            Values // the step form
	Errs              map[string]string
	Problems          []string
	Fields            []fieldRow
	First, Last       bool
	Focus             bool
	Previewed         bool
	AddValues         Values
	AddErrs           map[string]string
	Base              string
}

type problemLink struct{ Anchor, Text string }

type startOption struct{ Value, Label string }

// render answers with the designer page (or, for htmx, its main region).
func (h *handlers) render(c *fiber.Ctx, st *state, o pageOpts) error {
	p, doc := st.p, st.doc
	probs := Check(doc)
	if len(st.broken) > 0 {
		probs = st.broken
	}
	base := "/admin/programs/" + p.Slug + "/form"
	if o.Step < 0 || o.Step >= len(doc.Steps) {
		o.Step = 0
	}
	byField := map[string][]string{}
	byStep := map[string][]string{}
	var links []problemLink
	for _, pr := range probs {
		switch {
		case pr.Field != "":
			byField[pr.Field] = append(byField[pr.Field], pr.Message)
		case pr.Step != "":
			byStep[pr.Step] = append(byStep[pr.Step], pr.Message)
		}
		links = append(links, problemLink{Anchor: anchorOf(doc, pr), Text: ProblemText(pr)})
	}
	total := 0
	for _, s := range doc.Steps {
		total += len(s.Fields)
	}
	var steps []stepView
	pos := 0
	for i, s := range doc.Steps {
		sv := stepView{Index: i, Num: i + 1, Anchor: "d-step-" + strconv.Itoa(i), Key: s.Key, Title: s.Title, Intro: s.Intro,
			Values: Values{"step_key": {s.Key}, "step_title": {s.Title}, "step_intro": {s.Intro}},
			First:  i == 0, Last: i == len(doc.Steps)-1, Previewed: i == o.Step,
			Base: base + "/steps/" + strconv.Itoa(i), AddValues: Values{"type": {"text"}}}
		sv.Focus = o.Anchor == sv.Anchor
		stepName := s.Key
		if stepName == "" {
			stepName = "#" + strconv.Itoa(i+1)
		}
		sv.Problems = byStep[stepName]
		if o.stepForm == i {
			sv.Values, sv.Errs = o.stepValues, o.inputErrs
		}
		if o.addForm == i {
			sv.AddValues, sv.AddErrs = o.addValues, o.inputErrs
		}
		for j, f := range s.Fields {
			key := strconv.Itoa(i) + "-" + strconv.Itoa(j)
			row := fieldRow{Step: i, Index: j, Anchor: "d-field-" + key, Key: f.Key, Label: f.Label, Type: f.Type,
				Required: f.Required, Details: details(f), Problems: byField[fieldName(f, j)],
				CanUp: pos > 0, CanDown: pos < total-1, Base: sv.Base + "/fields/" + strconv.Itoa(j)}
			row.Focus = o.Anchor == row.Anchor
			if o.Field == key {
				vals := FieldValues(f)
				if o.fieldVals != nil {
					vals = o.fieldVals
				}
				row.Form = newFieldForm(doc, i, j, vals, o.inputErrs)
				row.Form.Action = row.Base
				row.Form.Problems = row.Problems
			}
			sv.Fields = append(sv.Fields, row)
			pos++
		}
		steps = append(steps, sv)
	}

	var needs []string
	if def, ps := forms.Build("form", doc); len(ps) == 0 && doc.Kind == forms.KindMentoring {
		needs = def.PairingNeeds()
	}
	starts, err := h.startOptions(c, p)
	if err != nil {
		return err
	}
	eligText := EligibilityText(doc)
	if o.eligText != nil {
		eligText = *o.eligText
	}
	data := fiber.Map{
		"Title": "Form of " + p.Name, "Nav": "admin", "Program": p, "Base": base,
		"Doc": doc, "Revision": st.rev, "HasDraft": st.hasDraft, "Published": p.FormVersion,
		"Steps": steps, "Problems": links, "PairingNeeds": needs, "Mentoring": doc.Kind == forms.KindMentoring,
		"Ready": st.hasDraft && len(probs) == 0, "Errors": o.errors, "Flash": o.flash,
		"Starts": starts, "Eligibility": eligText,
		"ShowEligibility": doc.Kind == forms.KindApplication || doc.Eligibility != nil,
		"FocusDetails":    o.Anchor == "d-details", "FocusAddStep": o.Anchor == "d-add-step",
		"FocusPublish": o.Anchor == "d-publish", "FocusElig": o.Anchor == "d-eligibility",
		"AddStepValues": Values{}, "AddStepErrs": map[string]string{}, "InputErrs": o.inputErrs,
		"Preview":  h.previewData(c, st, o.Step, o.try),
		"Benefits": benefitViews(doc, base, o), "RuleOps": RuleOps, "FieldKeys": fieldKeys(doc),
		"AddBenefitValues": Values{"rule_op": {"eq"}}, "AddBenefitErrs": map[string]string{},
		"FocusAddBenefit": o.Anchor == "d-add-benefit",
		"Types":           FieldTypes,
	}
	if o.eligForm == -1 {
		data["AddBenefitValues"], data["AddBenefitErrs"] = o.eligValues, o.inputErrs
	}
	if o.stepForm == -1 {
		data["AddStepValues"], data["AddStepErrs"] = o.stepValues, o.inputErrs
	}
	c.Status(o.status)
	if web.IsHTMX(c) && o.flash != nil {
		// The flash region is outside the swapped main region and is
		// announced (aria-live) when its content changes.
		data["OOBFlash"] = true
	}
	return h.s.Render(c, "pages/designer", "partials/designer_main", data)
}

// fieldKeys lists every question key, for the rule editor.
func fieldKeys(doc forms.Document) []string {
	var out []string
	for _, s := range doc.Steps {
		for _, f := range s.Fields {
			out = append(out, f.Key)
		}
	}
	return out
}

// fieldName is how the checker names a field in its problems.
func fieldName(f *forms.Field, j int) string {
	if f.Key == "" {
		return "#" + strconv.Itoa(j+1)
	}
	return f.Key
}

// anchorOf is the element a problem's summary link points at.
func anchorOf(doc forms.Document, p forms.Problem) string {
	if strings.HasPrefix(p.Message, "eligibility") {
		return "d-eligibility-title"
	}
	for i, s := range doc.Steps {
		for j, f := range s.Fields {
			if p.Field != "" && fieldName(f, j) == p.Field {
				return "d-field-" + strconv.Itoa(i) + "-" + strconv.Itoa(j)
			}
		}
		if p.Field == "" && p.Step != "" && (s.Key == p.Step || "#"+strconv.Itoa(i+1) == p.Step) {
			return "d-step-" + strconv.Itoa(i)
		}
	}
	return "d-details"
}

// showIfWords say a show_if comparison in words.
var showIfWords = map[string]string{ShowIfEquals: "is", ShowIfIn: "is one of", ShowIfContains: "includes"}

// details describes a field's settings in words for the list.
func details(f *forms.Field) []string {
	var out []string
	if n := len(f.Options); n > 0 {
		out = append(out, plural(n, "option"))
	}
	if n := len(f.Presets); n > 0 {
		out = append(out, plural(n, "preset"))
	}
	if f.ShowIf != nil {
		op, text := ShowIfText(f.ShowIf)
		out = append(out, fmt.Sprintf("shown when %s %s %s", f.ShowIf.Field, showIfWords[op], text))
	}
	if f.Column != "" {
		out = append(out, "fills the "+strings.ReplaceAll(string(f.Column), "_", " ")+" column")
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// newFieldForm prepares the open form of field j of step i.
func newFieldForm(doc forms.Document, i, j int, vals Values, errs map[string]string) *fieldForm {
	ff := &fieldForm{Values: vals, Errs: errs, Types: FieldTypes, Columns: Columns,
		ShowIfOps: []string{ShowIfEquals, ShowIfIn, ShowIfContains}}
	if ff.Errs == nil {
		ff.Errs = map[string]string{}
	}
	// Fields before this one: the only ones a rule may depend on.
	for si, s := range doc.Steps {
		for sj, f := range s.Fields {
			if si > i || (si == i && sj >= j) {
				continue
			}
			ff.Earlier = append(ff.Earlier, f.Key)
			switch f.Type {
			case forms.TypeTimezone:
				ff.Zones = append(ff.Zones, f.Key)
			case forms.TypeDate:
				ff.Dates = append(ff.Dates, f.Key)
			}
		}
	}
	ff.Type = forms.FieldType(vals.Get("type"))
	ff.Choice = slices.Contains(choiceTypes, ff.Type)
	ff.Interests = ff.Type == forms.TypeInterests
	ff.Textual = slices.Contains(textualTypes, ff.Type)
	ff.Bounds = slices.Contains(boundTypes, ff.Type)
	ff.Number = ff.Type == forms.TypeNumber
	ff.List = slices.Contains(listTypes, ff.Type)
	ff.Avail = ff.Type == forms.TypeAvailability
	ff.Date = ff.Type == forms.TypeDate
	ff.File = ff.Type == forms.TypeFile
	values, labels := vals["opt_value"], vals["opt_label"]
	for k := range values {
		r := optRow{Index: k, Value: values[k], First: k == 0, Last: k == len(values)-1,
			Exclusive: slices.Contains(vals["opt_exclusive"], strconv.Itoa(k))}
		if k < len(labels) {
			r.Label = labels[k]
		}
		r.ValueID = "d-f-opt-" + strconv.Itoa(k) + "-value"
		r.LabelID = "d-f-opt-" + strconv.Itoa(k) + "-label"
		r.ExclusiveID = "d-f-opt-" + strconv.Itoa(k) + "-exclusive"
		ff.Options = append(ff.Options, r)
	}
	return ff
}

// startOptions lists what a draft may start from: an empty form, each
// built-in form, and the current form of every other program the person
// may manage.
func (h *handlers) startOptions(c *fiber.Ctx, p *db.Program) ([]startOption, error) {
	out := []startOption{{"empty", "An empty form"}}
	reg := h.src.Builtin()
	for _, k := range reg.Keys() {
		def, _ := reg.Get(k)
		out = append(out, startOption{"builtin:" + k, "The built-in form “" + def.Title + "”"})
	}
	programs, err := h.s.Store().ListPrograms(c.UserContext())
	if err != nil {
		return nil, err
	}
	for _, other := range programs {
		if other.ID == p.ID {
			continue
		}
		ok, err := access.Can(c, h.s, authz.ProgramManage, other.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, startOption{"program:" + other.Slug, "The current form of “" + other.Name + "”"})
		}
	}
	return out, nil
}
