package db

import (
	"context"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"cohort/config"
)

// Program kinds.
const (
	KindMentoring   = "mentoring"
	KindApplication = "application"
	KindMembership  = "membership"
)

// ProgramSettings are per-program knobs stored as JSON; typed so a typo is a
// compile error rather than a silently ignored key.
type ProgramSettings struct {
	// DefaultMentorCapacity is how many mentees a mentor takes unless they
	// say otherwise.
	DefaultMentorCapacity int `json:"default_mentor_capacity,omitempty"`
	// MinOverlapHours is the fewest shared available hours a pair needs.
	MinOverlapHours int `json:"min_overlap_hours,omitempty"`
	// Flags switches opt-in features on for this program.
	Flags map[string]bool `json:"flags,omitempty"`
	// ReminderAfterDays is how old a draft enrollment is before its owner
	// is reminded, and the least time between two reminders (0: 3 days).
	ReminderAfterDays int `json:"reminder_after_days,omitempty"`
	// ReminderMax is how many reminders a draft gets at most (0: 2; a
	// negative number: none).
	ReminderMax int `json:"reminder_max,omitempty"`
	// CheckinWeeks are the weeks after a pair starts at which both people
	// get a check-in mail (nil: 2 and 6; empty: none).
	CheckinWeeks []int `json:"checkin_weeks"`
	// EndNoticeDays are how many days before an enrollment or a pair ends
	// its people are told (nil: 30, 15 and 2; empty: none). In a program
	// with renewal the enrollment notices are renewal reminders.
	EndNoticeDays []int `json:"end_notice_days"`
	// PairTermDays is how long a pair runs from its start (0: the
	// program's term; no term at all: until staff end it).
	PairTermDays int `json:"pair_term_days,omitempty"`
	// RetentionDays is how long after an enrollment ends, is withdrawn or
	// declined its personal data is kept (0: 365; negative: for ever).
	RetentionDays int `json:"retention_days,omitempty"`
	// DigestWaitingDays is how long a mentee waits unpaired before the
	// staff digest lists them (0: 7).
	DigestWaitingDays int `json:"digest_waiting_days,omitempty"`
	// MatchingMode is who makes pairs: "staff" (also when empty),
	// "members" (mentees request, mentors accept) or "both".
	MatchingMode string `json:"matching_mode,omitempty"`
	// MaxOpenRequests is how many pending requests a mentee may have at
	// once (0: 3).
	MaxOpenRequests int `json:"max_open_requests,omitempty"`
	// RequestExpiryDays is how long a request waits for an answer (0: 7).
	RequestExpiryDays int `json:"request_expiry_days,omitempty"`
	// UnmatchedDigestDays is how long a mentee may go without an accepted
	// request before the staff digest lists them (0: 7).
	UnmatchedDigestDays int `json:"unmatched_digest_days,omitempty"`
	// MemberFields are the form field keys whose answers mentees see on a
	// mentor's suggestion card; nothing else is shown.
	MemberFields []string `json:"member_fields,omitempty"`
	// CheckinLateDays is how many days after a check-in's window closes
	// (the next point, or the last point itself) its survey still takes
	// answers (0: 14; negative: none).
	CheckinLateDays int `json:"checkin_late_days,omitempty"`
	// HealthLowRating: a check-in rating at or below it makes a pair need
	// attention (0: 2).
	HealthLowRating int `json:"health_low_rating,omitempty"`
	// HealthNotMetWeek: "not met yet" at a check-in at or after this week
	// makes a pair need attention (0: 2).
	HealthNotMetWeek int `json:"health_not_met_week,omitempty"`
	// HealthResponseDays: days after a check-in point with no answer from
	// either person before the pair shows as not responding (0: 7).
	HealthResponseDays int `json:"health_response_days,omitempty"`
}

// Defaults of the timing settings.
var (
	DefaultCheckinWeeks  = []int{2, 6}
	DefaultEndNoticeDays = []int{30, 15, 2}
)

const (
	// DefaultReminderAfterDays is ReminderAfterDays when unset.
	DefaultReminderAfterDays = 3
	// DefaultReminderMax is ReminderMax when unset.
	DefaultReminderMax = 2
	// DefaultRetentionDays is RetentionDays when unset.
	DefaultRetentionDays = 365
	// DefaultDigestWaitingDays is DigestWaitingDays when unset.
	DefaultDigestWaitingDays = 7
)

// Checkins is CheckinWeeks with its default, ascending.
func (ps ProgramSettings) Checkins() []int {
	return positiveSorted(ps.CheckinWeeks, DefaultCheckinWeeks)
}

// EndNotices is EndNoticeDays with its default, ascending.
func (ps ProgramSettings) EndNotices() []int {
	return positiveSorted(ps.EndNoticeDays, DefaultEndNoticeDays)
}

// PairTerm is how long a pair of a program with the given term runs, or 0
// when pairs run until staff end them.
func (ps ProgramSettings) PairTerm(programTermDays int) time.Duration {
	days := ps.PairTermDays
	if days <= 0 {
		days = programTermDays
	}
	return time.Duration(max(days, 0)) * 24 * time.Hour
}

