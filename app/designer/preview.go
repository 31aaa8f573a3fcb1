package designer

import (
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/enroll"
	"cohort/app/forms"
	"cohort/app/web"
)

// Previewable builds a definition to preview from a draft that may still
// have problems: what the checker objects to (a field with a mistake, a
// step without questions) is left out, so the rest still shows as members
// would see it. Steps are keyed "step0", "step1", … by their place in the
// draft. It returns the definition (nil when nothing is left) and how many
// questions were left out.
func Previewable(doc forms.Document) (*forms.Definition, int) {
	d, err := Clone(doc)
	if err != nil {
		return nil, 0
	}
	d.Key, d.Version, d.Eligibility = "preview", 1, nil
	if d.Title == "" {
		d.Title = "Preview"
	}
	switch d.Kind {
	case forms.KindMentoring, forms.KindApplication, forms.KindMembership:
	default:
		d.Kind = forms.KindMembership
	}
	for i, s := range d.Steps {
		s.Key = "step" + strconv.Itoa(i)
		if s.Title == "" {
			s.Title = "Step " + strconv.Itoa(i+1)
		}
	}
	left := 0
	// Each pass removes what the checker named; removing a field can leave
	// a later one pointing at nothing, so repeat (a form has few fields).
	for range 50 {
		def, probs := forms.Build("preview", d)
		if len(probs) == 0 {
			return def, left
		}
		drop := map[string]bool{}
		for _, p := range probs {
			drop[p.Step+"\x00"+p.Field] = true
		}
		var steps []*forms.Step
		for _, s := range d.Steps {
			if drop[s.Key+"\x00"] && len(s.Fields) == 0 {
				continue
			}
			var kept []*forms.Field
			for j, f := range s.Fields {
				if drop[s.Key+"\x00"+fieldName(f, j)] {
					left++
					continue
				}
				kept = append(kept, f)
			}
			s.Fields = kept
			if len(s.Fields) > 0 {
				steps = append(steps, s)
			}
		}
		if len(steps) == len(d.Steps) && sameCount(steps, d.Steps) {
			return nil, left // nothing more to remove, yet still not valid
		}
		d.Steps = steps
		if len(d.Steps) == 0 {
			return nil, left
		}
	}
	return nil, left
}

func sameCount(a, b []*forms.Step) bool {
	for i := range a {
		if len(a[i].Fields) != len(b[i].Fields) {
			return false
		}
	}
	return true
}

// tryResult is what "try it" found in the sample answers.
type tryResult struct {
	in map[string][]string
}

type previewStep struct {
	Index int
	Title string
	Link  string
	Here  bool
}

// previewData is the preview of step i of the draft, and with try the
// sample answers and what was wrong with them.
func (h *handlers) previewData(c *fiber.Ctx, st *state, i int, try *tryResult) fiber.Map {
	base := "/admin/programs/" + st.p.Slug + "/form"
	out := fiber.Map{"Base": base, "Index": i, "CSRF": web.CSRFToken(c)}
	var steps []previewStep
	for k, s := range st.doc.Steps {
		title := s.Title
		if title == "" {
			title = "Step " + strconv.Itoa(k+1)
		}
		steps = append(steps, previewStep{Index: k, Title: title, Link: base + "?step=" + strconv.Itoa(k), Here: k == i})
	}
	out["Steps"] = steps
	def, left := Previewable(st.doc)
	out["LeftOut"] = left
	if def == nil || i >= len(st.doc.Steps) {
		return out
	}
	step, _, ok := def.Step("step" + strconv.Itoa(i))
	if !ok {
		out["Empty"] = true
		return out
	}
	now := h.s.Store().Now()
	in := map[string][]string{}
	var answers forms.Answers
	var errs []forms.FieldError
	if try != nil {
		in = try.in
		answers, errs = forms.ParseStep(def, step.Key, in, nil, now)
		form := web.NewForm(nil)
		for _, e := range errs {
			form.Add(e.Field, e.Message)
		}
		out["Tried"] = true
		out["TryForm"] = form
	}
	out["Step"] = step
	out["Fields"] = enroll.FieldViews(def, step, in, answers, errs, now)
	// A question that depends on an answer not given here is hidden, as
	// for a member who gave a different one; say which, and when it shows.
	var hidden []string
	for _, f := range step.Fields {
		if f.ShowIf != nil && !def.Visible(f, answers) {
			op, text := ShowIfText(f.ShowIf)
			hidden = append(hidden, fmt.Sprintf("%s (when %s %s %s)", f.Label, f.ShowIf.Field, showIfWords[op], text))
		}
	}
	out["Hidden"] = hidden
	out["Action"] = base + "/try?step=" + strconv.Itoa(i)
	return out
}

// preview answers the preview region alone (the step links use it).
func (h *handlers) preview(c *fiber.Ctx) error {
	st, err := h.load(c)
	if err != nil {
		return err
	}
	w := fromQuery(c)
	if !web.IsHTMX(c) {
		return c.Redirect(formLink(st.p, w.query(), "designer-preview"), fiber.StatusSeeOther)
	}
	c.Vary("HX-Request")
	return c.Render("partials/designer_preview", h.s.Data(c, fiber.Map{"Preview": h.previewData(c, st, w.Step, nil)}))
}

// try validates sample answers for the previewed step with the member's
// own parser and shows what a member would see. Nothing is saved.
func (h *handlers) try(c *fiber.Ctx) error {
	st, err := h.load(c)
	if err != nil {
		return err
	}
	in := map[string][]string{}
	for k, v := range values(c) {
		if k != "_csrf" && k != "nav" && k != "version" {
			in[k] = v
		}
	}
	w := fromQuery(c)
	if w.Step < 0 || w.Step >= len(st.doc.Steps) {
		return apperr.New(apperr.NotFound, "That step does not exist; reload the form.")
	}
	t := &tryResult{in: in}
	if web.IsHTMX(c) {
		c.Vary("HX-Request")
		return c.Render("partials/designer_preview", h.s.Data(c, fiber.Map{"Preview": h.previewData(c, st, w.Step, t)}))
	}
	o := newOpts()
	o.where = w
	o.Anchor = "designer-preview"
	o.try = t
	return h.render(c, st, o)
}

// previewField is the live preview: the step of the question being
// edited, drawn with the question as its form stands now, unsaved. Only
// htmx asks for it (the form's inputs trigger it as the admin types); the
// draft is not touched.
func (h *handlers) previewField(c *fiber.Ctx) error {
	i, j, err := h.fieldIndexes(c)
	if err != nil {
		return err
	}
	st, err := h.load(c)
	if err != nil {
		return err
	}
	if !web.IsHTMX(c) {
		return c.Redirect(formLink(st.p, where{Step: i, Field: strconv.Itoa(i) + "-" + strconv.Itoa(j)}.query(), "designer-preview"), fiber.StatusSeeOther)
	}
	if i >= len(st.doc.Steps) || j >= len(st.doc.Steps[i].Fields) {
		return apperr.New(apperr.NotFound, "That question no longer exists; reload the form.")
	}
	// What cannot be read yet (a half-typed number) previews as saved.
	if f, err := ParseField(values(c), st.doc, st.doc.Steps[i].Fields[j]); err == nil {
		if doc, err := Clone(st.doc); err == nil {
			doc.Steps[i].Fields[j] = f
			st.doc = doc
		}
	}
	c.Vary("HX-Request")
	return c.Render("partials/designer_preview_body", h.previewData(c, st, i, nil))
}
