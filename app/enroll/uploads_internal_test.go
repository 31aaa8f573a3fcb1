package enroll

import "testing"

func TestTooLargeMessage(t *testing.T) {
	for _, tt := range []struct {
		limit int64
		want  string
	}{
		{5 << 20, "The file is too large: the limit is 5 MB."},
		{512 << 10, "The file is too large: the limit is 512 KB."},
		{(3 << 20) / 2, "The file is too large: the limit is 1.5 MB."},
	} {
		if got := tooLarge(tt.limit); got != tt.want {
			t.Errorf("tooLarge(%d) = %q, want %q", tt.limit, got, tt.want)
		}
	}
}
