package db

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Pair statuses, in lifecycle order.
const (
	PairProposed = "proposed"
	PairActive   = "active"
	PairEnded    = "ended"
)

// PairUndoWindow is how long after "Pair" staff may undo it. The
// introduction mails wait until it has passed, so an undone pair leaves
// nobody told.
const PairUndoWindow = 5 * time.Minute

// Pair is a mentor and a mentee in one program. Score and Explanation are
// what the pairing algorithm said when the pair was made, kept so staff can
// later see why it was made even if the answers change.
type Pair struct {
	bun.BaseModel `bun:"table:pairs"`

	ID                 int64      `bun:"id,pk,autoincrement"`
	ProgramID          int64      `bun:"program_id"`
	MentorEnrollmentID int64      `bun:"mentor_enrollment_id"`
	MenteeEnrollmentID int64      `bun:"mentee_enrollment_id"`
	Status             string     `bun:"status"`
	Score              float64    `bun:"score"`
	Explanation        string     `bun:"explanation"`
	CreatedBy          *int64     `bun:"created_by"`
	CreatedAt          time.Time  `bun:"created_at"`
	StartedAt          *time.Time `bun:"started_at"`
	EndedAt            *time.Time `bun:"ended_at"`
	EndReason          string     `bun:"end_reason"`
}

// PairView is a pair with the names staff read beside it.
type PairView struct {
	Pair
	MentorName  string `bun:"mentor_name"`
	MentorEmail string `bun:"mentor_email"`
	MenteeName  string `bun:"mentee_name"`
	MenteeEmail string `bun:"mentee_email"`
	CreatorName string `bun:"creator_name"`
}

// CreatePair inserts p, setting its ID and CreatedAt. A second open
// (proposed or active) pair for the same mentee is ErrConflict.
func (s *Store) CreatePair(ctx context.Context, p *Pair) error {
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.now()
	}
	if p.Status == "" {
		p.Status = PairProposed
	}
	_, err := s.w.NewInsert().Model(p).Returning("id").Exec(ctx)
	return translate(err)
}

// PairByID returns the pair or ErrNotFound.
func (s *Store) PairByID(ctx context.Context, id int64) (*Pair, error) {
	p := new(Pair)
	if err := s.r.NewSelect().Model(p).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	return p, nil
}

// PairQuery selects a program's pairs. Zero fields do not filter.
type PairQuery struct {
	ProgramID int64
	Status    string
	// EnrollmentID keeps the pairs this enrollment is in, on either side.
	EnrollmentID int64
	// ID keeps one pair.
	ID int64
	// AfterID and Limit page through the pairs in id order (Limit ≤ 0: all).
	AfterID int64
	Limit   int
}

// ListPairs returns pairs with names, open ones first (proposed, active,
// then ended), newest first within a status; with AfterID or Limit set,
// simply in id order so that cursor pages are stable.
func (s *Store) ListPairs(ctx context.Context, q PairQuery) ([]*PairView, error) {
	var out []*PairView
	sel := s.r.NewSelect().TableExpr("pairs AS pr").
		ColumnExpr("pr.*").
		ColumnExpr("COALESCE(NULLIF(me.full_name, ''), mp.name, '') AS mentor_name, COALESCE(mp.email, '') AS mentor_email").
		ColumnExpr("COALESCE(NULLIF(ee.full_name, ''), ep.name, '') AS mentee_name, COALESCE(ep.email, '') AS mentee_email").
		ColumnExpr("COALESCE(cp.name, '') AS creator_name").
		Join("LEFT JOIN enrollments AS me ON me.id = pr.mentor_enrollment_id").
		Join("LEFT JOIN people AS mp ON mp.id = me.person_id").
		Join("LEFT JOIN enrollments AS ee ON ee.id = pr.mentee_enrollment_id").
		Join("LEFT JOIN people AS ep ON ep.id = ee.person_id").
		Join("LEFT JOIN people AS cp ON cp.id = pr.created_by")
	if q.ProgramID != 0 {
		sel.Where("pr.program_id = ?", q.ProgramID)
	}
	if q.Status != "" {
		sel.Where("pr.status = ?", q.Status)
	}
	if q.ID != 0 {
		sel.Where("pr.id = ?", q.ID)
	}
	if q.EnrollmentID != 0 {
		sel.Where("(pr.mentor_enrollment_id = ? OR pr.mentee_enrollment_id = ?)", q.EnrollmentID, q.EnrollmentID)
	}
	if q.AfterID > 0 || q.Limit > 0 {
		sel.Where("pr.id > ?", q.AfterID).OrderExpr("pr.id")
		if q.Limit > 0 {
			sel.Limit(int64(q.Limit))
		}
	} else {
		sel.OrderExpr("CASE pr.status WHEN 'proposed' THEN 0 WHEN 'active' THEN 1 ELSE 2 END, pr.created_at DESC, pr.id DESC")
	}
	err := sel.Scan(ctx, &out)
	return out, translate(err)
}

