package designer

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cohort/app/forms"
	"cohort/app/web"
	"cohort/db"
)

// staleMessage is what an admin reads when another admin saved the draft
// after their page was loaded.
const staleMessage = "Someone else changed this form; reload to see their changes."

// done are the confirmations a redirect may ask the page to show (a key in
// the query string, never free text).
var done = map[string]string{
	"details":     "Form details saved.",
	"step-added":  "Step added.",
	"step-saved":  "Step saved.",
	"step-moved":  "Step moved.",
	"step-del":    "Step deleted.",
	"field-added": "Question added. Fill in its details below.",
	"field-saved": "Question saved.",
	"option":      "Options changed and saved.",
	"field-moved": "Question moved.",
	"field-del":   "Question deleted.",
	"elig":        "Eligibility rules saved.",
	"benefit":     "Benefit added.",
	"benefit-del": "Benefit deleted.",
	"rule":        "Rule added.",
	"rule-del":    "Rule deleted.",
	"started":     "A new draft was started.",
	"published":   "Published. Members now answer this version.",
	"discarded":   "Draft discarded. The published form is unchanged.",
}

// failure says how a failed change re-renders: which form to refill with
// what was posted, and the element id prefix of its inputs.
type failure struct {
	prefix string // of the failed form's input ids
	anchor string // where a message not about one input points
	apply  func(o *pageOpts)
}

// change applies edit to the draft, checks it and saves it under the
// revision the page was showing. On success a plain request is redirected
// (post/redirect/get) to the page showing to, an htmx request gets the
// main region with focus there; on failure the page comes back with the
// posted values kept and every message in the error summary.
func (h *handlers) change(c *fiber.Ctx, edit Edit, renames map[string]string, doneKey string, to func(doc forms.Document) where, fail failure) error {
	st, err := h.load(c)
	if err != nil {
		return err
	}
	o := newOpts()
	o.where = fromQuery(c)
	if fail.apply != nil {
		fail.apply(&o)
	}
	if base := baseRevision(c); base != st.rev {
		return h.stale(c, st, o)
	}
	if len(st.broken) > 0 {
		o.status = fiber.StatusUnprocessableEntity
		o.errors = []web.FieldError{{Field: "d-start", Message: "The draft cannot be read; start a new draft below."}}
		return h.render(c, st, o)
	}
	doc, err := Apply(st.doc, edit, renames)
	if err != nil {
		o.status = fiber.StatusUnprocessableEntity
		o.errors, o.inputErrs = explain(st.doc, err, fail)
		return h.render(c, st, o)
	}
	rev, err := h.save(c, st, doc)
	if errors.Is(err, db.ErrStale) {
		return h.stale(c, st, o)
	}
	if err != nil {
		return err
	}
	w := to(doc)
	if !web.IsHTMX(c) {
		return c.Redirect(formLink(st.p, w.query()+"&done="+doneKey, w.Anchor), fiber.StatusSeeOther)
	}
	st.doc, st.rev, st.hasDraft = doc, rev, true
	o = newOpts()
	o.where = w
	o.flash = &web.Flash{Kind: "success", Message: done[doneKey]}
	return h.render(c, st, o)
}

// save writes doc as the draft over the revision the page showed.
func (h *handlers) save(c *fiber.Ctx, st *state, doc forms.Document) (int, error) {
	data, err := forms.ExportDocument(doc)
	if err != nil {
		return 0, err
	}
	return h.s.Store().SaveFormDraft(auditCtx(c), st.p.ID, string(data), baseRevision(c), web.CurrentPerson(c).ID)
}

// auditCtx carries the request id to the audit events the store writes
// with every draft save, discard and publish.
func auditCtx(c *fiber.Ctx) context.Context {
	return db.WithRequestID(c.UserContext(), web.RequestID(c))
}

// stale answers a change made on an outdated page: the page as it is now,
// the admin's posted form still filled in, and the conflict message.
func (h *handlers) stale(c *fiber.Ctx, st *state, o pageOpts) error {
	fresh, err := h.load(c)
	if err != nil {
		return err
	}
	_ = st
	o.status = fiber.StatusConflict
	o.errors = []web.FieldError{{Field: "d-reload", Message: staleMessage}}
	return h.render(c, fresh, o)
}

