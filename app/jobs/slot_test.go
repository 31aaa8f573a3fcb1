package jobs

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestSlotAt(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		schedule string
		loc      *time.Location
		firedAt  string
		want     string
	}{
		{"hourly, on time", "0 * * * *", time.UTC, "2026-11-21T10:00:00Z", "2026-11-21T10:00Z"},
		{"hourly, late by minutes: same slot", "0 * * * *", time.UTC, "2026-11-21T10:42:13Z", "2026-11-21T10:00Z"},
		{"hourly, a moment early (clock stepped back): same slot", "0 * * * *", time.UTC, "2026-11-21T09:59:58Z", "2026-11-21T10:00Z"},
		{"hourly, the next fire is the next slot", "0 * * * *", time.UTC, "2026-11-21T11:00:00.2Z", "2026-11-21T11:00Z"},
		{"every 15 minutes", "*/15 * * * *", time.UTC, "2026-11-21T10:31:00Z", "2026-11-21T10:30Z"},
		{"every minute, late", "* * * * *", time.UTC, "2026-11-21T10:31:40Z", "2026-11-21T10:31Z"},
		{"every minute, seconds before the next: the next", "* * * * *", time.UTC, "2026-11-21T10:31:58Z", "2026-11-21T10:32Z"},
		{"daily at 09:00 Berlin is 08:00 UTC in winter", "0 9 * * *", berlin, "2026-11-21T08:00:00Z", "2026-11-21T08:00Z"},
		{"daily at 09:00 Berlin is 07:00 UTC in summer", "0 9 * * *", berlin, "2026-07-01T07:00:01Z", "2026-07-01T07:00Z"},
		{"weekdays at 06:30, fired on Monday", "30 6 * * 1-5", time.UTC, "2026-11-23T06:30:00Z", "2026-11-23T06:30Z"},
		{"monthly on the 1st", "0 0 1 * *", time.UTC, "2026-12-01T00:00:00Z", "2026-12-01T00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseSchedule(tt.schedule, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			if got := slotAt(c, utc(tt.firedAt).In(tt.loc)); got != tt.want {
				t.Fatalf("slotAt(%s) = %s, want %s", tt.firedAt, got, tt.want)
			}
		})
	}
	if a, b := uniqueSlot(TriggerManual), uniqueSlot(TriggerManual); a == b || !strings.HasPrefix(a, "manual-") {
		t.Fatalf("manual slots %q, %q: want distinct manual-<nanos>", a, b)
	}
}

func TestNewRegistry(t *testing.T) {
	run := func(context.Context, Env) (Counts, error) { return nil, nil }
	ok := Job{Name: "a", Schedule: "0 * * * *", Run: run}
	tests := []struct {
		name    string
		jobs    []Job
		wantErr string
	}{
		{"built-in jobs", Builtin(), ""},
		{"duplicate name", []Job{ok, ok}, "registered twice"},
		{"bad name", []Job{{Name: "Bad Name", Schedule: "0 * * * *", Run: run}}, "invalid job name"},
		{"no run", []Job{{Name: "b", Schedule: "0 * * * *"}}, "no Run"},
		{"six fields", []Job{{Name: "b", Schedule: "0 0 * * * *", Run: run}}, "five-field"},
		{"descriptor", []Job{{Name: "b", Schedule: "@hourly", Run: run}}, "five-field"},
		{"time zone prefix", []Job{{Name: "b", Schedule: "TZ=UTC 0 * * *", Run: run}}, "five-field"},
		{"nonsense", []Job{{Name: "b", Schedule: "61 * * * *", Run: run}}, "schedule"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRegistry(tt.jobs...)
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("NewRegistry = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}
