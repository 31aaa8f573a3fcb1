// Package forms holds Cohort's enrollment forms as data: definitions loaded
// from JSON (the built-in ones are embedded), the server-side validation and
// normalisation of what a member typed, the typed columns staff filter and
// pair on, a readable diff of two answer sets, and Get-Your-style
// eligibility rules.
//
// It is pure logic — standard library only, no HTTP, no database — so
// handlers stay thin (parse → ParseStep → save → render) and every rule can
// be tested and fuzzed alone.
//
// # Definition files
//
// One JSON object per file; unknown keys are errors, and Load reports every
// problem of every file at once, naming file, step and field:
//
//	{ "key": "mentoring", "version": 1, "title": "…", "description": "…",
//	  "kind": "mentoring" | "application" | "membership",
//	  "steps": [ { "key": "about", "title": "About you", "intro": "…",
//	    "fields": [ { "key": "full_name", "type": "text", "label": "Full name", … } ] } ],
//	  "eligibility": { "benefits": [ … ] } }   // applications only
//
// Field keys (JSON names of Field): key, type, label, short_label, help,
// placeholder, autocomplete, required, required_message, options
// [{value, label, exclusive}], presets, min, max, integer, step,
// min_length, max_length, pattern, pattern_message, max_items,
// show_if {field, equals | in | contains}, timezone_field, after_field,
// accept, max_size, column. Load checks each against the field's type; a
// field may depend (show_if, timezone_field, after_field) only on a field
// that comes before it, which also rules out cycles.
//
// Eligibility: {"benefits": [{"key", "name", "description", "all": [rule…],
// "any": [rule…]}]}, a rule being {"field", "op", "value"}, or
// {"field", "op": "lte_table", "by", "table": {"1": n, …, "more_per_person": n}},
// or a group {"all": [rule…]} / {"any": [rule…]}. See Rule for the ops.
//
// # Answers
//
// Answers are a map from field key to a JSON-friendly value. A valid answer
// is stored in its canonical form (see Answers); an invalid one is kept as
// typed, so the form re-renders with what the member entered and nothing is
// lost. Validation never trusts a stored value: ValidateAll re-derives the
// form inputs from the answers (Inputs) and parses them again with the very
// code ParseStep uses, so a value can never pass at submit that would fail
// on the step page, or the other way round.
//
// # Input names and ids
//
// A field's HTML input is named by its key. Checkboxes repeat the key.
// Availability adds <key>_mode ("range" or "custom"), <key>_from and <key>_to
// (local hours) and repeats <key> for custom hours; interests repeat <key>
// for ticked presets and take free entries from <key>_other (commas or new
// lines separate them). Field methods (ModeName, FromName, ToName,
// OtherName) and InputID/OptionID give templates the same names and ids this
// package links its errors to.
package forms
