// Package static holds Cohort's stylesheets, scripts and images, embedded in
// the binary. app/web serves them under content-hashed URLs.
package static

import "embed"

// FS is the embedded static tree (css/, js/, img/).
//
//go:embed css js img
var FS embed.FS
