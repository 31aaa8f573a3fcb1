package forms

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// now is the default clock of the tests: a winter day, so zones with DST
// are on standard time unless a case says otherwise.
var now = time.Date(2026, 1, 20, 15, 0, 0, 0, time.UTC)

// loadOne loads a single definition from JSON text, failing the test on
// any problem.
func loadOne(t testing.TB, src string) *Definition {
	t.Helper()
	reg, err := Load(fstest.MapFS{"test.json": {Data: []byte(src)}})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	def, ok := reg.Get(reg.Keys()[0])
	if !ok {
		t.Fatal("definition missing")
	}
	return def
}

// oneStep wraps field JSON objects into a one-step definition.
func oneStep(fields ...string) string {
	return `{"key":"t","version":1,"title":"T","kind":"application","steps":[{"key":"s","title":"S","fields":[` +
		strings.Join(fields, ",") + `]}]}`
}

// builtin loads a built-in definition or fails.
func builtinDef(t testing.TB, key string) *Definition {
	t.Helper()
	reg, err := Builtin()
	if err != nil {
		t.Fatalf("Builtin: %v", err)
	}
	def, ok := reg.Get(key)
	if !ok {
		t.Fatalf("no built-in %q", key)
	}
	return def
}

// errorFor is the message ParseStep gave for the input with this id.
func errorFor(errs []FieldError, id string) string {
	for _, e := range errs {
		if e.Field == id {
			return e.Message
		}
	}
	return ""
}

// hoursMask sets the given UTC hours.
func hoursMask(hours ...int) int64 {
	var m int64
	for _, h := range hours {
		m |= 1 << h
	}
	return m
}

// span is hours from..to-1, wrapping at 24.
func span(from, to int) []int {
	var out []int
	for h := from; h != to%24 || len(out) == 0; h = (h + 1) % 24 {
		out = append(out, h)
		if len(out) == 24 {
			break
		}
	}
	return out
}