// explain turns an edit's error into the summary and per-input messages.
func explain(doc forms.Document, err error, fail failure) ([]web.FieldError, map[string]string) {
	prefix, fallback := fail.prefix, fail.anchor
	if fallback == "" {
		fallback = prefix + "key"
	}
	inputs := map[string]string{}
	var ie InputErrors
	var r *Refusal
	switch {
	case errors.As(err, &ie):
		var out []web.FieldError
		for _, e := range ie {
			out = append(out, web.FieldError{Field: prefix + e.Input, Message: e.Message})
			if _, dup := inputs[e.Input]; !dup {
				inputs[e.Input] = e.Message
			}
		}
		return out, inputs
	case errors.As(err, &r):
		var out []web.FieldError
		for _, p := range r.Problems {
			anchor := fallback
			if _, _, ok := FieldPlace(doc, p.Field); ok && p.Field != "" {
				anchor = anchorOf(doc, p)
			}
			out = append(out, web.FieldError{Field: anchor, Message: ProblemText(p)})
		}
		return out, inputs
	}
	return []web.FieldError{{Field: fallback, Message: capitalise(err.Error()) + "."}}, inputs
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// page shows the designer.
func (h *handlers) page(c *fiber.Ctx) error {
	st, err := h.load(c)
	if err != nil {
		return err
	}
	o := newOpts()
	o.where = fromQuery(c)
	if o.Field != "" {
		// The question's form was opened: its first input takes focus.
		o.Anchor = "d-field-" + o.Field
	}
	if msg, ok := done[c.Query("done")]; ok {
		o.flash = &web.Flash{Kind: "success", Message: msg}
	}
	return h.render(c, st, o)
}

func values(c *fiber.Ctx) Values {
	in := Values{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		in[string(k)] = append(in[string(k)], string(v))
	})
	if mf, err := c.MultipartForm(); err == nil && mf != nil {
		for k, v := range mf.Value {
			in[k] = append(in[k], v...)
		}
	}
	return in
}

func (h *handlers) details(c *fiber.Ctx) error {
	edit := SetDetails(c.FormValue("title"), c.FormValue("description"))
	return h.change(c, edit, nil, "details", func(forms.Document) where {
		return where{Step: fromQuery(c).Step, Anchor: "d-details"}
	}, failure{prefix: "d-"})
}

func stepInput(in Values) StepInput {
	return StepInput{Key: in.Get("step_key"), Title: in.Get("step_title"), Intro: in.Get("step_intro")}
}

func (h *handlers) addStep(c *fiber.Ctx) error {
	in := values(c)
	return h.change(c, AddStep(stepInput(in)), nil, "step-added", func(doc forms.Document) where {
		i := len(doc.Steps) - 1
		return where{Step: i, Anchor: "d-step-" + strconv.Itoa(i)}
	}, failure{prefix: "d-new-", apply: func(o *pageOpts) { o.stepForm, o.stepValues, o.Anchor = -1, in, "d-add-step" }})
}

func (h *handlers) saveStep(c *fiber.Ctx) error {
	i, err := pathIndex(c, "i")
	if err != nil {
		return err
	}
	in := values(c)
	return h.change(c, UpdateStep(i, stepInput(in)), nil, "step-saved", func(forms.Document) where {
		return where{Step: i, Anchor: "d-step-" + strconv.Itoa(i)}
	}, failure{prefix: "d-s" + strconv.Itoa(i) + "-", apply: func(o *pageOpts) { o.stepForm, o.stepValues = i, in }})
}

func direction(c *fiber.Ctx) int {
	if c.FormValue("dir") == "up" {
		return -1
	}
	return 1
}

func (h *handlers) moveStep(c *fiber.Ctx) error {
	i, err := pathIndex(c, "i")
	if err != nil {
		return err
	}
	d := direction(c)
	return h.change(c, MoveStep(i, d), nil, "step-moved", func(forms.Document) where {
		return where{Step: i + d, Anchor: "d-step-" + strconv.Itoa(i+d)}
	}, failure{anchor: "d-step-" + strconv.Itoa(i)})
}

func (h *handlers) deleteStep(c *fiber.Ctx) error {
	i, err := pathIndex(c, "i")
	if err != nil {
		return err
	}
	return h.change(c, DeleteStep(i), nil, "step-del", func(doc forms.Document) where {
		if len(doc.Steps) == 0 {
			return where{Anchor: "d-add-step"}
		}
		k := min(i, len(doc.Steps)-1)
		return where{Step: k, Anchor: "d-step-" + strconv.Itoa(k)}
	}, failure{anchor: "d-step-" + strconv.Itoa(i)})
}

