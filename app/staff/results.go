package staff

import (
	"context"
	"strconv"

	"cohort/app/forms"
	"cohort/app/formsource"
	"cohort/app/participants"
	"cohort/db"
)

// Results reads the participant table: for a program as of one data
// version and a query, the facet counts and a page of rows in the table's
// order, each through one cache keyed by program, data version and the
// canonical query (see resultCache). The table's handlers and the JSON API
// (app/api) both read through the one Results Register returns, so
// they answer with the same rows in the same order and share cached work.
//
// Results decides nothing about access: callers check permissions first.
type Results struct {
	store    *db.Store
	forms    *formsource.Source
	cache    *resultCache
	programs programCache
}

// NewResults returns a Results over store, with program forms from src.
func NewResults(store *db.Store, src *formsource.Source) *Results {
	r := &Results{store: store, forms: src, cache: newResultCache(cacheEntries)}
	// A published form changes the table's labels and filters at once.
	store.OnFormPublished(r.programs.forget)
	return r
}

// Forms is the source of the programs' forms the table reads.
func (r *Results) Forms() *formsource.Source { return r.forms }

// Snapshot is a program as of one data version: what cached answers about
// it are filed under.
type Snapshot struct {
	Program *db.Program
	Def     *forms.Definition
	Version string // db.ParticipantsStamp
}

// Page is one page of the table. Its rows are shared between requests:
// read them, never modify them.
type Page struct {
	Rows []db.ParticipantRow
	// Next is where the following page starts, nil on the last page.
	Next *participants.Cursor
}

// MaxLimit is the largest page Page reads.
const MaxLimit = 200

// Program returns the program with that slug (db.ErrNotFound if none),
// reused for a few seconds (see programCache). Callers must not modify it.
func (r *Results) Program(ctx context.Context, slug string) (*db.Program, error) {
	return r.programs.get(ctx, r.store, slug)
}

// Snapshot reads p's data version and form. Call it after the permission
// checks (a refused request then costs no more) and before reading any
// data, so nothing is filed under a version newer than its data.
func (r *Results) Snapshot(ctx context.Context, p *db.Program) (Snapshot, error) {
	def, err := r.forms.Current(ctx, p)
	if err != nil {
		return Snapshot{}, err
	}
	v, err := r.store.ParticipantsStamp(ctx, p.ID)
	if err != nil {
		return Snapshot{}, err
	}
	return Snapshot{Program: p, Def: def, Version: v}, nil
}

// prefix starts every cache key about s. The form version is part of it:
// labels and filters come from the form.
func (s Snapshot) prefix() string {
	return strconv.FormatInt(s.Program.ID, 10) + "|" + s.Version + "|" + strconv.Itoa(s.Program.FormVersion) + "|"
}

// Read is the facet counts for q and the page of up to limit rows that q
// asks for (q.After: where it starts).
func (r *Results) Read(ctx context.Context, s Snapshot, q participants.Query, limit int) (participants.Facets, *Page, error) {
	// Facets first: their total says how many rows match, which picks the
	// page query's plan (see db.ParticipantPage.FewMatches).
	f, err := r.Facets(ctx, s, q)
	if err != nil {
		return participants.Facets{}, nil, err
	}
	pg, err := r.page(ctx, s, q, limit, f.Total)
	if err != nil {
		return participants.Facets{}, nil, err
	}
	return f, pg, nil
}

