package matching

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"cohort/db"
)

// Answer is one shown answer on a card.
type Answer struct{ Label, Value string }

// Card is a mentor as a mentee sees them among their suggestions: the
// name, the scorer's explanation, what they offer, and only the answers of
// fields the program marks as shown to members.
type Card struct {
	MentorID    int64
	Name        string
	Explanation string
	Interests   []string
	Answers     []Answer
	Requested   bool // the mentee has a pending request to them
}

// CardAnswers picks the shown answers of answers in the order of keys
// (the form's order), labelled by labels (key when missing). Pure, so the
// privacy rule is tested alone.
func CardAnswers(cfg Config, keys []string, labels map[string]string, answers map[string]any) []Answer {
	var out []Answer
	for _, k := range keys {
		if !cfg.Shown(k) {
			continue
		}
		v := answerText(answers[k])
		if v == "" {
			continue
		}
		l := labels[k]
		if l == "" {
			l = k
		}
		out = append(out, Answer{Label: l, Value: v})
	}
	return out
}

func answerText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		parts := make([]string, 0, len(x))
		for _, p := range x {
			if s := answerText(p); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	case []string:
		return strings.Join(x, ", ")
	case bool:
		if x {
			return "yes"
		}
		return "no"
	}
	return fmt.Sprint(v)
}

// FieldLabels are a form's field keys in order and their labels.
type FieldLabels struct {
	Keys   []string
	Labels map[string]string
}

// Page is one page of suggestion cards.
type Page struct {
	Cards      []Card
	Page, Last int // 1-based
	Prev, Next int // the neighbouring pages, for links
	Interests  []string
}

// Suggestions are the best mentors for mentee by the staff scorer, with
// paused and full mentors left out, at most MaxSuggestions of them: a
// mentee never pages past them to other participants. interest keeps the
// mentors who offer it; page is 1-based.
func (s *Service) Suggestions(ctx context.Context, program *db.Program, menteeID int64, interest string, page int, fl FieldLabels) (*Page, error) {
	cfg := ConfigFor(program)
	pool, err := s.pairs.LoadPool(ctx, program)
	if err != nil {
		return nil, err
	}
	target, err := s.pairs.Target(ctx, program.ID, menteeID)
	if err != nil {
		return nil, err
	}
	cands, err := s.pairs.Suggest(ctx, pool, target, true, MaxSuggestions*2)
	if err != nil {
		return nil, err
	}
	mine, err := s.store.ListMatchRequests(ctx, db.MatchRequestQuery{MenteeID: menteeID, Statuses: []string{db.RequestPending}})
	if err != nil {
		return nil, err
	}
	var cards []Card
	interests := map[string]bool{}
	for _, c := range cands {
		if len(cards) == MaxSuggestions {
			break
		}
		pref, err := s.store.MentorPrefOf(ctx, c.Mentor.ID)
		if err != nil {
			return nil, err
		}
		if cur, _ := pool.Load(c.Mentor.ID); pref.Paused || cur >= cfg.OwnCapacity(pref) {
			continue
		}
		for _, in := range c.Mentor.Interests {
			interests[in] = true
		}
		cards = append(cards, Card{MentorID: c.Mentor.ID, Name: c.Mentor.Name, Explanation: c.Explanation,
			Interests: c.Mentor.Interests,
			Requested: slices.ContainsFunc(mine, func(r *db.MatchRequestView) bool { return r.MentorEnrollmentID == c.Mentor.ID })})
	}
	out := &Page{}
	for in := range interests {
		out.Interests = append(out.Interests, in)
	}
	slices.Sort(out.Interests)
	if interest = strings.ToLower(strings.TrimSpace(interest)); interest != "" {
		cards = slices.DeleteFunc(cards, func(c Card) bool {
			return !slices.ContainsFunc(c.Interests, func(s string) bool { return strings.ToLower(s) == interest })
		})
	}
	out.Last = max((len(cards)+SuggestionsPerPage-1)/SuggestionsPerPage, 1)
	out.Page = min(max(page, 1), out.Last)
	out.Prev, out.Next = out.Page-1, out.Page+1
	lo := (out.Page - 1) * SuggestionsPerPage
	out.Cards = cards[lo:min(lo+SuggestionsPerPage, len(cards))]
	for i := range out.Cards {
		e, err := s.store.EnrollmentByID(ctx, out.Cards[i].MentorID)
		if err != nil {
			return nil, err
		}
		out.Cards[i].Answers = CardAnswers(cfg, fl.Keys, fl.Labels, e.Answers)
	}
	return out, nil
}

// Suggested reports whether mentor is among the mentee's suggestions (any
// page, any interest): the only mentors a mentee may request, so a request
// form cannot be used to probe who else takes part.
func (s *Service) Suggested(ctx context.Context, program *db.Program, menteeID, mentorID int64) (bool, error) {
	pool, err := s.pairs.LoadPool(ctx, program)
	if err != nil {
		return false, err
	}
	target, err := s.pairs.Target(ctx, program.ID, menteeID)
	if err != nil {
		return false, err
	}
	cands, err := s.pairs.Suggest(ctx, pool, target, true, MaxSuggestions*2)
	if err != nil {
		return false, err
	}
	for i, c := range cands {
		if i >= MaxSuggestions*2 {
			break
		}
		if c.Mentor.ID == mentorID {
			return true, nil
		}
	}
	return false, nil
}
