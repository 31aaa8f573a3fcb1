package db

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"cohort/config"
)

// Participant sort keys (the staff table's columns).
const (
	ParticipantSortName      = "name"
	ParticipantSortEmail     = "email"
	ParticipantSortStatus    = "status"
	ParticipantSortOrg       = "org"
	ParticipantSortLevel     = "level"
	ParticipantSortTZ        = "tz"
	ParticipantSortSubmitted = "submitted"
)

// ParticipantFilter selects enrollments of one program for the staff
// table. Zero fields do not filter. Multi-valued fields match any of their
// values, except Interests and Words, which must all match.
type ParticipantFilter struct {
	ProgramID     int64
	Role          string // "mentor" (is_mentor), "mentee" (is_mentee) or ""
	Statuses      []string
	TZMinMinutes  *int // UTC offset bounds, inclusive
	TZMaxMinutes  *int
	AvailBits     int64 // available at every one of these UTC hours
	Orgs          []string
	Levels        []string
	Interests     []string // lower-cased; either side
	TrackChanges  []string
	DistancePrefs []string
	// Words are search words of letters and digits only (see
	// participants.Words); each must be the prefix of a word in the name,
	// email, organization or comments. They are bound as parameters, but
	// they also end up inside FTS5 and tsquery syntax, so nothing else
	// may be in them.
	Words []string
	// Paired keeps only those in a pair that has not ended, as mentor or
	// mentee (true), or only those in none (false); nil does not filter.
	Paired *bool
}

// ParticipantKey is a keyset position: the sort key of a row and its id.
// Str holds text keys, Int the tz key (offset minutes), Time the submitted
// key (nil for a row never submitted).
type ParticipantKey struct {
	Str  string
	Int  int64
	Time *time.Time
	ID   int64
}

// ParticipantPage asks for one page of the table.
type ParticipantPage struct {
	Filter ParticipantFilter
	Sort   string // a ParticipantSort* key; unknown means name
	Desc   bool
	After  *ParticipantKey // continue after this row (nil: from the start)
	Limit  int
	// FewMatches tells the store that few rows match (the caller knows it
	// from the facet counts). SQLite, which has no statistics to guess it,
	// then reads the matches through the most selective filter and sorts
	// them, instead of walking the sort order until a page is full — the
	// right plan for common filters, but a walk through the whole program
	// for a rare interest. Postgres plans from its own statistics.
	FewMatches bool
}

// ParticipantRow is one participant as the table and the CSV show them.
type ParticipantRow struct {
	ID           int64      `bun:"id"`
	PersonID     int64      `bun:"person_id"`
	FullName     string     `bun:"full_name"`
	Email        string     `bun:"email"`
	Status       string     `bun:"status"`
	IsMentor     bool       `bun:"is_mentor"`
	IsMentee     bool       `bun:"is_mentee"`
	TimeZone     string     `bun:"time_zone"`
	TZOffsetMin  int        `bun:"tz_offset_min"`
	AvailMask    int64      `bun:"avail_mask"`
	Org          string     `bun:"org"`
	Level        string     `bun:"level"`
	TrackChange  string     `bun:"track_change"`
	DistancePref string     `bun:"distance_pref"`
	SubmittedAt  *time.Time `bun:"submitted_at"`
	// Paired: in a pair that has not ended (proposed or active), either side.
	Paired bool `bun:"paired"`

	Interests []EnrollmentInterest `bun:"-"`
}

// Key is the row's keyset position in the given sort order.
func (r *ParticipantRow) Key(sort string) ParticipantKey {
	k := ParticipantKey{ID: r.ID}
	switch sort {
	case ParticipantSortEmail:
		k.Str = r.Email
	case ParticipantSortStatus:
		k.Str = r.Status
	case ParticipantSortOrg:
		k.Str = r.Org
	case ParticipantSortLevel:
		k.Str = r.Level
	case ParticipantSortTZ:
		k.Int = int64(r.TZOffsetMin)
	case ParticipantSortSubmitted:
		k.Time = r.SubmittedAt
	default:
		k.Str = r.FullName
	}
	return k
}

