package forms

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

var (
	january = time.Date(2026, 1, 20, 15, 0, 0, 0, time.UTC)
	july    = time.Date(2026, 7, 15, 15, 0, 0, 0, time.UTC)
)

// availabilityDef has the zone on an earlier step, so ParseStep of the
// hours step reads it from the previous answers.
const availabilityDef = `{"key":"t","version":1,"title":"T","kind":"mentoring","steps":[
	{"key":"zone","title":"Zone","fields":[{"key":"tz","type":"timezone","label":"Time zone"}]},
	{"key":"avail","title":"Hours","fields":[
		{"key":"hours","type":"availability","label":"Hours available","required":true,"min":2,"timezone_field":"tz"}]}]}`

func TestAvailabilityParse(t *testing.T) {
	def := loadOne(t, availabilityDef)
	tests := []struct {
		name    string
		tz      string
		at      time.Time
		in      map[string][]string
		want    any
		wantErr string
	}{
		{"LA January range across midnight (PST, UTC−8)", "America/Los_Angeles", january,
			vals{"hours_mode": {"range"}, "hours_from": {"22"}, "hours_to": {"6"}}, maskValue(hoursMask(span(6, 14)...)), ""},
		{"LA July range across midnight (PDT, UTC−7)", "America/Los_Angeles", july,
			vals{"hours_mode": {"range"}, "hours_from": {"22"}, "hours_to": {"6"}}, maskValue(hoursMask(span(5, 13)...)), ""},
		{"LA January working day wraps in UTC", "America/Los_Angeles", january,
			vals{"hours_mode": {"range"}, "hours_from": {"9"}, "hours_to": {"17"}}, maskValue(hoursMask(span(17, 1)...)), ""},
		{"custom hours in Berlin (UTC+1)", "Europe/Berlin", january,
			vals{"hours_mode": {"custom"}, "hours": {"9", "10", "14", "10"}}, maskValue(hoursMask(8, 9, 13)), ""},
		{"half-hour zone maps to the earlier UTC slot", "Asia/Kolkata", january,
			vals{"hours_from": {"9"}, "hours_to": {"17"}}, maskValue(hoursMask(span(3, 11)...)), ""},
		{"no zone answered means UTC", "", january,
			vals{"hours_from": {"9"}, "hours_to": {"12"}}, maskValue(hoursMask(9, 10, 11)), ""},
		{"invalid zone answered means UTC", "Mars/Base", january,
			vals{"hours_from": {"9"}, "hours_to": {"12"}}, maskValue(hoursMask(9, 10, 11)), ""},
		{"whole day", "Europe/Berlin", january,
			vals{"hours_from": {"0"}, "hours_to": {"24"}}, maskValue(AllHours), ""},
		{"to midnight written 0", "UTC", january,
			vals{"hours_from": {"22"}, "hours_to": {"0"}}, maskValue(hoursMask(22, 23)), ""},
		{"no JavaScript: custom hours ticked, range radio left on", "UTC", january,
			vals{"hours_mode": {"range"}, "hours": {"3", "5"}}, maskValue(hoursMask(3, 5)), ""},
		{"custom radio but a range given", "UTC", january,
			vals{"hours_mode": {"custom"}, "hours_from": {"3"}, "hours_to": {"5"}}, maskValue(hoursMask(3, 4)), ""},
		{"range wins when both are given", "UTC", january,
			vals{"hours_mode": {"range"}, "hours_from": {"3"}, "hours_to": {"5"}, "hours": {"20"}}, maskValue(hoursMask(3, 4)), ""},
		{"fewer than min", "UTC", january,
			vals{"hours_mode": {"custom"}, "hours": {"9"}}, maskValue(hoursMask(9)), "Choose at least 2 hours when you are available."},
		{"nothing", "UTC", january, vals{"hours_mode": {"range"}}, nil, "Choose the hours when you are available."},
		{"same start and end", "UTC", january,
			vals{"hours_from": {"9"}, "hours_to": {"9"}}, map[string]any{"mode": "range", "from": "9", "to": "9"}, "Choose an end hour different from the start hour."},
		{"start missing", "UTC", january,
			vals{"hours_mode": {"range"}, "hours_to": {"9"}}, map[string]any{"mode": "range", "to": "9"}, "Choose the hour you are available from."},
		{"end missing", "UTC", january,
			vals{"hours_mode": {"range"}, "hours_from": {"9"}}, map[string]any{"mode": "range", "from": "9"}, "Choose the hour you are available until."},
		{"start out of range, kept as typed", "UTC", january,
			vals{"hours_from": {"24"}, "hours_to": {"6"}}, map[string]any{"mode": "range", "from": "24", "to": "6"}, "Choose a start hour between 00:00 and 23:00."},
		{"end out of range", "UTC", january,
			vals{"hours_from": {"2"}, "hours_to": {"25"}}, map[string]any{"mode": "range", "from": "2", "to": "25"}, "Choose an end hour between 01:00 and 24:00."},
		{"signed hour refused", "UTC", january,
			vals{"hours_from": {"+2"}, "hours_to": {"5"}}, map[string]any{"mode": "range", "from": "+2", "to": "5"}, "Choose a start hour between 00:00 and 23:00."},
		{"custom hour out of range", "UTC", january,
			vals{"hours_mode": {"custom"}, "hours": {"9", "24"}}, map[string]any{"mode": "custom", "hours": []string{"9", "24"}}, "Choose hours from the list."},
		{"unknown mode", "UTC", january,
			vals{"hours_mode": {"weekly"}, "hours": {"9"}}, map[string]any{"mode": "weekly", "hours": []string{"9"}}, "Choose a range of hours or custom hours."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev := Answers{}
			if tt.tz != "" {
				prev["tz"] = tt.tz
			}
			got, errs := ParseStep(def, "avail", tt.in, prev, tt.at)
			if v := got["hours"]; !reflect.DeepEqual(v, tt.want) {
				t.Errorf("hours = %#v, want %#v", v, tt.want)
			}
			if msg := errorFor(errs, "hours-range"); msg != tt.wantErr {
				t.Errorf("error = %q, want %q", msg, tt.wantErr)
			}
			// What was typed comes back for the re-rendered form.
			back, errs2 := ParseStep(def, "avail", Inputs(def, "avail", got, tt.at), got, tt.at)
			if !reflect.DeepEqual(back["hours"], got["hours"]) || !reflect.DeepEqual(errs, errs2) {
				t.Errorf("re-parse of Inputs: %#v %v, want %#v %v", back["hours"], errs2, got["hours"], errs)
			}
		})
	}
}

