// Package features is the registry of program feature flags: each named
// flag is either always on or opt-in per program (switched by admins and
// stored with the program). Handlers and templates read flags only through
// For, and an unknown flag name — in code or in the database — is an error
// at start-up rather than a silently dead switch.
package features

import (
	"fmt"
	"sort"
	"strings"
)

// Names of the flags.
const (
	Pairing          = "pairing"
	Uploads          = "uploads"
	Renewal          = "renewal"
	SelfRegistration = "self_registration"
	Autosave         = "autosave"
)

// Flag describes one switch.
type Flag struct {
	Name        string
	Label       string
	Description string
	// AlwaysOn flags cannot be switched off per program.
	AlwaysOn bool
}

var registry = []Flag{
	{Autosave, "Save as you type", "Answers save while the member types, so closing the tab loses nothing.", true},
	{Pairing, "Pairing", "Staff see suggested matches and pair participants.", false},
	{Uploads, "File uploads", "File fields in the form accept uploads (PDF, PNG, JPEG).", false},
	{Renewal, "Renewal", "Members renew when their term is ending; reminders go out.", false},
	{SelfRegistration, "Self-registration by email", "People without an account may enroll after confirming a code sent to their address.", false},
}

// All lists every flag, in a stable order.
func All() []Flag { return append([]Flag(nil), registry...) }

func lookup(name string) (Flag, bool) {
	for _, f := range registry {
		if f.Name == name {
			return f, true
		}
	}
	return Flag{}, false
}

// Validate reports the names that are not registered flags.
func Validate(names []string) error {
	var unknown []string
	for _, n := range names {
		if _, ok := lookup(n); !ok {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	known := make([]string, len(registry))
	for i, f := range registry {
		known[i] = f.Name
	}
	return fmt.Errorf("unknown feature flag %s (known: %s)", strings.Join(unknown, ", "), strings.Join(known, ", "))
}

// Set is a program's resolved flags: every registered flag, on or off.
type Set map[string]bool

// For resolves a program's stored switches: always-on flags are on, opt-in
// flags are on only if switched on.
func For(stored map[string]bool) Set {
	out := make(Set, len(registry))
	for _, f := range registry {
		out[f.Name] = f.AlwaysOn || stored[f.Name]
	}
	return out
}

// On reports whether the flag is on. Asking for an unregistered flag is a
// programming error and panics, so a typo cannot read as "off" forever.
func (s Set) On(name string) bool {
	if _, ok := lookup(name); !ok {
		panic("features: unknown flag " + name)
	}
	return s[name]
}