// ParticipantGroup counts participants sharing the four facet values.
type ParticipantGroup struct {
	Status   string `bun:"status"`
	IsMentor bool   `bun:"is_mentor"`
	IsMentee bool   `bun:"is_mentee"`
	Org      string `bun:"org"`
	Level    string `bun:"level"`
	N        int    `bun:"n"`
}

const participantColumns = "e.id, e.person_id, e.full_name, p.email, e.status, e.is_mentor, e.is_mentee, " +
	"e.time_zone, e.tz_offset_min, e.avail_mask, e.org, e.level, e.track_change, e.distance_pref, e.submitted_at, " +
	pairedExpr + " AS paired"

// pairedExpr is true for an enrollment in a pair that has not ended, on
// either side (the pairs_mentor_idx and pairs_mentee_idx answer it).
const pairedExpr = "EXISTS (SELECT 1 FROM pairs AS pr WHERE pr.status <> '" + PairEnded + "' " +
	"AND (pr.mentor_enrollment_id = e.id OR pr.mentee_enrollment_id = e.id))"

// sqliteSortIndex names the index that walks a program's enrollments in
// each order. SQLite has no statistics unless ANALYZE has run, and without
// them it tends to pick the time-zone index and sort every match; walking
// the sort index instead stops after one page of matches.
var sqliteSortIndex = map[string]string{
	ParticipantSortName:      "enrollments_program_name_idx",
	ParticipantSortStatus:    "enrollments_program_status_idx",
	ParticipantSortOrg:       "enrollments_program_org_idx",
	ParticipantSortLevel:     "enrollments_program_level_idx",
	ParticipantSortTZ:        "enrollments_program_tz_idx",
	ParticipantSortSubmitted: "enrollments_program_submitted_idx",
}

// collate makes Postgres compare text byte by byte, as SQLite does, so
// both databases give the same order whatever the server's locale.
func (s *Store) collate() string {
	if s.dialect == config.DialectPostgres {
		return ` COLLATE "C"`
	}
	return ""
}

// sortExpr is the column a sort key orders by.
func (s *Store) sortExpr(sort string) string {
	switch sort {
	case ParticipantSortEmail:
		return "p.email" + s.collate()
	case ParticipantSortStatus:
		return "e.status" + s.collate()
	case ParticipantSortOrg:
		return "e.org" + s.collate()
	case ParticipantSortLevel:
		return "e.level" + s.collate()
	case ParticipantSortTZ:
		return "e.tz_offset_min"
	case ParticipantSortSubmitted:
		return "e.submitted_at"
	}
	return "e.full_name" + s.collate()
}

// plan says how participantSelect should shape a query for SQLite's
// planner (Postgres ignores it).
type plan int

const (
	planWalk   plan = iota // walk the sort index, filter as you go, stop after a page
	planFew                // read the few matches through the rarest filter, then sort
	planFacets             // scan the covering facet index, grouping
)