func TestAvailabilityZoneOnSameStep(t *testing.T) {
	def := builtinDef(t, "mentoring")
	in := vals{"time_zone": {"America/Los_Angeles"}, "hours_mode": {"range"}, "hours_from": {"9"}, "hours_to": {"17"}}
	prev := Answers{"time_zone": "Europe/Berlin"} // what was saved before: the new answer wins
	got, errs := ParseStep(def, "availability", in, prev, july)
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if want := maskValue(hoursMask(span(16, 24)...)); !reflect.DeepEqual(got["hours"], want) {
		t.Fatalf("hours = %v, want %v", got["hours"], want)
	}
	if got["time_zone"] != "America/Los_Angeles" {
		t.Fatalf("time_zone = %v", got["time_zone"])
	}

	// A wrong zone shows its own error; the hours are kept (read as UTC)
	// rather than lost.
	in["time_zone"] = []string{"Pacific Time"}
	got, errs = ParseStep(def, "availability", in, prev, july)
	if msg := errorFor(errs, "time_zone"); msg == "" {
		t.Fatalf("no time zone error: %v", errs)
	}
	if msg := errorFor(errs, "hours-range"); msg != "" {
		t.Fatalf("hours error: %q", msg)
	}
	if want := maskValue(hoursMask(span(9, 17)...)); !reflect.DeepEqual(got["hours"], want) {
		t.Fatalf("hours = %v, want %v", got["hours"], want)
	}
}

