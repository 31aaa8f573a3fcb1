package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// Every variable Config reads has a row in README's configuration table, so
// the table cannot fall behind the code.
func TestReadmeListsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		name := typ.Field(i).Tag.Get("env")
		if name == "" {
			continue
		}
		if !strings.Contains(string(readme), "| `"+name+"` |") {
			t.Errorf("README's configuration table has no row for %s", name)
		}
	}
}
