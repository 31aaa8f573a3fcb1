package designer

import (
	"os"
	"path/filepath"
	"testing"

	"cohort/app/forms"
)

// FuzzUploadedDraft: whatever file an admin uploads, if it decodes it can
// be checked, previewed, and every question opened in its form and saved
// back, without a panic.
func FuzzUploadedDraft(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "forms", "definitions", "*.json"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"key":"x","version":1,"title":"X","kind":"membership","steps":[{"key":"a","title":"A","fields":[
		{"key":"q","type":"select","label":"Q"},{"key":"r","type":"text","label":"R","show_if":{"field":"r","equals":"x"}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, probs := forms.ImportDocument("upload", data)
		if len(probs) > 0 {
			return
		}
		_ = Check(doc)
		if def, _ := Previewable(doc); def != nil {
			for _, st := range def.Steps() {
				for _, fld := range st.Fields {
					_ = def.Visible(fld, nil)
				}
			}
		}
		for i, st := range doc.Steps {
			for j, fld := range st.Fields {
				if fld == nil {
					continue
				}
				if g, err := ParseField(FieldValues(fld), doc, fld); err == nil {
					_, _ = Apply(doc, UpdateField(i, j, g), nil)
				}
			}
		}
		_ = EligibilityText(doc)
	})
}