// participantSelect starts a query over the program's enrollments joined
// to their people, filtered by f. planFacets leaves out the four facet
// filters (status, role, org, level) and the join: the facet query groups
// by them.
func (s *Store) participantSelect(f ParticipantFilter, sort string, pl plan) *bun.SelectQuery {
	lite := s.dialect == config.DialectSQLite
	facets := pl == planFacets
	from := "enrollments AS e"
	if lite && facets {
		from += " INDEXED BY enrollments_program_facets_idx"
	}
	if lite && len(f.Words) == 0 && pl == planWalk {
		switch idx, ok := sqliteSortIndex[sort]; {
		case ok:
			from += " INDEXED BY " + idx
		case sort == ParticipantSortEmail:
			// Walk people in email order and look each one up in the
			// program (CROSS JOIN fixes the join order in SQLite).
			from = "people AS p INDEXED BY people_email_key CROSS JOIN enrollments AS e"
		}
	}
	q := s.r.NewSelect().TableExpr(from)
	if !strings.HasPrefix(from, "people") && !facets {
		q = q.Join("JOIN people AS p ON p.id = e.person_id")
	} else if !facets {
		q = q.Where("e.person_id = p.id")
	}
	// With few matches and a list of ids to start from (interests, search
	// words), the unary + stops SQLite from walking the program's index
	// instead of looking those ids up.
	if lite && pl == planFew && (len(f.Interests) > 0 || len(f.Words) > 0) {
		q = q.Where("+e.program_id = ?", f.ProgramID)
	} else {
		q = q.Where("e.program_id = ?", f.ProgramID)
	}
	if !facets {
		switch f.Role {
		case "mentor":
			q = q.Where("e.is_mentor")
		case "mentee":
			q = q.Where("e.is_mentee")
		}
		if len(f.Statuses) > 0 {
			q = q.Where("e.status IN (?)", bun.List(f.Statuses))
		}
		if len(f.Orgs) > 0 {
			q = q.Where("e.org IN (?)", bun.List(f.Orgs))
		}
		if len(f.Levels) > 0 {
			q = q.Where("e.level IN (?)", bun.List(f.Levels))
		}
	}
	if f.TZMinMinutes != nil {
		q = q.Where("e.tz_offset_min >= ?", *f.TZMinMinutes)
	}
	if f.TZMaxMinutes != nil {
		q = q.Where("e.tz_offset_min <= ?", *f.TZMaxMinutes)
	}
	if f.AvailBits != 0 {
		q = q.Where("(e.avail_mask & ?) = ?", f.AvailBits, f.AvailBits)
	}
	if len(f.TrackChanges) > 0 {
		q = q.Where("e.track_change IN (?)", bun.List(f.TrackChanges))
	}
	if len(f.DistancePrefs) > 0 {
		q = q.Where("e.distance_pref IN (?)", bun.List(f.DistancePrefs))
	}
	if f.Paired != nil {
		if *f.Paired {
			q = q.Where(pairedExpr)
		} else {
			q = q.Where("NOT " + pairedExpr)
		}
	}
	for _, in := range f.Interests {
		switch {
		case lite && pl != planWalk:
			// The facet scan visits every candidate, and a rare interest is
			// where a few matches start: reading the interest's ids once
			// into a list beats a probe per row.
			q = q.Where("e.id IN (SELECT i.enrollment_id FROM enrollment_interests AS i WHERE i.interest = ?)", in)
		case lite:
			// A page stops after 50 matches: one probe of the primary key
			// (enrollment_id first) per row walked beats building the list.
			// The unary + keeps SQLite off the (interest, …) index, which it
			// would otherwise scan in full for every row.
			q = q.Where("EXISTS (SELECT 1 FROM enrollment_interests AS i WHERE i.enrollment_id = e.id AND +i.interest = ?)", in)
		default:
			// Postgres plans either form as a semi-join, with statistics.
			q = q.Where("EXISTS (SELECT 1 FROM enrollment_interests AS i WHERE i.enrollment_id = e.id AND i.interest = ?)", in)
		}
	}
	if len(f.Words) > 0 {
		if s.dialect == config.DialectPostgres {
			q = q.Where("e.id IN (SELECT enrollment_id FROM participant_search WHERE doc @@ CAST(? AS tsquery))", tsQuery(f.Words))
		} else {
			q = q.Where("e.id IN (SELECT rowid FROM participant_fts WHERE participant_fts MATCH ?)", fts5Match(f.Words))
		}
	}
	return q
}

func (pg *ParticipantPage) plan() plan {
	if pg.FewMatches {
		return planFew
	}
	return planWalk
}

// fts5Match and tsQuery build the engines' prefix queries. The words are
// letters and digits only (the caller's contract), so quoting them is
// enough to keep them literal.
func fts5Match(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = `"` + strings.ReplaceAll(w, `"`, "") + `"*`
	}
	return strings.Join(parts, " ")
}

