package jobs

import (
	"testing"
	"time"
)

func TestDueNotice(t *testing.T) {
	end := time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC)
	days := []int{2, 15, 30}
	for _, tt := range []struct {
		name   string
		before time.Duration
		want   int
		ok     bool
	}{
		{"40 days out", 40 * 24 * time.Hour, 0, false},
		{"exactly 30", 30 * 24 * time.Hour, 30, true},
		{"20 days out", 20 * 24 * time.Hour, 30, true},
		{"exactly 15", 15 * 24 * time.Hour, 15, true},
		{"3 days out", 3 * 24 * time.Hour, 15, true},
		{"a day out", 24 * time.Hour, 2, true},
		{"a second out", time.Second, 2, true},
		{"at the end", 0, 0, false},
		{"after the end", -time.Hour, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := dueNotice(days, end, end.Add(-tt.before))
			if got != tt.want || ok != tt.ok {
				t.Fatalf("dueNotice = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	if _, ok := dueNotice(nil, end, end.Add(-time.Hour)); ok {
		t.Fatal("no notice days, yet a notice")
	}
}

func TestDueCheckin(t *testing.T) {
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	w := 7 * 24 * time.Hour
	weeks := []int{2, 6}
	for _, tt := range []struct {
		name  string
		after time.Duration
		want  int
		ok    bool
	}{
		{"day one", 24 * time.Hour, 0, false},
		{"just before 2 weeks", 2*w - time.Second, 0, false},
		{"at 2 weeks", 2 * w, 2, true},
		{"2 weeks and 6 days", 3*w - 24*time.Hour, 2, true},
		{"3 weeks: the 2-week point is stale", 3 * w, 2, false},
		{"at 6 weeks", 6 * w, 6, true},
		{"10 weeks", 10 * w, 6, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := dueCheckin(weeks, start, start.Add(tt.after))
			if got != tt.want || ok != tt.ok {
				t.Fatalf("dueCheckin = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
