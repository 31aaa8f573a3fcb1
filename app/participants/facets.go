package participants

import "slices"

// Group is one row of the facet query: how many participants share these
// facet values among those matching every filter that is not a facet
// (time zone, hours, interests, search, …).
type Group struct {
	Status             string
	IsMentor, IsMentee bool
	Org, Level         string
	N                  int
}

// Option is one value a facet can take, with the words it is shown in.
type Option struct{ Value, Label string }

// Count is one facet value with the number of participants it would show.
type Count struct {
	Option
	N        int
	Selected bool
}

// Facets are the counts shown beside the filters. Each facet counts under
// the OTHER current filters: the status counts ignore the status filter
// (so they say what ticking another status would add), and so on.
type Facets struct {
	Status, Role, Org, Level []Count
	// Total is how many participants match every filter.
	Total int
}

// Universe is the values each facet lists, in order, whatever their
// counts, so the list does not jump about as filters change.
type Universe struct {
	Status, Role, Org, Level []Option
}

// Tally computes the facets for q from groups (see Group). One scan of the
// matching rows grouped by the four facet columns gives all four facets:
// each is the sum over the groups that pass the other three facet filters.
func Tally(q Query, groups []Group, u Universe) Facets {
	status := map[string]int{}
	role := map[string]int{}
	org := map[string]int{}
	level := map[string]int{}
	var f Facets
	for _, g := range groups {
		ps, pr := passes(q.Statuses, g.Status), passesRole(q.Role, g)
		po, pl := passes(q.Orgs, g.Org), passes(q.Levels, g.Level)
		if pr && po && pl {
			status[g.Status] += g.N
		}
		if ps && po && pl {
			if g.IsMentor {
				role[RoleMentor] += g.N
			}
			if g.IsMentee {
				role[RoleMentee] += g.N
			}
		}
		if ps && pr && pl {
			org[g.Org] += g.N
		}
		if ps && pr && po {
			level[g.Level] += g.N
		}
		if ps && pr && po && pl {
			f.Total += g.N
		}
	}
	var roles []string
	if q.Role != "" {
		roles = []string{q.Role}
	}
	f.Status = counts(u.Status, status, q.Statuses)
	f.Role = counts(u.Role, role, roles)
	f.Org = counts(u.Org, org, q.Orgs)
	f.Level = counts(u.Level, level, q.Levels)
	return f
}

func passes(selected []string, v string) bool {
	return len(selected) == 0 || slices.Contains(selected, v)
}

func passesRole(role string, g Group) bool {
	switch role {
	case RoleMentor:
		return g.IsMentor
	case RoleMentee:
		return g.IsMentee
	}
	return true
}

// counts lists the universe in order with their counts, then any selected
// value the universe lacks (a link may name one nobody has, and the person
// must be able to untick it). A blank value (an unanswered question) is
// not a facet.
func counts(universe []Option, n map[string]int, selected []string) []Count {
	out := make([]Count, 0, len(universe))
	for _, o := range universe {
		if o.Value == "" {
			continue
		}
		out = append(out, Count{Option: o, N: n[o.Value], Selected: slices.Contains(selected, o.Value)})
	}
	for _, s := range selected {
		if !slices.ContainsFunc(universe, func(o Option) bool { return o.Value == s }) {
			out = append(out, Count{Option: Option{s, s}, N: n[s], Selected: true})
		}
	}
	return out
}
