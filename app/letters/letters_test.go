package letters

import (
	"testing"
	"time"

	"cohort/db"
)

func TestKey(t *testing.T) {
	sub := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ren := sub.Add(24 * time.Hour)
	e := &db.Enrollment{ID: 7, Version: 3, SubmittedAt: &sub, WithdrawnAt: &ren}
	renewed := &db.Enrollment{ID: 7, Version: 3, SubmittedAt: &sub, RenewedAt: &ren}
	tests := []struct {
		name, event string
		e           *db.Enrollment
		want        string
	}{
		{"receipt by submission", Submitted, e, "member_submitted:7:" + itoa(sub)},
		{"receipt of a renewal by its time", Submitted, renewed, "member_submitted:7:" + itoa(ren)},
		{"decision by version", Approved, e, "member_approved:7:v3"},
		{"withdrawal by its time", Withdrawn, e, "member_withdrawn:7:" + itoa(ren)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Key(tt.event, tt.e); got != tt.want {
				t.Fatalf("Key = %q, want %q", got, tt.want)
			}
		})
	}
	if ForStatus(db.StatusDeclined) != Declined || ForStatus(db.StatusDraft) != "" {
		t.Fatal("ForStatus maps the wrong statuses")
	}
}

func itoa(t time.Time) string { return formatMicro(t) }

func formatMicro(t time.Time) string {
	b := []byte{}
	n := t.UnixMicro()
	if n == 0 {
		return "0"
	}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
