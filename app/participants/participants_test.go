package participants

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	minus5, plus2 := -5, 2
	for _, tt := range []struct {
		name  string
		query string
		want  Query
		probs []string // fields with problems
	}{
		{"empty", "", Query{Sort: SortName, TZ: "UTC"}, nil},
		{"everything", "role=mentee&status=submitted&status=approved&tz_min=-5&tz_max=%2B2&avail=9&avail=3&avail=9" +
			"&org=data&org=+design+&level=IC3&interest=Leadership&interest=&track_change=yes&distance_pref=neutral" +
			"&q=++ada+++lovelace+&sort=tz&dir=desc&tz=Europe%2FBerlin&paired=yes",
			Query{Role: RoleMentee, Statuses: []string{"submitted", "approved"}, TZMin: &minus5, TZMax: &plus2,
				Avail: []int{3, 9}, Orgs: []string{"data", "design"}, Levels: []string{"IC3"}, Interests: []string{"leadership"},
				TrackChange: []string{"yes"}, DistancePref: []string{"neutral"}, Q: "ada lovelace", Paired: PairedYes, Sort: SortTZ, Desc: true,
				TZ: "Europe/Berlin"}, nil},
		{"not paired", "paired=no", Query{Paired: PairedNo, Sort: SortName, TZ: "UTC"}, nil},
		{"bad paired", "paired=maybe", Query{Sort: SortName, TZ: "UTC"}, []string{"paired"}},
		{"learner is mentee", "role=learner", Query{Role: RoleMentee, Sort: SortName, TZ: "UTC"}, nil},
		{"bad values", "role=x&status=gone&tz_min=15&tz_max=a&avail=24&avail=-1&sort=age&dir=sideways&tz=..%2Fetc&after=%25%25",
			Query{Sort: SortName, TZ: "UTC"}, []string{"role", "status", "tz_min", "tz_max", "avail", "avail", "sort", "dir", "after", "tz"}},
		{"inverted range", "tz_min=3&tz_max=-3", Query{TZMin: intp(3), Sort: SortName, TZ: "UTC"}, []string{"tz_max"}},
		{"too long", "q=" + strings.Repeat("x", 201) + "&org=" + strings.Repeat("o", 101),
			Query{Sort: SortName, TZ: "UTC"}, []string{"org", "q"}},
		{"too many", "org=" + strings.Repeat("a&org=", 31) + "b", Query{Orgs: []string{"a"}, Sort: SortName, TZ: "UTC"}, []string{"org"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, probs := Parse(v)
			var fields []string
			for _, p := range probs {
				fields = append(fields, p.Field)
				if p.Message == "" {
					t.Errorf("problem without a message: %+v", p)
				}
			}
			if !reflect.DeepEqual(fields, tt.probs) {
				t.Errorf("problems %v, want %v", fields, tt.probs)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func intp(n int) *int { return &n }

// Encoding is canonical: parsing it gives the same query, and the same
// filters in any order encode the same way.
func TestEncodeRoundTrip(t *testing.T) {
	when := time.Date(2026, 9, 1, 12, 30, 0, 123000, time.UTC)
	q, _ := Parse(url.Values{"status": {"approved", "draft"}, "org": {"b", "a"}, "q": {"x  y"}, "avail": {"5", "1"},
		"sort": {SortSubmitted}, "dir": {"desc"}, "tz": {"Asia/Tokyo"}, "tz_min": {"0"}, "paired": {"no"}})
	q.After = &Cursor{Sort: SortSubmitted, Desc: true, ID: 42, Time: &when}
	back, probs := Parse(mustQuery(t, q.Encode()))
	if len(probs) > 0 || !reflect.DeepEqual(back, q) {
		t.Fatalf("round trip: %v\n got %+v\nwant %+v", probs, back, q)
	}
	q2, _ := Parse(url.Values{"org": {"a", "b"}, "status": {"draft", "approved"}, "q": {"x y"}, "avail": {"1", "5"},
		"sort": {SortSubmitted}, "dir": {"desc"}, "tz": {"Asia/Tokyo"}, "tz_min": {"0"}, "paired": {"no"}})
	if q.FirstPage().Encode() != q2.Encode() {
		t.Fatalf("not canonical: %q vs %q", q.FirstPage().Encode(), q2.Encode())
	}
	if (Query{Sort: SortName, TZ: "UTC"}).Encode() != "" {
		t.Fatal("defaults are not left out")
	}
	if got := q.WithSort(SortName, false).Encode(); strings.Contains(got, "after=") || strings.Contains(got, "sort=") {
		t.Fatalf("WithSort kept the cursor or the default sort: %q", got)
	}
	// A cursor of another order is dropped, not an error.
	other, probs := Parse(mustQuery(t, "sort=name&after="+q.After.Encode()))
	if len(probs) > 0 || other.After != nil {
		t.Fatalf("foreign cursor: %+v, %v", other.After, probs)
	}
}

func mustQuery(t *testing.T, s string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCursor(t *testing.T) {
	when := time.Date(2026, 9, 1, 12, 0, 0, 1000, time.FixedZone("x", 3600))
	utc := when.UTC()
	for _, c := range []Cursor{
		{Sort: SortName, ID: 1, Str: "Ada. Lovelace | ünïcode"},
		{Sort: SortEmail, Desc: true, ID: 99, Str: ""},
		{Sort: SortTZ, ID: 7, Int: -330},
		{Sort: SortSubmitted, ID: 8, Time: &utc},
		{Sort: SortSubmitted, Desc: true, ID: 9},
	} {
		got, err := DecodeCursor(c.Encode())
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("%+v: got %+v, %v", c, got, err)
		}
	}
	for _, bad := range []string{"", "!!", "MQ", strings.Repeat("A", 2000),
		b64("2.name.a.1.sx"), b64("1.shoe.a.1.sx"), b64("1.name.x.1.sx"), b64("1.name.a.0.sx"), b64("1.name.a.1"),
		b64("1.tz.a.1.ix"), b64("1.tz.a.1.s1"), b64("1.submitted.a.1.tnope"), b64("1.submitted.a.1.nx"), b64("1.name.a.1.i3")} {
		if _, err := DecodeCursor(bad); err == nil {
			t.Errorf("DecodeCursor(%q) accepted", bad)
		}
	}
}

func b64(s string) string { return (Cursor{}).encodeRaw(s) }

func TestWords(t *testing.T) {
	for in, want := range map[string][]string{
		"":                             nil,
		"Ada":                          {"ada"},
		"  ADA   lovelace ada ":        {"ada", "lovelace"},
		`"ada"* OR x:* & !y | (z)`:     {"ada", "or", "x", "y", "z"},
		"o’brien émile ZOË":            {"o", "brien", "émile", "zoë"},
		"ic3→ic4 5€ ☕":                 {"ic3", "ic4", "5"},
		"a b c d e f g h i j":          {"a", "b", "c", "d", "e", "f", "g", "h"},
		strings.Repeat("x", 70) + " y": {strings.Repeat("x", 64), "y"},
	} {
		if got := Words(in); !reflect.DeepEqual(got, want) {
			t.Errorf("Words(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
		"+1":                 "'+1",
		"-1":                 "'-1",
		"@SUM(A1)":           "'@SUM(A1)",
		"\tx":                "'\tx",
		"\rx":                "'\rx",
		"":                   "",
		"Ada":                "Ada",
		"a=b":                "a=b",
		"09:00–17:00":        "09:00–17:00",
	} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTally(t *testing.T) {
	groups := []Group{
		{Status: "approved", IsMentor: true, Org: "data", Level: "IC1", N: 3},
		{Status: "approved", IsMentee: true, Org: "data", Level: "IC2", N: 2},
		{Status: "submitted", IsMentor: true, IsMentee: true, Org: "design", Level: "IC1", N: 5},
		{Status: "draft", IsMentee: true, Org: "", Level: "", N: 7},
	}
	u := Universe{
		Status: []Option{{"draft", "Draft"}, {"submitted", "Submitted"}, {"approved", "Approved"}},
		Role:   []Option{{RoleMentor, "Mentor"}, {RoleMentee, "Mentee"}},
		Org:    []Option{{"data", "Data"}, {"design", "Design"}, {"", "blank"}},
		Level:  []Option{{"IC1", "IC1"}, {"IC2", "IC2"}},
	}
	q := Query{Role: RoleMentor, Statuses: []string{"approved"}, Orgs: []string{"ops"}}
	f := Tally(q, groups, u)
	counts := func(cs []Count) map[string]int {
		m := map[string]int{}
		for _, c := range cs {
			m[c.Value] = c.N
		}
		return m
	}
	// Status under role=mentor, org=ops: nobody is in ops.
	if got := counts(f.Status); !reflect.DeepEqual(got, map[string]int{"draft": 0, "submitted": 0, "approved": 0}) {
		t.Errorf("status %v", got)
	}
	// Org under role=mentor, status=approved: data 3; ops (selected, unknown) listed with 0; blank left out.
	if got := counts(f.Org); !reflect.DeepEqual(got, map[string]int{"data": 3, "design": 0, "ops": 0}) {
		t.Errorf("org %v", got)
	}
	if f.Total != 0 || !f.Org[2].Selected || f.Org[2].Label != "ops" {
		t.Errorf("total %d, org %+v", f.Total, f.Org)
	}
	f = Tally(Query{Role: RoleMentee}, groups, u)
	if got := counts(f.Role); !reflect.DeepEqual(got, map[string]int{RoleMentor: 8, RoleMentee: 14}) {
		t.Errorf("role %v", got)
	}
	if got := counts(f.Level); !reflect.DeepEqual(got, map[string]int{"IC1": 5, "IC2": 2}) {
		t.Errorf("level %v", got)
	}
	if f.Total != 14 {
		t.Errorf("total %d", f.Total)
	}
}
