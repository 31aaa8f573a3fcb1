package designer

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/forms"
	"cohort/app/web"
	"cohort/db"
)

// maxUpload bounds an uploaded definition file; the built-in ones are a
// few kilobytes.
const maxUpload = 256 << 10

// start replaces the draft with a fresh one: an empty form, a built-in
// form, another program's current form, or an uploaded JSON file. A file
// with mistakes in its JSON is refused with the decoder's messages; one
// that decodes but has problems becomes the draft, its problems listed for
// fixing.
func (h *handlers) start(c *fiber.Ctx) error {
	st, err := h.load(c)
	if err != nil {
		return err
	}
	o := newOpts()
	o.Anchor = "d-start"
	fail := func(msg string) error {
		o.status = fiber.StatusUnprocessableEntity
		o.errors = []web.FieldError{{Field: "d-source", Message: msg}}
		return h.render(c, st, o)
	}
	if base := baseRevision(c); base != st.rev {
		return h.stale(c, st, o)
	}
	var doc forms.Document
	source := c.FormValue("source")
	switch {
	case source == "empty":
		doc = forms.Document{Key: keyFor(st.p.Slug), Version: 1, Title: st.p.Name, Kind: st.p.Kind}
	case strings.HasPrefix(source, "builtin:"):
		def, ok := h.src.Builtin().Get(strings.TrimPrefix(source, "builtin:"))
		if !ok {
			return fail("Choose a form to start from.")
		}
		doc = def.Document()
	case strings.HasPrefix(source, "program:"):
		other, err := h.otherManaged(c, strings.TrimPrefix(source, "program:"))
		if err != nil {
			return fail("Choose a form to start from.")
		}
		def, err := h.src.Current(c.UserContext(), other)
		if err != nil {
			return err
		}
		doc = def.Document()
	case source == "upload":
		fh, err := c.FormFile("file")
		if err != nil {
			o.errors = []web.FieldError{{Field: "d-file", Message: "Choose a JSON file to upload."}}
			o.status = fiber.StatusUnprocessableEntity
			return h.render(c, st, o)
		}
		if fh.Size > maxUpload {
			return fail("That file is larger than 256 KB; a form definition is a few kilobytes.")
		}
		f, err := fh.Open()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(io.LimitReader(f, maxUpload+1))
		_ = f.Close()
		if err != nil {
			return err
		}
		var probs forms.Problems
		doc, probs = forms.ImportDocument(fh.Filename, data)
		if len(probs) > 0 {
			o.status = fiber.StatusUnprocessableEntity
			for _, p := range probs {
				o.errors = append(o.errors, web.FieldError{Field: "d-file", Message: fh.Filename + ": " + ProblemText(p)})
			}
			return h.render(c, st, o)
		}
	default:
		return fail("Choose a form to start from.")
	}
	// The program's kind decides how it runs; its form says the same.
	doc.Kind = st.p.Kind
	if doc.Version < 1 {
		doc.Version = 1
	}
	if _, err := h.save(c, st, doc); errors.Is(err, db.ErrStale) {
		return h.stale(c, st, o)
	} else if err != nil {
		return err
	}
	return c.Redirect(formLink(st.p, "step=0&done=started", "d-steps"), fiber.StatusSeeOther)
}

// keyFor makes a definition key from a program slug.
func keyFor(slug string) string {
	k := strings.ReplaceAll(slug, "-", "_")
	if k == "" || k[0] < 'a' || k[0] > 'z' {
		k = "form_" + k
	}
	return k
}

// publish makes the draft the program's next version, after checking
// exactly the revision the admin saw.
func (h *handlers) publish(c *fiber.Ctx) error {
	st, err := h.load(c)
	if err != nil {
		return err
	}
	o := newOpts()
	o.Anchor = "d-publish"
	if base := baseRevision(c); base != st.rev {
		return h.stale(c, st, o)
	}
	if !st.hasDraft {
		o.status = fiber.StatusUnprocessableEntity
		o.errors = []web.FieldError{{Field: "d-publish", Message: "There is no draft to publish: change something first."}}
		return h.render(c, st, o)
	}
	if probs := Check(st.doc); len(probs) > 0 || len(st.broken) > 0 {
		o.status = fiber.StatusUnprocessableEntity
		o.errors = []web.FieldError{{Field: "d-problems", Message: "The form cannot be published while it has problems: fix each one listed below."}}
		return h.render(c, st, o)
	}
	if _, err := h.s.Store().PublishFormDraft(auditCtx(c), st.p.ID, st.rev, web.CurrentPerson(c).ID); errors.Is(err, db.ErrStale) {
		return h.stale(c, st, o)
	} else if err != nil {
		return err
	}
	return c.Redirect(formLink(st.p, "done=published", "d-status"), fiber.StatusSeeOther)
}