func tsQuery(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = "'" + strings.NewReplacer("'", "", `\`, "").Replace(w) + "':*"
	}
	return strings.Join(parts, " & ")
}

// syncSearch brings the search index up to date before a search: edits
// only queue their enrollment (migrations 0005 and 0012), and this
// re-indexes the queue. On Postgres that is one statement, which takes the
// queued rows (a concurrent search waits for them, then finds them gone
// and their documents written) and does nothing when the queue is empty.
// On SQLite, with nothing queued it is one cheap read; otherwise one write
// transaction.
func (s *Store) syncSearch(ctx context.Context) error {
	if s.dialect == config.DialectPostgres {
		_, err := s.w.NewRaw(pgSyncSearch).Exec(ctx)
		return translate(err)
	}
	var pending bool
	if err := s.r.NewRaw("SELECT EXISTS (SELECT 1 FROM participant_fts_pending)").Scan(ctx, &pending); err != nil || !pending {
		return translate(err)
	}
	return s.InTx(ctx, func(ctx context.Context, tx *Store) error {
		for _, q := range []string{
			"DELETE FROM participant_fts WHERE rowid IN (SELECT enrollment_id FROM participant_fts_pending)",
			"INSERT INTO participant_fts (rowid, doc) SELECT e.id, e.full_name || ' ' || p.email || ' ' || e.org || ' ' || e.comments " +
				"FROM participant_fts_pending AS q JOIN enrollments AS e ON e.id = q.enrollment_id JOIN people AS p ON p.id = e.person_id",
			"DELETE FROM participant_fts_pending",
		} {
			if _, err := tx.w.NewRaw(q).Exec(ctx); err != nil {
				return translate(err)
			}
		}
		return nil
	})
}

const pgSyncSearch = "WITH q AS (DELETE FROM participant_search_pending RETURNING enrollment_id) " +
	"INSERT INTO participant_search (enrollment_id, doc) " +
	"SELECT e.id, participant_search_doc(concat_ws(' ', e.full_name, p.email, e.org, e.comments)) " +
	"FROM q JOIN enrollments AS e ON e.id = q.enrollment_id JOIN people AS p ON p.id = e.person_id " +
	"ON CONFLICT (enrollment_id) DO UPDATE SET doc = EXCLUDED.doc"

// ListParticipants returns one page of the table: up to Limit rows after
// After in the requested order, ties broken by id, with their interests
// (loaded in one query for the whole page).
func (s *Store) ListParticipants(ctx context.Context, pg ParticipantPage) ([]ParticipantRow, error) {
	if pg.Limit <= 0 || pg.Limit > 1000 {
		pg.Limit = 50
	}
	if len(pg.Filter.Words) > 0 {
		if err := s.syncSearch(ctx); err != nil {
			return nil, err
		}
	}
	if _, ok := sqliteSortIndex[pg.Sort]; !ok && pg.Sort != ParticipantSortEmail {
		pg.Sort = ParticipantSortName
	}
	var rows []ParticipantRow
	var err error
	if pg.Sort == ParticipantSortSubmitted {
		rows, err = s.listBySubmitted(ctx, pg)
	} else {
		rows, err = s.listByKey(ctx, pg)
	}
	if err != nil {
		return nil, err
	}
	return rows, s.attachInterests(ctx, rows)
}

func (s *Store) listByKey(ctx context.Context, pg ParticipantPage) ([]ParticipantRow, error) {
	expr := s.sortExpr(pg.Sort)
	op, dir := ">", ""
	if pg.Desc {
		op, dir = "<", " DESC"
	}
	q := s.participantSelect(pg.Filter, pg.Sort, pg.plan()).ColumnExpr(participantColumns)
	if a := pg.After; a != nil {
		var key any = a.Str
		if pg.Sort == ParticipantSortTZ {
			key = a.Int
		}
		q = q.Where("("+expr+", e.id) "+op+" (?, ?)", key, a.ID)
	}
	var rows []ParticipantRow
	err := q.OrderExpr(expr+dir+", e.id"+dir).Limit(int64(pg.Limit)).Scan(ctx, &rows)
	return rows, translate(err)
}

// listBySubmitted orders by submission time with the never-submitted
// (drafts) last in both directions. The databases disagree on where NULLs
// sort, and an ORDER BY on "IS NULL" would defeat the index, so the page
// is read in two parts: the submitted rows by the index, then, if the page
// is not full, the unsubmitted ones by id.
func (s *Store) listBySubmitted(ctx context.Context, pg ParticipantPage) ([]ParticipantRow, error) {
	op, dir := ">", ""
	if pg.Desc {
		op, dir = "<", " DESC"
	}
	var rows []ParticipantRow
	if pg.After == nil || pg.After.Time != nil {
		q := s.participantSelect(pg.Filter, pg.Sort, pg.plan()).ColumnExpr(participantColumns).
			Where("e.submitted_at IS NOT NULL")
		if a := pg.After; a != nil {
			q = q.Where("(e.submitted_at, e.id) "+op+" (?, ?)", a.Time.UTC(), a.ID)
		}
		err := q.OrderExpr("e.submitted_at"+dir+", e.id"+dir).Limit(int64(pg.Limit)).Scan(ctx, &rows)
		if err != nil {
			return nil, translate(err)
		}
		if len(rows) == pg.Limit {
			return rows, nil
		}
	}
	q := s.participantSelect(pg.Filter, pg.Sort, pg.plan()).ColumnExpr(participantColumns).
		Where("e.submitted_at IS NULL")
	if a := pg.After; a != nil && a.Time == nil {
		q = q.Where("e.id "+op+" ?", a.ID)
	}
	var rest []ParticipantRow
	err := q.OrderExpr("e.id"+dir).Limit(int64(pg.Limit-len(rows))).Scan(ctx, &rest)
	return append(rows, rest...), translate(err)
}

// attachInterests loads the interests of rows in one query.
func (s *Store) attachInterests(ctx context.Context, rows []ParticipantRow) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	at := make(map[int64]int, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
		at[r.ID] = i
	}
	var ins []EnrollmentInterest
	err := s.r.NewSelect().Model(&ins).Where("enrollment_id IN (?)", bun.List(ids)).
		Order("enrollment_id", "side", "interest").Scan(ctx)
	if err != nil {
		return translate(err)
	}
	for _, in := range ins {
		r := &rows[at[in.EnrollmentID]]
		r.Interests = append(r.Interests, in)
	}
	return nil
}

// EachParticipant calls fn with successive batches of every participant
// matching pg (pg.After and pg.Limit set where it starts and the batch
// size), reading one keyset page at a time so a large export never sits in
// memory. It stops at the first error fn returns.
func (s *Store) EachParticipant(ctx context.Context, pg ParticipantPage, fn func([]ParticipantRow) error) error {
	if pg.Limit <= 0 || pg.Limit > 1000 {
		pg.Limit = 500
	}
	for {
		rows, err := s.ListParticipants(ctx, pg)
		if err != nil {
			return err
		}
		if len(rows) > 0 {
			if err := fn(rows); err != nil {
				return err
			}
		}
		if len(rows) < pg.Limit {
			return nil
		}
		k := rows[len(rows)-1].Key(pg.Sort)
		pg.After = &k
	}
}

// ParticipantGroups counts the participants matching f, grouped by the
// four facet columns (status, roles, org, level). f's own status, role,
// org and level filters are NOT applied: each facet counts under the other
// filters, which the caller works out from these groups (participants.Tally)
// — one scan instead of one per facet.
func (s *Store) ParticipantGroups(ctx context.Context, f ParticipantFilter) ([]ParticipantGroup, error) {
	if len(f.Words) > 0 {
		if err := s.syncSearch(ctx); err != nil {
			return nil, err
		}
	}
	var out []ParticipantGroup
	err := s.participantSelect(f, "", planFacets).
		ColumnExpr("e.status, e.is_mentor, e.is_mentee, e.org, e.level, COUNT(*) AS n").
		GroupExpr("e.status, e.is_mentor, e.is_mentee, e.org, e.level").
		Scan(ctx, &out)
	return out, translate(err)
}

// ParticipantValues lists the distinct organizations and levels in a
// program (at most limit of each), for the facet lists.
func (s *Store) ParticipantValues(ctx context.Context, programID int64, limit int) (orgs, levels []string, err error) {
	for _, c := range []struct {
		col string
		dst *[]string
	}{{"org", &orgs}, {"level", &levels}} {
		err = s.r.NewSelect().TableExpr("enrollments AS e").ColumnExpr("DISTINCT e."+c.col+s.collate()+" AS v").
			Where("e.program_id = ?", programID).OrderExpr("v").
			Limit(int64(limit)).Scan(ctx, c.dst)
		if err != nil {
			return nil, nil, translate(err)
		}
	}
	return orgs, levels, nil
}

// ParticipantsVersion is the program's data version: it grows with every
// committed change to anything the participant table shows (maintained by
// triggers, see migration 0005). Equal versions mean equal data, so a
// result computed after reading version v may be reused while the version
// is still v.
func (s *Store) ParticipantsVersion(ctx context.Context, programID int64) (int64, error) {
	var v int64
	err := s.r.NewSelect().TableExpr("staff_versions").ColumnExpr("COALESCE(SUM(n), 0)").
		Where("program_id = ?", programID).Scan(ctx, &v)
	return v, translate(err)
}

// ParticipantsStamp is what the participant table's cache is keyed by:
// the data version (ParticipantsVersion) together with the program's pair
// counts — in all, proposed or active, and ended. Pairs decide the paired
// filter and badge but are not in the enrollments' triggers, and any pair
// change moves the stamp: between two changes of the data version (which
// every enrollment delete, and so every cascaded pair delete, bumps) pairs
// are only inserted (the total grows) and moved forward from proposed to
// active to ended (the active or ended count grows), so no stamp repeats
// for different data. It is read in one statement, before the data it
// keys, so a cached answer is never older than the stamp it is filed under.
func (s *Store) ParticipantsStamp(ctx context.Context, programID int64) (string, error) {
	var v, total, active, ended int64
	var err error
	if h := s.hot(ctx); h != nil {
		v, total, active, ended, err = h.stamp(ctx, programID)
	} else {
		err = s.r.QueryRowContext(ctx, s.hotQuery(hotStamp), programID, PairActive, PairEnded).Scan(&v, &total, &active, &ended)
	}
	if err != nil {
		return "", translate(err)
	}
	return strconv.FormatInt(v, 10) + "." + strconv.FormatInt(total, 10) + "." +
		strconv.FormatInt(active, 10) + "." + strconv.FormatInt(ended, 10), nil
}

// ProgramEnrollment returns enrollment id with its interests and its
// person's email, if it belongs to program programID; otherwise
// ErrNotFound (staff of one program learn nothing about another's).
func (s *Store) ProgramEnrollment(ctx context.Context, programID, id int64) (*Enrollment, string, error) {
	e := new(Enrollment)
	if err := s.r.NewSelect().Model(e).Where("id = ? AND program_id = ?", id, programID).Scan(ctx); err != nil {
		return nil, "", translate(err)
	}
	if err := s.loadInterests(ctx, s.r, e); err != nil {
		return nil, "", err
	}
	var email string
	err := s.r.NewSelect().TableExpr("people").Column("email").Where("id = ?", e.PersonID).Scan(ctx, &email)
	return e, email, translate(err)
}

// ParticipantRowByID is one row of the table (for re-rendering a row after
// a change), or ErrNotFound if it is not in the program.
func (s *Store) ParticipantRowByID(ctx context.Context, programID, id int64) (*ParticipantRow, error) {
	var rows []ParticipantRow
	err := s.r.NewSelect().TableExpr("enrollments AS e").Join("JOIN people AS p ON p.id = e.person_id").
		ColumnExpr(participantColumns).Where("e.id = ? AND e.program_id = ?", id, programID).Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err)
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	return &rows[0], s.attachInterests(ctx, rows)
}

// CountProgramEnrollments counts how many of ids are enrollments of the
// program (a bulk action refuses a list with any stranger in it).
func (s *Store) CountProgramEnrollments(ctx context.Context, programID int64, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	n, err := s.r.NewSelect().TableExpr("enrollments").
		Where("program_id = ? AND id IN (?)", programID, bun.List(ids)).Count(ctx)
	return int(n), translate(err)
}

// AuditAboutEnrollment returns the newest events whose subject is the
// enrollment (its trail on the staff participant page).
func (s *Store) AuditAboutEnrollment(ctx context.Context, id int64, limit int) ([]*AuditEvent, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var evs []*AuditEvent
	err := s.r.NewSelect().Model(&evs).
		Where("subject_type = ? AND subject_id = ?", "enrollment", strconv.FormatInt(id, 10)).
		Order("at DESC", "id DESC").Limit(int64(limit)).Scan(ctx)
	return evs, translate(err)
}