func TestLocalHoursAndFormat(t *testing.T) {
	tests := []struct {
		name       string
		mask       int64
		tz         string
		at         time.Time
		wantHours  []int
		wantFormat string
	}{
		{"LA winter", hoursMask(span(17, 1)...), "America/Los_Angeles", january, span(9, 17), "09:00–17:00"},
		{"same mask in LA summer moves an hour", hoursMask(span(17, 1)...), "America/Los_Angeles", july, span(10, 18), "10:00–18:00"},
		{"range across midnight", hoursMask(span(6, 14)...), "America/Los_Angeles", january, []int{0, 1, 2, 3, 4, 5, 22, 23}, "22:00–06:00"},
		{"two ranges", hoursMask(9, 10, 11, 14), "UTC", january, []int{9, 10, 11, 14}, "09:00–12:00, 14:00–15:00"},
		{"ends at midnight", hoursMask(20, 21, 22, 23), "UTC", january, []int{20, 21, 22, 23}, "20:00–24:00"},
		{"all day", AllHours, "Asia/Tokyo", january, span(0, 24), "00:00–24:00"},
		{"none", 0, "UTC", january, []int{}, "no hours"},
		{"India round trip", hoursMask(span(3, 11)...), "Asia/Kolkata", january, span(9, 17), "09:00–17:00"},
		{"bad zone reads as UTC", hoursMask(1), "Nowhere/Land", january, []int{1}, "01:00–02:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LocalHours(tt.mask, tt.tz, tt.at); !slices.Equal(got, tt.wantHours) {
				t.Errorf("LocalHours = %v, want %v", got, tt.wantHours)
			}
			if got := FormatHours(tt.mask, tt.tz, tt.at); got != tt.wantFormat {
				t.Errorf("FormatHours = %q, want %q", got, tt.wantFormat)
			}
		})
	}
}

// TestMaskRoundTrip: whatever local hours a member ticks, in any zone
// (including the :30 and :45 ones), they see the same hours again.
func TestMaskRoundTrip(t *testing.T) {
	zones := []string{"UTC", "America/Los_Angeles", "America/St_Johns", "Asia/Kolkata", "Asia/Kathmandu",
		"Australia/Adelaide", "Pacific/Chatham", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Australia/Lord_Howe"}
	r := rand.New(rand.NewPCG(1, 2))
	for _, tz := range zones {
		for _, at := range []time.Time{january, july} {
			for range 200 {
				var hours []int
				for h := range 24 {
					if r.IntN(2) == 0 {
						hours = append(hours, h)
					}
				}
				got := LocalHours(MaskFromLocal(hours, tz, at), tz, at)
				if !slices.Equal(got, append([]int{}, hours...)) && !(len(hours) == 0 && len(got) == 0) {
					t.Fatalf("%s %s: %v came back as %v", tz, at.Month(), hours, got)
				}
			}
		}
	}
}

func TestAvailabilityInputs(t *testing.T) {
	def := loadOne(t, availabilityDef)
	tests := []struct {
		name string
		mask int64
		want map[string][]string
	}{
		{"contiguous as a range", hoursMask(span(17, 1)...), vals{"hours_mode": {"range"}, "hours_from": {"9"}, "hours_to": {"17"}}},
		{"across midnight", hoursMask(span(6, 14)...), vals{"hours_mode": {"range"}, "hours_from": {"22"}, "hours_to": {"6"}}},
		{"whole day", AllHours, vals{"hours_mode": {"range"}, "hours_from": {"0"}, "hours_to": {"24"}}},
		{"gaps as custom hours", hoursMask(17, 19), vals{"hours_mode": {"custom"}, "hours": {"9", "11"}}},
		{"none", 0, vals{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Answers{"tz": "America/Los_Angeles", "hours": maskValue(tt.mask)}
			if got := Inputs(def, "avail", a, january); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Inputs = %v, want %v", got, tt.want)
			}
		})
	}
}
