package pairing

import (
	"math"
	"testing"
)

func TestScoreParts(t *testing.T) {
	w := Weights{Overlap: 1, SharedInterest: 1.5, Distance: 2, LevelGap: 1, TrackChange: 1, MaxOverlapCounted: 4}
	s := Settings{MinOverlapHours: 1, DefaultCapacity: 1, Weights: w}
	type part struct {
		v    float64
		text string
	}
	tests := []struct {
		name    string
		mentor  Person
		mentee  Person
		parts   [nFactors]part
		explain string
	}{
		{
			name:   "overlap wraps around midnight; interests match case-insensitively",
			mentor: Person{ID: 1, Org: "Platform", Level: "IC5", AvailMask: hours(21, 22, 23, 0, 1), Interests: []string{"Leadership", "Rust", "open source"}},
			mentee: Person{ID: 2, Org: "Data", Level: "IC3", AvailMask: hours(23, 0, 1, 2, 3), Interests: []string{" leadership", "rust", "writing"},
				DistancePref: DistancePreferFar},
			parts: [nFactors]part{
				{3, "3 h overlap"},
				{3, "2 shared interests"},
				{2, "other org, as preferred"},
				{1, "level gap 2"},
				{0, "no track change wanted"},
			},
			explain: "3 h overlap · 2 shared interests · other org, as preferred · level gap 2",
		},
		{
			name:   "overlap capped; same org against a far preference; mentor not senior",
			mentor: Person{ID: 1, Org: "Data", Level: "IC3", AvailMask: hours(8, 9, 10, 11, 12, 13), Interests: []string{"writing"}},
			mentee: Person{ID: 2, Org: "data", Level: "IC3", AvailMask: hours(8, 9, 10, 11, 12, 13), Interests: []string{"rust"},
				DistancePref: DistancePreferFar, TrackChange: TrackYes},
			parts: [nFactors]part{
				{4, "6 h overlap (4 counted)"},
				{0, "no shared interests"},
				{-2, "same org, though another was preferred"},
				{-1, "level gap 0, mentor not senior"},
				{0, "track change wanted, same org"},
			},
			explain: "6 h overlap (4 counted) · no shared interests · same org, though another was preferred · level gap 0, mentor not senior",
		},
		{
			name:   "both sides prefer; wide level gap; track change maybe",
			mentor: Person{ID: 1, Org: "Security", Level: "M4", AvailMask: hours(0), Interests: []string{"leadership"}, DistancePref: DistancePreferFar},
			mentee: Person{ID: 2, Org: "Firefox", Level: "IC2", AvailMask: hours(0), Interests: []string{"LEADERSHIP"},
				DistancePref: DistanceRequireFar, TrackChange: TrackMaybe},
			parts: [nFactors]part{
				{1, "1 h overlap"},
				{1.5, "1 shared interest"},
				{4, "other org, as preferred"},
				{-0.25, "level gap 6, wide"},
				{0.5, "other org for a possible track change"},
			},
			explain: "1 h overlap · 1 shared interest · other org, as preferred · level gap 6, wide · other org for a possible track change",
		},
		{
			name:   "preferences differ; unknown level",
			mentor: Person{ID: 1, Org: "Data", Level: "Staff", AvailMask: hours(5, 6), DistancePref: DistancePreferClose},
			mentee: Person{ID: 2, Org: "People", Level: "IC2", AvailMask: hours(6, 7), DistancePref: DistancePreferFar, TrackChange: TrackYes},
			parts: [nFactors]part{
				{1, "1 h overlap"},
				{0, "no shared interests"},
				{0, "other org, preferences differ"},
				{0, "level unknown"},
				{1, "other org for a track change"},
			},
			explain: "1 h overlap · no shared interests · other org for a track change",
		},
		{
			name:   "unknown org: prefer neither met nor missed, no track change credit",
			mentor: Person{ID: 1, Org: "", Level: "IC4", AvailMask: hours(5, 6)},
			mentee: Person{ID: 2, Org: "People", Level: "IC2", AvailMask: hours(5), DistancePref: DistancePreferFar, TrackChange: TrackYes},
			parts: [nFactors]part{
				{1, "1 h overlap"},
				{0, "no shared interests"},
				{0, "org unknown"},
				{1, "level gap 2"},
				{0, "track change wanted, org unknown"},
			},
			explain: "1 h overlap · no shared interests · level gap 2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, refused := Evaluate(&tt.mentor, &tt.mentee, s, nil)
			if len(refused) > 0 {
				t.Fatalf("unexpected refusals %v", refused)
			}
			sum := 0.0
			for k, p := range c.Parts {
				if p.Factor != [...]string{FactorOverlap, FactorInterests, FactorDistance, FactorLevel, FactorTrack}[k] {
					t.Errorf("part %d is %q", k, p.Factor)
				}
				if p.Value != tt.parts[k].v || p.Text != tt.parts[k].text {
					t.Errorf("%s = (%v, %q), want (%v, %q)", p.Factor, p.Value, p.Text, tt.parts[k].v, tt.parts[k].text)
				}
				sum += p.Value
			}
			if math.Abs(sum-c.Score) > 1e-12 {
				t.Errorf("parts add up to %v, score is %v", sum, c.Score)
			}
			if c.Explanation != tt.explain {
				t.Errorf("explanation\n got %q\nwant %q", c.Explanation, tt.explain)
			}
		})
	}
}

func TestMaxOverlapZeroMeansUncapped(t *testing.T) {
	s := Settings{Weights: Weights{Overlap: 1}}
	c, _ := Evaluate(&Person{ID: 1, AvailMask: 1<<24 - 1}, &Person{ID: 2, AvailMask: 0xFFFFFFFF}, s, nil)
	if c.Score != 24 || c.Parts[0].Text != "24 h overlap" {
		t.Errorf("got %v %q; bits above 23 must be ignored and nothing capped", c.Score, c.Parts[0].Text)
	}
}