// Retention is how long personal data outlives the end of an enrollment;
// ok is false when it is kept for ever.
func (ps ProgramSettings) Retention() (d time.Duration, ok bool) {
	switch {
	case ps.RetentionDays < 0:
		return 0, false
	case ps.RetentionDays == 0:
		return DefaultRetentionDays * 24 * time.Hour, true
	}
	return time.Duration(ps.RetentionDays) * 24 * time.Hour, true
}

// DigestWaiting is DigestWaitingDays with its default.
func (ps ProgramSettings) DigestWaiting() time.Duration {
	days := ps.DigestWaitingDays
	if days <= 0 {
		days = DefaultDigestWaitingDays
	}
	return time.Duration(days) * 24 * time.Hour
}

// positiveSorted is the positive values of v, de-duplicated and ascending,
// or def when v is nil.
func positiveSorted(v, def []int) []int {
	if v == nil {
		v = def
	}
	out := make([]int, 0, len(v))
	for _, n := range v {
		if n > 0 && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// ReminderDays is ReminderAfterDays with its default.
func (ps ProgramSettings) ReminderDays() int {
	if ps.ReminderAfterDays <= 0 {
		return DefaultReminderAfterDays
	}
	return ps.ReminderAfterDays
}

// ReminderLimit is ReminderMax with its default.
func (ps ProgramSettings) ReminderLimit() int {
	switch {
	case ps.ReminderMax < 0:
		return 0
	case ps.ReminderMax == 0:
		return DefaultReminderMax
	}
	return ps.ReminderMax
}

// Program is something people enroll in.
type Program struct {
	bun.BaseModel `bun:"table:programs"`

	ID          int64  `bun:"id,pk,autoincrement"`
	Slug        string `bun:"slug"`
	Name        string `bun:"name"`
	Kind        string `bun:"kind"`
	Description string `bun:"description"`
	FormKey     string `bun:"form_key"`
	// FormVersion is the published version of the program's own form in
	// form_versions; 0 means the built-in form named by FormKey.
	FormVersion int             `bun:"form_version"`
	OpensAt     *time.Time      `bun:"opens_at"`
	ClosesAt    *time.Time      `bun:"closes_at"`
	TermDays    int             `bun:"term_days"`
	Settings    ProgramSettings `bun:"settings,type:json"`
	CreatedAt   time.Time       `bun:"created_at"`
	UpdatedAt   time.Time       `bun:"updated_at"`
}

// IsOpen reports whether enrollment is open at t.
func (p *Program) IsOpen(t time.Time) bool {
	if p.OpensAt != nil && t.Before(*p.OpensAt) {
		return false
	}
	if p.ClosesAt != nil && !t.Before(*p.ClosesAt) {
		return false
	}
	return true
}

// CreateProgram inserts p and sets its ID; a taken slug is ErrConflict.
func (s *Store) CreateProgram(ctx context.Context, p *Program) error {
	now := s.now()
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	p.UpdatedAt = now
	_, err := s.w.NewInsert().Model(p).Returning("id").Exec(ctx)
	return translate(err)
}

// ProgramBySlug returns the program or ErrNotFound.
func (s *Store) ProgramBySlug(ctx context.Context, slug string) (*Program, error) {
	p := new(Program)
	err := s.r.NewSelect().Model(p).Where("slug = ?", slug).Scan(ctx)
	return p, translate(err)
}

// ListPrograms returns every program by name.
func (s *Store) ListPrograms(ctx context.Context) ([]*Program, error) {
	var ps []*Program
	err := s.r.NewSelect().Model(&ps).Order("name", "id").Scan(ctx)
	return ps, translate(err)
}

// ProgramFlagNames lists every feature-flag name stored on any program, for
// the start-up check that code and data agree.
func (s *Store) ProgramFlagNames(ctx context.Context) ([]string, error) {
	ps, err := s.ListPrograms(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range ps {
		for name := range p.Settings.Flags {
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	return out, nil
}

// UpdateProgram saves a program's editable fields.
func (s *Store) UpdateProgram(ctx context.Context, p *Program) error {
	p.UpdatedAt = s.now()
	res, err := s.w.NewUpdate().Model(p).
		Column("name", "description", "opens_at", "closes_at", "term_days", "settings", "updated_at").
		WherePK().Exec(ctx)
	return expectOne(res, err)
}

// LockProgram reads the program inside a transaction (InTx) to change
// it: on Postgres the row stays locked until the transaction ends, so two
// admins saving different settings at once each apply their change to
// the other's result instead of one overwriting it. (SQLite transactions
// already run one at a time.)
func (s *Store) LockProgram(ctx context.Context, id int64) (*Program, error) {
	p := new(Program)
	q := s.w.NewSelect().Model(p).Where("id = ?", id)
	if s.dialect == config.DialectPostgres {
		q = q.For("UPDATE")
	}
	err := q.Scan(ctx)
	return p, translate(err)
}

// ProgramByID returns the program or ErrNotFound.
func (s *Store) ProgramByID(ctx context.Context, id int64) (*Program, error) {
	p := new(Program)
	err := s.r.NewSelect().Model(p).Where("id = ?", id).Scan(ctx)
	return p, translate(err)
}