// OpenPairs lists the program's pairs that are not ended: what decides a
// mentor's load and which mentees are taken.
func (s *Store) OpenPairs(ctx context.Context, programID int64) ([]*Pair, error) {
	var out []*Pair
	err := s.r.NewSelect().Model(&out).
		Where("program_id = ? AND status <> ?", programID, PairEnded).
		Order("id").Scan(ctx)
	return out, translate(err)
}

// LockPairing serialises changes to a program's pairs inside InTx: rules
// such as mentor capacity are checked against what is stored and then
// written, and two staff accepting at once must not both see the last free
// place. SQLite has one writer (BEGIN IMMEDIATE), so there it is a no-op; on
// Postgres it locks the program row until the transaction ends.
func (s *Store) LockPairing(ctx context.Context, programID int64) error {
	if s.dialect != "pg" {
		return nil
	}
	var id int64
	err := s.w.NewSelect().Table("programs").Column("id").Where("id = ?", programID).For("UPDATE").Scan(ctx, &id)
	return translate(err)
}

// ActivatePair turns a proposed pair active from now. A pair that is not
// proposed (already accepted or ended) is ErrConflict.
func (s *Store) ActivatePair(ctx context.Context, id int64) (*Pair, error) {
	now := s.now()
	res, err := s.w.NewUpdate().Model((*Pair)(nil)).
		Set("status = ?", PairActive).Set("started_at = ?", now).
		Where("id = ? AND status = ?", id, PairProposed).Exec(ctx)
	if err := expectOne(res, err); err != nil {
		return nil, s.pairStateErr(ctx, id, err)
	}
	return s.PairByID(ctx, id)
}

// EndPair ends a proposed or active pair with a reason. An ended pair is
// ErrConflict; a missing one ErrNotFound.
func (s *Store) EndPair(ctx context.Context, id int64, reason string) (*Pair, error) {
	now := s.now()
	res, err := s.w.NewUpdate().Model((*Pair)(nil)).
		Set("status = ?", PairEnded).Set("ended_at = ?", now).Set("end_reason = ?", reason).
		Where("id = ? AND status <> ?", id, PairEnded).Exec(ctx)
	if err := expectOne(res, err); err != nil {
		return nil, s.pairStateErr(ctx, id, err)
	}
	return s.PairByID(ctx, id)
}

// pairStateErr tells a missing pair (ErrNotFound) from one in the wrong
// state (ErrConflict) after an update matched nothing.
func (s *Store) pairStateErr(ctx context.Context, id int64, err error) error {
	if !isNotFound(err) {
		return err
	}
	if _, err := s.PairByID(ctx, id); err != nil {
		return err
	}
	return ErrConflict
}

