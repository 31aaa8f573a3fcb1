package account

import (
	"strings"
	"testing"

	"cohort/db"
)

// A file's place in the archive never leaves the files/ folder, whatever
// name the member's browser sent.
func TestArchivePathStaysInside(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"cv.pdf", "files/7-cv.pdf"},
		{"../../etc/passwd", "files/7-passwd"},
		{`..\..\boot.ini`, "files/7-boot.ini"},
		{"..", "files/7-file"},
		{"", "files/7-file"},
		{"/", "files/7-file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := archivePath(&db.Upload{ID: 7, Filename: tc.name})
			if got != tc.want || strings.Contains(got, "..") {
				t.Fatalf("archivePath(%q) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}
