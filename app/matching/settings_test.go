package matching_test

import (
	"slices"
	"testing"

	"cohort/app/matching"
	"cohort/db"
)

func TestSettingsForm(t *testing.T) {
	for _, tc := range []struct {
		name    string
		form    matching.Form
		errKey  string
		mode    string
		maxOpen int
		fields  []string
	}{
		{name: "defaults", form: matching.Form{Mode: "both"}, mode: "both"},
		{name: "numbers and fields", form: matching.Form{Mode: "members", MaxOpen: "5", ExpiryDays: "10", DigestDays: "3", Fields: "comments, org org"},
			mode: "members", maxOpen: 5, fields: []string{"comments", "org"}},
		{name: "unknown mode", form: matching.Form{Mode: "lottery"}, errKey: "matching_mode"},
		{name: "K out of range", form: matching.Form{Mode: "both", MaxOpen: "0"}, errKey: "max_open_requests"},
		{name: "manager never shown", form: matching.Form{Mode: "both", Fields: "comments, manager_email"}, errKey: "member_fields"},
		{name: "bad key", form: matching.Form{Mode: "both", Fields: "Drop Table"}, errKey: "member_fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := db.ProgramSettings{MinOverlapHours: 3}
			errs := tc.form.Apply(&ps)
			if tc.errKey != "" {
				if errs[tc.errKey] == "" || ps.MatchingMode != "" {
					t.Fatalf("want error on %s and nothing changed: %v %+v", tc.errKey, errs, ps)
				}
				return
			}
			if len(errs) > 0 || ps.MatchingMode != tc.mode || ps.MaxOpenRequests != tc.maxOpen || !slices.Equal(ps.MemberFields, tc.fields) || ps.MinOverlapHours != 3 {
				t.Fatalf("%v %+v", errs, ps)
			}
		})
	}
}

func TestCardAnswersShowOnlyMarkedFields(t *testing.T) {
	cfg := matching.Config{MemberFields: []string{"comments", "manager_email", "level"}}
	got := matching.CardAnswers(cfg, []string{"full_name", "manager_email", "comments", "org", "level", "interests"},
		map[string]string{"comments": "Comments"},
		map[string]any{"full_name": "Sam", "manager_email": "boss@example.org", "comments": "Chess", "org": "secret", "level": "IC4", "interests": []any{"a", "b"}})
	want := []matching.Answer{{Label: "Comments", Value: "Chess"}, {Label: "level", Value: "IC4"}}
	if !slices.Equal(got, want) {
		t.Fatalf("%+v", got)
	}
}
