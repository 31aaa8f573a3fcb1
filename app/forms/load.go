package forms

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
)

//go:embed definitions/*.json
var builtinFS embed.FS

// Problem is one thing wrong with a definition file, located as precisely
// as the file allows so whoever edits it can go straight there.
type Problem struct {
	File    string // e.g. "mentoring.json"
	Step    string // step key (or "#2" when the step has no key), if any
	Field   string // field key (or "#3"), if any
	Message string
}

// String reads like `mentoring.json: step "about": field "org": unknown type "txt"`.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Step != "" {
		fmt.Fprintf(&b, ": step %q", p.Step)
	}
	if p.Field != "" {
		fmt.Fprintf(&b, ": field %q", p.Field)
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	return b.String()
}

// Problems is every problem Load found, so one start-up shows them all.
type Problems []Problem

// Error lists the problems, one a line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return "form definitions: " + strings.Join(lines, "\n")
}

// Registry holds loaded definitions by key. It is read-only once loaded and
// safe for concurrent use.
type Registry struct {
	defs map[string]*Definition
}

// Get returns the definition with this key.
func (r *Registry) Get(key string) (*Definition, bool) {
	d, ok := r.defs[key]
	return d, ok
}

// Keys lists the definition keys, sorted.
func (r *Registry) Keys() []string {
	keys := make([]string, 0, len(r.defs))
	for k := range r.defs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var builtin = sync.OnceValues(func() (*Registry, error) {
	sub, err := fs.Sub(builtinFS, "definitions")
	if err != nil {
		return nil, err
	}
	return Load(sub)
})

// Builtin returns the definitions embedded in the binary. The server calls
// it at start-up and refuses to start on error; the result is loaded once
// and shared.
func Builtin() (*Registry, error) { return builtin() }

// Load reads every *.json file at the root of fsys as a definition and
// checks it. On any problem it returns a Problems error listing all of
// them, each naming the file, step and field.
func Load(fsys fs.FS) (*Registry, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, Problems{{File: ".", Message: "no *.json form definitions found"}}
	}
	reg := &Registry{defs: map[string]*Definition{}}
	var probs Problems
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			probs = append(probs, Problem{File: name, Message: err.Error()})
			continue
		}
		def, ps := parseDefinition(path.Base(name), data)
		probs = append(probs, ps...)
		if def == nil || len(ps) > 0 {
			continue
		}
		if other, dup := reg.defs[def.Key]; dup {
			probs = append(probs, Problem{File: name, Message: fmt.Sprintf("key %q is already used by %s", def.Key, other.File)})
			continue
		}
		reg.defs[def.Key] = def
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return reg, nil
}

// The raw shapes of a definition file, decoded one level at a time (see
// decodeDocument).
type rawDefinition struct {
	Key         string            `json:"key"`
	Version     int               `json:"version"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Kind        string            `json:"kind"`
	Steps       []json.RawMessage `json:"steps"`
	Eligibility json.RawMessage   `json:"eligibility"`
}

type rawStep struct {
	Key    string            `json:"key"`
	Title  string            `json:"title"`
	Intro  string            `json:"intro"`
	Fields []json.RawMessage `json:"fields"`
}

// parseDefinition decodes and checks one file. Problems in one step or
// field do not stop the checks of the others, so one start-up shows them
// all.
func parseDefinition(file string, data []byte) (*Definition, Problems) {
	c := &checker{file: file}
	doc, ok := decodeDocument(c, data)
	if !ok {
		return nil, c.probs
	}
	def := &Definition{
		Key: doc.Key, Version: doc.Version, Title: doc.Title,
		Description: doc.Description, Kind: doc.Kind, File: file,
		steps: doc.Steps,
		byKey: map[string]*Field{}, stepIdx: map[string]int{}, cols: map[Column]*Field{},
	}
	c.definition(def)
	if doc.Eligibility != nil {
		def.Eligibility = doc.Eligibility
		c.eligibility(def)
	}
	return def, c.probs
}

// keyOf finds the "key" of a step or field even when the strict decode
// fails, to say which one is wrong; "#n" (1-based) when there is none.
func keyOf(raw json.RawMessage, i int) string {
	var k struct {
		Key string `json:"key"`
	}
	if json.Unmarshal(raw, &k) == nil && k.Key != "" {
		return k.Key
	}
	return fmt.Sprintf("#%d", i+1)
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the end of the JSON value")
	}
	return nil
}

// jsonMessage makes a decoding error readable: where a syntax error is (a
// line number when the whole file is at hand) and which key has the wrong
// type.
func jsonMessage(err error, file []byte) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		if file != nil {
			line := 1 + bytes.Count(file[:min(int(syn.Offset), len(file))], []byte("\n"))
			return fmt.Sprintf("invalid JSON on line %d: %v", line, syn)
		}
		return "invalid JSON: " + syn.Error()
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("%q must be %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
		}
		return fmt.Sprintf("expected %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "slice", "array":
		return "a list"
	case "struct", "map", "ptr":
		return "an object"
	case "interface":
		return "a value"
	}
	if strings.HasPrefix(goKind, "int") || strings.HasPrefix(goKind, "float") || strings.HasPrefix(goKind, "uint") {
		return "a number"
	}
	return goKind
}

// hasType reports whether t is one of types.
func hasType(t FieldType, types ...FieldType) bool { return slices.Contains(types, t) }