// PairHistory is one keyed hash of a pair that became active.
type PairHistory struct {
	bun.BaseModel `bun:"table:pair_history"`

	Hash      string    `bun:"hash,pk"`
	ProgramID int64     `bun:"program_id"`
	CreatedAt time.Time `bun:"created_at"`
}

// RecordPairHistory keeps hash (once: a pair already recorded stays as it
// was first recorded).
func (s *Store) RecordPairHistory(ctx context.Context, hash string, programID int64) error {
	h := &PairHistory{Hash: hash, ProgramID: programID, CreatedAt: s.now()}
	_, err := s.w.NewInsert().Model(h).On("CONFLICT (hash) DO NOTHING").Exec(ctx)
	return translate(err)
}

// ForgetPairHistory removes hash from the pair history: a pair undone
// within its undo window, or ended as made by mistake, does not count as
// the two having been paired before.
func (s *Store) ForgetPairHistory(ctx context.Context, hash string) error {
	_, err := s.w.NewDelete().Model((*PairHistory)(nil)).Where("hash = ?", hash).Exec(ctx)
	return translate(err)
}

// DeletePair removes a pair outright (an undo). Nothing references pairs
// by foreign key; the audit log keeps the pair's id.
func (s *Store) DeletePair(ctx context.Context, id int64) error {
	res, err := s.w.NewDelete().Model((*Pair)(nil)).Where("id = ?", id).Exec(ctx)
	return expectOne(res, err)
}

// PairSeen reports whether hash is in the pair history.
func (s *Store) PairSeen(ctx context.Context, hash string) (bool, error) {
	ok, err := s.r.NewSelect().Model((*PairHistory)(nil)).Where("hash = ?", hash).Exists(ctx)
	return ok, translate(err)
}

// PairHistoryHashes returns every hash in the pair history, for checking
// many candidate pairs against it with one query.
func (s *Store) PairHistoryHashes(ctx context.Context) ([]string, error) {
	var out []string
	err := s.r.NewSelect().Model((*PairHistory)(nil)).Column("hash").Scan(ctx, &out)
	return out, translate(err)
}

// Pairable is an enrollment as pairing and the JSON API see it: the typed
// answers, without the JSON blob, with the owner's email.
type Pairable struct {
	ID           int64      `bun:"id"`
	ProgramID    int64      `bun:"program_id"`
	PersonID     int64      `bun:"person_id"`
	Email        string     `bun:"email"`
	PersonName   string     `bun:"person_name"`
	FullName     string     `bun:"full_name"`
	Status       string     `bun:"status"`
	IsMentor     bool       `bun:"is_mentor"`
	IsMentee     bool       `bun:"is_mentee"`
	TimeZone     string     `bun:"time_zone"`
	AvailMask    int64      `bun:"avail_mask"`
	Org          string     `bun:"org"`
	Level        string     `bun:"level"`
	DistancePref string     `bun:"distance_pref"`
	TrackChange  string     `bun:"track_change"`
	ManagerEmail string     `bun:"manager_email"`
	SubmittedAt  *time.Time `bun:"submitted_at"`
	UpdatedAt    time.Time  `bun:"updated_at"`

	Interests []EnrollmentInterest `bun:"-"`
}

// Name is what staff call the person: the name on the form, else the
// account's.
func (p *Pairable) Name() string {
	if p.FullName != "" {
		return p.FullName
	}
	if p.PersonName != "" {
		return p.PersonName
	}
	return p.Email
}

// PairableQuery selects a program's enrollments. Zero fields do not filter.
type PairableQuery struct {
	ProgramID int64
	Statuses  []string
	IDs       []int64
	Role      string // SideMentor or SideMentee
	Org       string // exact, case-insensitive
	Interest  string // on either side, case-insensitive
	Q         string // in the name or email, case-insensitive
	AfterID   int64
	Limit     int
	// WithInterests loads each one's interests (one more query).
	WithInterests bool
}

