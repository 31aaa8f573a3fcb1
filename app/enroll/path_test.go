package enroll

import "testing"

func TestEnrollmentInPath(t *testing.T) {
	for path, want := range map[string]int64{
		"/enrollments/42":                      42,
		"/enrollments/42/steps/about":          42,
		"/enrollments/42/steps/about/autosave": 42,
		"/enrollments/7/review":                7,
		"/enrollments/":                        0,
		"/enrollments":                         0,
		"/enrollments/abc/steps/about":         0,
		"/enrollments/-3/review":               0,
		"/enrollments/0":                       0,
		"/enrollments/99999999999999999999":    0,
		"/programs/42":                         0,
		"/staff/enrollments/42":                0,
	} {
		if got := enrollmentInPath(path); got != want {
			t.Errorf("enrollmentInPath(%q) = %d, want %d", path, got, want)
		}
	}
}