// newField is a field made from the add form: key, type, label, and for
// the types that cannot exist without them, their choices (one a line,
// "value | label" or just the label) and sensible file limits.
func newField(doc forms.Document, step int, in Values) (*forms.Field, error) {
	f := &forms.Field{Key: in.Get("key"), Type: forms.FieldType(in.Get("type")), Label: in.Get("label")}
	var errs InputErrors
	if f.Key == "" {
		errs = append(errs, InputError{"key", "Enter a key (lower-case letters, digits and _)."})
	}
	if f.Label == "" {
		errs = append(errs, InputError{"label", "Enter the question as members read it."})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	choices := lines(in.Get("choices"))
	switch f.Type {
	case forms.TypeSelect, forms.TypeRadio, forms.TypeCheckboxes:
		for _, l := range choices {
			v, label, ok := cutTrim(l, "|")
			if !ok {
				label = v
			}
			f.Options = append(f.Options, forms.Option{Value: v, Label: label})
		}
	case forms.TypeInterests:
		f.Presets = choices
	case forms.TypeAvailability:
		// The nearest earlier time-zone question, if there is one.
		for si := 0; si <= step && si < len(doc.Steps); si++ {
			for _, g := range doc.Steps[si].Fields {
				if g.Type == forms.TypeTimezone {
					f.TimezoneField = g.Key
				}
			}
		}
	case forms.TypeFile:
		f.Accept, f.MaxSize = []string{"application/pdf"}, 5<<20
	}
	return f, nil
}

func (h *handlers) addField(c *fiber.Ctx) error {
	i, err := pathIndex(c, "i")
	if err != nil {
		return err
	}
	in := values(c)
	st, err := h.load(c)
	if err != nil {
		return err
	}
	prefix := "d-s" + strconv.Itoa(i) + "-new-"
	f, ferr := newField(st.doc, i, in)
	edit := func(doc *forms.Document) error {
		if ferr != nil {
			return ferr
		}
		return AddField(i, f)(doc)
	}
	return h.change(c, edit, nil, "field-added", func(doc forms.Document) where {
		j := len(doc.Steps[i].Fields) - 1
		key := strconv.Itoa(i) + "-" + strconv.Itoa(j)
		return where{Step: i, Field: key, Anchor: "d-field-" + key}
	}, failure{prefix: prefix, apply: func(o *pageOpts) { o.addForm, o.addValues, o.Anchor = i, in, "d-step-"+strconv.Itoa(i) }})
}

func (h *handlers) fieldIndexes(c *fiber.Ctx) (int, int, error) {
	i, err := pathIndex(c, "i")
	if err != nil {
		return 0, 0, err
	}
	j, err := pathIndex(c, "j")
	return i, j, err
}

func (h *handlers) saveField(c *fiber.Ctx) error {
	i, j, err := h.fieldIndexes(c)
	if err != nil {
		return err
	}
	in := values(c)
	st, err := h.load(c)
	if err != nil {
		return err
	}
	key := strconv.Itoa(i) + "-" + strconv.Itoa(j)
	var current *forms.Field
	if i < len(st.doc.Steps) && j < len(st.doc.Steps[i].Fields) {
		current = st.doc.Steps[i].Fields[j]
	}
	f, perr := ParseField(in, st.doc, current)
	renames := map[string]string{}
	if current != nil && f != nil && current.Key != f.Key {
		renames[current.Key] = f.Key
	}
	edit := func(doc *forms.Document) error {
		if perr != nil {
			return perr
		}
		return UpdateField(i, j, f)(doc)
	}
	op := in.Get("op")
	doneKey := "field-saved"
	if op != "" && op != opSave {
		doneKey = "option"
	}
	return h.change(c, edit, renames, doneKey, func(doc forms.Document) where {
		w := where{Step: i, Anchor: "d-field-" + key}
		if doneKey == "option" {
			// Still editing the options: keep the form open.
			w.Field = key
		}
		return w
	}, failure{prefix: "d-f-", apply: func(o *pageOpts) { o.Field, o.fieldVals, o.Anchor, o.Step = key, in, "d-field-"+key, i }})
}

func (h *handlers) moveField(c *fiber.Ctx) error {
	i, j, err := h.fieldIndexes(c)
	if err != nil {
		return err
	}
	d := direction(c)
	st, err := h.load(c)
	if err != nil {
		return err
	}
	var key string
	if i < len(st.doc.Steps) && j < len(st.doc.Steps[i].Fields) {
		key = st.doc.Steps[i].Fields[j].Key
	}
	return h.change(c, MoveField(i, j, d), nil, "field-moved", func(doc forms.Document) where {
		si, sj, _ := FieldPlace(doc, key)
		return where{Step: si, Anchor: "d-field-" + strconv.Itoa(si) + "-" + strconv.Itoa(sj)}
	}, failure{anchor: "d-field-" + strconv.Itoa(i) + "-" + strconv.Itoa(j)})
}

func (h *handlers) deleteField(c *fiber.Ctx) error {
	i, j, err := h.fieldIndexes(c)
	if err != nil {
		return err
	}
	return h.change(c, DeleteField(i, j), nil, "field-del", func(doc forms.Document) where {
		return where{Step: i, Anchor: "d-step-" + strconv.Itoa(i)}
	}, failure{anchor: "d-field-" + strconv.Itoa(i) + "-" + strconv.Itoa(j)})
}

func (h *handlers) eligibility(c *fiber.Ctx) error {
	text := c.FormValue("eligibility")
	return h.change(c, SetEligibility(text), nil, "elig", func(forms.Document) where {
		return where{Step: fromQuery(c).Step, Anchor: "d-eligibility"}
	}, failure{prefix: "d-", apply: func(o *pageOpts) { o.eligText, o.Anchor = &text, "d-eligibility" }})
}

func cutTrim(s, sep string) (string, string, bool) {
	a, b, ok := strings.Cut(s, sep)
	return strings.TrimSpace(a), strings.TrimSpace(b), ok
}

func ruleInput(in Values) RuleInput {
	return RuleInput{Field: in.Get("rule_field"), Op: in.Get("rule_op"), Value: in.Get("rule_value")}
}

func (h *handlers) addBenefit(c *fiber.Ctx) error {
	in := values(c)
	edit := AddBenefit(BenefitInput{Key: in.Get("benefit_key"), Name: in.Get("benefit_name"),
		Description: in.Get("benefit_description"), Rule: ruleInput(in)})
	return h.change(c, edit, nil, "benefit", func(doc forms.Document) where {
		return where{Step: fromQuery(c).Step, Anchor: "d-benefit-" + strconv.Itoa(len(doc.Eligibility.Benefits)-1)}
	}, failure{prefix: "d-b-new-", anchor: "d-eligibility", apply: func(o *pageOpts) { o.eligForm, o.eligValues, o.Anchor = -1, in, "d-add-benefit" }})
}

func (h *handlers) deleteBenefit(c *fiber.Ctx) error {
	b, err := pathIndex(c, "b")
	if err != nil {
		return err
	}
	return h.change(c, DeleteBenefit(b), nil, "benefit-del", func(forms.Document) where {
		return where{Step: fromQuery(c).Step, Anchor: "d-eligibility-title"}
	}, failure{anchor: "d-benefit-" + strconv.Itoa(b)})
}

func (h *handlers) addRule(c *fiber.Ctx) error {
	b, err := pathIndex(c, "b")
	if err != nil {
		return err
	}
	in := values(c)
	prefix := "d-b" + strconv.Itoa(b) + "-"
	return h.change(c, AddRule(b, in.Get("rule_list"), ruleInput(in)), nil, "rule", func(forms.Document) where {
		return where{Step: fromQuery(c).Step, Anchor: "d-benefit-" + strconv.Itoa(b)}
	}, failure{prefix: prefix, anchor: "d-benefit-" + strconv.Itoa(b), apply: func(o *pageOpts) { o.eligForm, o.eligValues, o.Anchor = b, in, "d-benefit-"+strconv.Itoa(b) }})
}

func (h *handlers) deleteRule(c *fiber.Ctx) error {
	b, err := pathIndex(c, "b")
	if err != nil {
		return err
	}
	k, err := pathIndex(c, "k")
	if err != nil {
		return err
	}
	return h.change(c, DeleteRule(b, c.Params("list"), k), nil, "rule-del", func(forms.Document) where {
		return where{Step: fromQuery(c).Step, Anchor: "d-benefit-" + strconv.Itoa(b)}
	}, failure{anchor: "d-benefit-" + strconv.Itoa(b)})
}
