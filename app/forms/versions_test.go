package forms

import (
	"slices"
	"testing"
)

func TestAnswersAcrossVersions(t *testing.T) {
	old := loadOne(t, oneStep(
		`{"key":"team","type":"checkboxes","label":"Teams","options":[{"value":"red","label":"Red"},{"value":"green","label":"Green"}]}`,
		`{"key":"nick","type":"text","label":"Nickname"}`,
		`{"key":"gone","type":"text","label":"Never answered"}`))
	cur := loadOne(t, oneStep(
		`{"key":"team","type":"checkboxes","label":"Teams","options":[{"value":"red","label":"Red"}]}`,
		`{"key":"new","type":"text","label":"New"}`))
	answers := Answers{"team": []string{"red", "green"}, "nick": "Al", "stray": "x"}
	team, _ := cur.Field("team")
	for _, tc := range []struct {
		name      string
		older     []*Definition
		want      string
		unoffered bool
	}{
		{"labelled from the older version", []*Definition{old}, "Red, Green " + UnofferedText, true},
		{"no older version: the value", nil, "Red, green " + UnofferedText, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, flagged := DisplayOffered(cur, team, answers, tc.older, now)
			if got != tc.want || flagged != tc.unoffered {
				t.Errorf("DisplayOffered = %q, %v; want %q, %v", got, flagged, tc.want, tc.unoffered)
			}
		})
	}
	if got, flagged := DisplayOffered(cur, team, Answers{"team": []string{"red"}}, nil, now); got != "Red" || flagged {
		t.Errorf("an offered option: %q %v", got, flagged)
	}
	var keys []string
	for _, f := range Removed(cur, answers, []*Definition{cur, old}) {
		keys = append(keys, f.Key)
	}
	if !slices.Equal(keys, []string{"nick"}) {
		t.Errorf("Removed = %v, want the answered field only (not unanswered, not stray keys)", keys)
	}
	keys = nil
	for _, f := range RemovedFields(cur, []*Definition{cur, old}) {
		keys = append(keys, f.Key)
	}
	if !slices.Equal(keys, []string{"nick", "gone"}) {
		t.Errorf("RemovedFields = %v", keys)
	}
	if f, st, ok := FindField([]*Definition{cur, old}, "nick"); !ok || f.Label != "Nickname" || st.Key != "s" {
		t.Errorf("FindField = %v %v %v", f, st, ok)
	}
	if !old.Asked("nick") || cur.Asked("nick") {
		t.Error("Asked")
	}
}