// Pairables lists enrollments in id order.
func (s *Store) Pairables(ctx context.Context, q PairableQuery) ([]*Pairable, error) {
	var out []*Pairable
	sel := s.r.NewSelect().TableExpr("enrollments AS e").
		Join("JOIN people AS p ON p.id = e.person_id").
		ColumnExpr("e.id, e.program_id, e.person_id, p.email, p.name AS person_name, e.full_name, e.status").
		ColumnExpr("e.is_mentor, e.is_mentee, e.time_zone, e.avail_mask, e.org, e.level, e.distance_pref").
		ColumnExpr("e.track_change, e.manager_email, e.submitted_at, e.updated_at").
		Where(programMatch(q.IDs != nil), q.ProgramID).
		Where("e.id > ?", q.AfterID).
		OrderExpr("e.id")
	if len(q.Statuses) > 0 {
		sel.Where("e.status IN (?)", bun.List(q.Statuses))
	}
	if q.IDs != nil {
		if len(q.IDs) == 0 {
			return nil, nil
		}
		sel.Where("e.id IN (?)", bun.List(q.IDs))
	}
	switch q.Role {
	case SideMentor:
		sel.Where("e.is_mentor")
	case SideMentee:
		sel.Where("e.is_mentee")
	}
	if q.Org != "" {
		sel.Where("LOWER(e.org) = ?", strings.ToLower(q.Org))
	}
	if q.Interest != "" {
		sel.Where("EXISTS (SELECT 1 FROM enrollment_interests AS i WHERE i.enrollment_id = e.id AND LOWER(i.interest) = ?)",
			strings.ToLower(strings.TrimSpace(q.Interest)))
	}
	if q.Q != "" {
		like := "%" + likeEscaper.Replace(strings.ToLower(strings.TrimSpace(q.Q))) + "%"
		sel.Where("(LOWER(e.full_name) LIKE ? ESCAPE '\\' OR LOWER(p.email) LIKE ? ESCAPE '\\' OR LOWER(p.name) LIKE ? ESCAPE '\\')", like, like, like)
	}
	if q.Limit > 0 {
		sel.Limit(int64(q.Limit))
	}
	if err := sel.Scan(ctx, &out); err != nil {
		return nil, translate(err)
	}
	if q.WithInterests && len(out) > 0 {
		ids := make([]int64, len(out))
		for i, p := range out {
			ids[i] = p.ID
		}
		byID, err := s.InterestsFor(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, p := range out {
			p.Interests = byID[p.ID]
		}
	}
	return out, nil
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// interestChunk bounds the id list of one interests query: bun writes the
// ids into the SQL, and a program of 100,000 enrollments should not make one
// statement of a megabyte.
const interestChunk = 5000

// InterestsFor loads the interests of many enrollments, by enrollment id,
// each list ordered by side and interest. It is one query per 5,000 ids,
// not one per enrollment.
func (s *Store) InterestsFor(ctx context.Context, ids []int64) (map[int64][]EnrollmentInterest, error) {
	out := make(map[int64][]EnrollmentInterest, len(ids))
	for lo := 0; lo < len(ids); lo += interestChunk {
		chunk := ids[lo:min(lo+interestChunk, len(ids))]
		var rows []EnrollmentInterest
		err := s.r.NewSelect().Model(&rows).Where("enrollment_id IN (?)", bun.List(chunk)).
			Order("enrollment_id", "side", "interest").Scan(ctx)
		if err != nil {
			return nil, translate(err)
		}
		for _, r := range rows {
			out[r.EnrollmentID] = append(out[r.EnrollmentID], r)
		}
	}
	return out, nil
}

// programMatch is the program condition of Pairables. With a list of ids
// the primary key finds the rows; on SQLite, without statistics, the
// planner would walk the program's index instead (tens of milliseconds in
// a large program), and the unary + keeps it off that index.
func programMatch(byIDs bool) string {
	if byIDs {
		return "+e.program_id = ?"
	}
	return "e.program_id = ?"
}