// discard drops the draft; the published form stays.
func (h *handlers) discard(c *fiber.Ctx) error {
	st, err := h.load(c)
	if err != nil {
		return err
	}
	o := newOpts()
	o.Anchor = "d-publish"
	if base := baseRevision(c); base != st.rev || !st.hasDraft {
		return h.stale(c, st, o)
	}
	if err := h.s.Store().DiscardFormDraft(auditCtx(c), st.p.ID, st.rev, web.CurrentPerson(c).ID); errors.Is(err, db.ErrStale) {
		return h.stale(c, st, o)
	} else if err != nil {
		return err
	}
	return c.Redirect(formLink(st.p, "done=discarded", "d-status"), fiber.StatusSeeOther)
}

type versionRow struct {
	Version     int
	By, When    string
	Export      string
	Current     bool
	ComparedTo  string
	Changes     []forms.DefinitionChange
	Unreadable  bool
	WhenISO     string
	HasChanges  bool
	Description string
}

// versions lists the published versions, newest first, each with what
// changed since the one before (the first against the built-in form it
// replaced).
func (h *handlers) versions(c *fiber.Ctx) error {
	p, err := h.managed(c)
	if err != nil {
		return err
	}
	vs, err := h.s.Store().FormVersions(c.UserContext(), p.ID)
	if err != nil {
		return err
	}
	defs := make([]*forms.Definition, len(vs))
	for i, v := range vs {
		defs[i], _ = forms.Import("version "+strconv.Itoa(v.Version), []byte(v.Definition))
	}
	base := "/admin/programs/" + p.Slug + "/form"
	rows := make([]versionRow, len(vs))
	for i, v := range vs {
		r := versionRow{Version: v.Version, By: v.PublishedByName, When: v.PublishedAt.UTC().Format("2 Jan 2006 15:04 UTC"),
			WhenISO: v.PublishedAt.UTC().Format("2006-01-02T15:04:05Z"),
			Export:  base + "/export?version=" + strconv.Itoa(v.Version), Current: v.Version == p.FormVersion}
		if r.By == "" {
			r.By = "someone no longer here"
		}
		var older *forms.Definition
		if i+1 < len(vs) {
			older, r.ComparedTo = defs[i+1], "version "+strconv.Itoa(vs[i+1].Version)
		} else if def, ok := h.src.Builtin().Get(p.FormKey); ok {
			older, r.ComparedTo = def, "the built-in form “"+def.Title+"”"
		}
		switch {
		case defs[i] == nil:
			r.Unreadable = true
		case older != nil:
			r.Changes = forms.Diff(older, defs[i])
		}
		rows[i] = r
	}
	return h.s.Render(c, "pages/designer_versions", "", fiber.Map{
		"Title": "Versions of the form of " + p.Name, "Nav": "admin", "Program": p, "Base": base, "Versions": rows,
	})
}

// export downloads the draft (or the current form when there is none), or
// with ?version=N that published version, as a definition file.
func (h *handlers) export(c *fiber.Ctx) error {
	var (
		data []byte
		name string
	)
	if vq := c.Query("version"); vq != "" {
		p, err := h.managed(c)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(vq)
		if err != nil || n < 1 {
			return apperr.New(apperr.NotFound, "")
		}
		v, err := h.s.Store().FormVersion(c.UserContext(), p.ID, n)
		if errors.Is(err, db.ErrNotFound) {
			return apperr.New(apperr.NotFound, "")
		}
		if err != nil {
			return err
		}
		data, name = []byte(v.Definition), p.Slug+"-form-v"+strconv.Itoa(n)+".json"
	} else {
		st, err := h.load(c)
		if err != nil {
			return err
		}
		if data, err = forms.ExportDocument(st.doc); err != nil {
			return err
		}
		name = st.p.Slug + "-form-draft.json"
		if !st.hasDraft {
			name = st.p.Slug + "-form.json"
		}
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(data)
}
