// Package views holds Cohort's html/template files, embedded in the binary:
// layouts/ (the page frame), pages/ (one per full page) and partials/
// (fragments htmx swaps in; full pages are built from the same partials).
package views

import "embed"

// FS is the embedded template tree.
//
//go:embed layouts pages partials
var FS embed.FS
