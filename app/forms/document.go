package forms

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Document is a definition as its JSON file says it: editable, not yet
// checked. The designer edits a Document and turns it into a Definition
// with Build, which runs exactly the checks Load runs on a built-in file.
type Document struct {
	Key         string       `json:"key"`
	Version     int          `json:"version"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Kind        string       `json:"kind"`
	Steps       []*Step      `json:"steps"`
	Eligibility *Eligibility `json:"eligibility,omitempty"`
}

// Document returns the definition as an editable document. It is a deep
// copy: editing it never touches d, which may be shared by every request.
func (d *Definition) Document() Document {
	doc := Document{
		Key: d.Key, Version: d.Version, Title: d.Title,
		Description: d.Description, Kind: d.Kind,
		Steps: d.steps, Eligibility: d.Eligibility,
	}
	// A JSON round trip is the simplest deep copy that is sure to reach
	// every nested slice, map and pointer (options, show_if values, bounds,
	// eligibility tables), and a loaded definition always encodes.
	data, err := json.Marshal(doc)
	if err != nil {
		panic(fmt.Sprintf("forms: a loaded definition does not encode: %v", err))
	}
	var out Document
	if err := json.Unmarshal(data, &out); err != nil {
		panic(fmt.Sprintf("forms: a loaded definition does not decode: %v", err))
	}
	return out
}

// Build checks doc with the same checker Load uses for the built-in files
// and returns the definition, or every problem found (each naming the step
// and field it concerns; name stands for the file in messages). The
// definition shares nothing with doc.
func Build(name string, doc Document) (*Definition, Problems) {
	data, err := encodeDocument(doc, false)
	if err != nil {
		return nil, Problems{{File: name, Message: err.Error()}}
	}
	return Import(name, data)
}

// Import decodes a definition in the JSON file format (strictly: unknown
// keys are problems, as for Load) and checks it. Problems being non-empty
// means the definition is not usable, even when it is not nil.
func Import(name string, data []byte) (*Definition, Problems) {
	def, probs := parseDefinition(name, data)
	if len(probs) > 0 {
		return nil, probs
	}
	return def, nil
}

// ImportDocument decodes a definition file strictly without checking it,
// so an uploaded file with mistakes can still be opened in the designer
// and fixed there. Only JSON errors (bad syntax, unknown keys, wrong
// types) are problems.
func ImportDocument(name string, data []byte) (Document, Problems) {
	c := &checker{file: name}
	doc, _ := decodeDocument(c, data)
	if len(c.probs) > 0 {
		return Document{}, c.probs
	}
	return doc, nil
}

// decodeDocument decodes a definition file level by level (definition,
// then each step, then each field and the eligibility block), so that an
// unknown or mistyped key is reported with the step and field it sits in;
// encoding/json alone names neither. A part that does not decode is left
// out with a problem in c; ok is false when the file as a whole does not.
func decodeDocument(c *checker, data []byte) (doc Document, ok bool) {
	var rd rawDefinition
	if err := decodeStrict(data, &rd); err != nil {
		c.add("", "", "%s", jsonMessage(err, data))
		return Document{}, false
	}
	doc = Document{Key: rd.Key, Version: rd.Version, Title: rd.Title, Description: rd.Description, Kind: rd.Kind}
	for i, raw := range rd.Steps {
		name := keyOf(raw, i)
		var rs rawStep
		if err := decodeStrict(raw, &rs); err != nil {
			c.add(name, "", "%s", jsonMessage(err, nil))
			continue
		}
		st := &Step{Key: rs.Key, Title: rs.Title, Intro: rs.Intro}
		for j, rawField := range rs.Fields {
			f := &Field{}
			if err := decodeStrict(rawField, f); err != nil {
				c.add(name, keyOf(rawField, j), "%s", jsonMessage(err, nil))
				continue
			}
			st.Fields = append(st.Fields, f)
		}
		doc.Steps = append(doc.Steps, st)
	}
	if len(rd.Eligibility) > 0 && !bytes.Equal(bytes.TrimSpace(rd.Eligibility), []byte("null")) {
		var el Eligibility
		if err := decodeStrict(rd.Eligibility, &el); err != nil {
			c.add("", "", "eligibility: %s", jsonMessage(err, nil))
		} else {
			doc.Eligibility = &el
		}
	}
	return doc, true
}

// Export writes def as indented JSON in the built-in file format; Import
// of the result gives an equal definition.
func Export(def *Definition) ([]byte, error) {
	return encodeDocument(def.Document(), true)
}

// ExportDocument is Export for a draft that has not been checked.
func ExportDocument(doc Document) ([]byte, error) {
	return encodeDocument(doc, true)
}

func encodeDocument(doc Document, indent bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Labels hold "<", "&" and quotes; the file is data, not HTML.
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("the form cannot be written as JSON: %v", err)
	}
	return buf.Bytes(), nil
}