// Memo returns what render produces for q, made once per snapshot, query
// and variant and then shared: the table keeps its rendered results
// partial here, the API its encoded JSON page, because rendering a page
// costs far more than finding it. variant must name everything besides
// the snapshot and q that the bytes depend on (permissions shown, page
// size); q is keyed by its canonical encoding, so the caller clears what
// its output ignores (the API clears q.TZ).
func (r *Results) Memo(s Snapshot, variant string, q participants.Query, render func() ([]byte, error)) ([]byte, error) {
	v, err := r.cache.get("out|"+variant+"|"+s.prefix()+q.Encode(), func() (any, error) { return render() })
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

// fewMatches is the match count below which the page query reads every
// match and sorts rather than walking the sort order: in a program of
// 100,000, a walk to fill a page of 50 reads about 5,000,000/total rows.
const fewMatches = 1000

// page reads (or finds in the cache) the page q asks for; total is how
// many rows match q.
func (r *Results) page(ctx context.Context, s Snapshot, q participants.Query, limit, total int) (*Page, error) {
	limit = min(max(limit, 1), MaxLimit)
	if total == 0 {
		return &Page{}, nil
	}
	// The viewer's zone changes how the page is shown, not its rows.
	keyQ := q
	keyQ.TZ = ""
	key := "page|" + strconv.Itoa(limit) + "|" + s.prefix() + keyQ.Encode()
	v, err := r.cache.get(key, func() (any, error) {
		pg := db.ParticipantPage{Filter: dbFilter(s.Program.ID, q), Sort: q.Sort, Desc: q.Desc, Limit: limit + 1,
			FewMatches: total < fewMatches}
		if q.After != nil {
			pg.After = dbKey(q.After)
		}
		rows, err := r.store.ListParticipants(ctx, pg)
		if err != nil {
			return nil, err
		}
		out := &Page{Rows: rows}
		if len(rows) > limit {
			out.Rows = rows[:limit]
			next := cursorFor(q, &out.Rows[limit-1])
			out.Next = &next
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Page), nil
}

// Facets counts (or finds in the cache) the facets for q's filters. The
// expensive part, grouping the matching rows, depends only on the filters
// that are not facets, so it is cached under those: ticking statuses,
// roles, organizations or levels re-tallies cached groups instead of
// scanning again.
func (r *Results) Facets(ctx context.Context, s Snapshot, q participants.Query) (participants.Facets, error) {
	prefix := s.prefix()
	v, err := r.cache.get("facets|"+prefix+q.FilterKey(), func() (any, error) {
		u, err := r.cache.get("values|"+prefix, func() (any, error) {
			orgs, levels, err := r.store.ParticipantValues(ctx, s.Program.ID, maxFacetValues)
			if err != nil {
				return nil, err
			}
			return universe(s.Def, orgs, levels), nil
		})
		if err != nil {
			return nil, err
		}
		common := q
		common.Role, common.Statuses, common.Orgs, common.Levels = "", nil, nil, nil
		gs, err := r.cache.get("groups|"+prefix+common.FilterKey(), func() (any, error) {
			groups, err := r.store.ParticipantGroups(ctx, dbFilter(s.Program.ID, common))
			if err != nil {
				return nil, err
			}
			gs := make([]participants.Group, len(groups))
			for i, g := range groups {
				gs[i] = participants.Group{Status: g.Status, IsMentor: g.IsMentor, IsMentee: g.IsMentee, Org: g.Org, Level: g.Level, N: g.N}
			}
			return gs, nil
		})
		if err != nil {
			return nil, err
		}
		return participants.Tally(q, gs.([]participants.Group), u.(participants.Universe)), nil
	})
	if err != nil {
		return participants.Facets{}, err
	}
	return v.(participants.Facets), nil
}

// maxFacetValues bounds the organization and level lists (free-text
// answers could otherwise make them endless).
const maxFacetValues = 200

// dbFilter translates the table's query into the store's filter.
func dbFilter(programID int64, q participants.Query) db.ParticipantFilter {
	return db.ParticipantFilter{
		ProgramID: programID, Role: q.Role, Statuses: q.Statuses,
		TZMinMinutes: q.TZMinMinutes(), TZMaxMinutes: q.TZMaxMinutes(), AvailBits: q.AvailBits(),
		Orgs: q.Orgs, Levels: q.Levels, Interests: q.Interests,
		TrackChanges: q.TrackChange, DistancePrefs: q.DistancePref,
		Words:  participants.Words(q.Q),
		Paired: pairedFilter(q.Paired),
	}
}

// pairedFilter is the store's form of the paired filter.
func pairedFilter(v string) *bool {
	switch v {
	case participants.PairedYes:
		t := true
		return &t
	case participants.PairedNo:
		f := false
		return &f
	}
	return nil
}

// dbKey and cursorFor convert between the URL's cursor and the store's
// keyset position.
func dbKey(c *participants.Cursor) *db.ParticipantKey {
	return &db.ParticipantKey{Str: c.Str, Int: c.Int, Time: c.Time, ID: c.ID}
}

func cursorFor(q participants.Query, r *db.ParticipantRow) participants.Cursor {
	k := r.Key(q.Sort)
	return participants.Cursor{Sort: q.Sort, Desc: q.Desc, ID: k.ID, Str: k.Str, Int: k.Int, Time: k.Time}
}
