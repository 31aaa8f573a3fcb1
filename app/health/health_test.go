package health_test

import (
	"slices"
	"testing"
	"time"

	"cohort/app/health"
)

func TestAssess(t *testing.T) {
	const day = 24 * time.Hour
	const week = 7 * day
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	rules := health.Rules{LowRating: 2, NotMetByWeek: 2, ResponseDays: 7}
	ana, ben := health.Person{ID: 1, Name: "Ana"}, health.Person{ID: 2, Name: "Ben"}
	ans := func(who int64, weeks int, met string, rating int, contact bool) health.Answer {
		return health.Answer{PersonID: who, Weeks: weeks, Met: met, Rating: rating, ContactMe: contact,
			UpdatedAt: t0.Add(time.Duration(weeks) * week)}
	}
	handled := t0.Add(6*week + day)
	for _, tc := range []struct {
		name    string
		rules   health.Rules
		answers []health.Answer
		handled *time.Time
		at      time.Duration
		want    health.State
		reasons []string
	}{
		{name: "nothing due yet", at: 2*week + 6*day, want: health.Early},
		{name: "first point due, no answers", at: 2*week + 7*day, want: health.NoResponse,
			reasons: []string{"neither answered the week-2 check-in"}},
		{name: "one answered well", at: 3 * week, answers: []health.Answer{ans(1, 2, "once", 4, false)}, want: health.OnTrack},
		{name: "low rating", at: 3 * week, answers: []health.Answer{ans(1, 2, "once", 4, false), ans(2, 2, "once", 2, false)},
			want: health.NeedsAttention, reasons: []string{"Ben rated 2/5 at week 2"}},
		{name: "rating above the threshold", rules: health.Rules{LowRating: 1, NotMetByWeek: 2, ResponseDays: 7}, at: 3 * week,
			answers: []health.Answer{ans(2, 2, "once", 2, false)}, want: health.OnTrack},
		{name: "not met, asked for contact", at: 3 * week, answers: []health.Answer{ans(1, 2, "not_yet", 3, true)},
			want: health.NeedsAttention, reasons: []string{"Ana says they have not met by week 2", "Ana asked to be contacted (week 2)"}},
		{name: "not met before the threshold week", rules: health.Rules{LowRating: 2, NotMetByWeek: 6, ResponseDays: 7}, at: 3 * week,
			answers: []health.Answer{ans(1, 2, "not_yet", 3, false)}, want: health.OnTrack},
		{name: "a later good answer ends an early concern", at: 7 * week,
			answers: []health.Answer{ans(1, 2, "not_yet", 1, true), ans(1, 6, "several", 5, false)}, want: health.OnTrack},
		{name: "week 6 unanswered after answering week 2", at: 7 * week,
			answers: []health.Answer{ans(1, 2, "once", 4, false), ans(2, 2, "once", 5, false)},
			want:    health.NoResponse, reasons: []string{"neither answered the week-6 check-in"}},
		{name: "week 6 not yet due for no-response", at: 6*week + 6*day,
			answers: []health.Answer{ans(1, 2, "once", 4, false)}, want: health.OnTrack},
		{name: "concern marked handled", at: 7 * week, handled: &handled,
			answers: []health.Answer{ans(1, 6, "once", 1, true)}, want: health.OnTrack},
		{name: "answer edited after handling raises it again", at: 7 * week, handled: &handled,
			answers: []health.Answer{{PersonID: 1, Weeks: 6, Met: "once", Rating: 1, UpdatedAt: handled.Add(time.Hour)}},
			want:    health.NeedsAttention, reasons: []string{"Ana rated 1/5 at week 6"}},
		{name: "both raise concerns", at: 3 * week, answers: []health.Answer{ans(1, 2, "once", 2, false), ans(2, 2, "once", 1, true)},
			want: health.NeedsAttention, reasons: []string{"Ana rated 2/5 at week 2", "Ben rated 1/5 at week 2", "Ben asked to be contacted (week 2)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rules
			if tc.rules != (health.Rules{}) {
				r = tc.rules
			}
			got := health.Assess(r, health.Pair{Mentor: ana, Mentee: ben, Start: t0, Points: []int{2, 6},
				Answers: tc.answers, HandledAt: tc.handled}, t0.Add(tc.at))
			if got.State != tc.want || !slices.Equal(got.Reasons, tc.reasons) {
				t.Fatalf("Assess = %s %q; want %s %q", got.State, got.Reasons, tc.want, tc.reasons)
			}
		})
	}
}

func TestStateOrder(t *testing.T) {
	if !(health.NeedsAttention.Rank() > health.NoResponse.Rank() && health.NoResponse.Rank() > health.OnTrack.Rank() &&
		health.OnTrack.Rank() > health.Early.Rank()) {
		t.Fatal("states out of order")
	}
	for _, s := range health.States {
		if s.Label() == "" {
			t.Fatalf("%s has no label", s)
		}
	}
}
