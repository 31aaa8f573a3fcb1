package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"
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
}

// ReminderDays is ReminderAfterDays with its default.
func (ps ProgramSettings) ReminderDays() int {
	if ps.ReminderAfterDays <= 0 {
		return 3
	}
	return ps.ReminderAfterDays
}

// ReminderLimit is ReminderMax with its default.
func (ps ProgramSettings) ReminderLimit() int {
	switch {
	case ps.ReminderMax < 0:
		return 0
	case ps.ReminderMax == 0:
		return 2
	}
	return ps.ReminderMax
}

// Program is something people enroll in.
type Program struct {
	bun.BaseModel `bun:"table:programs"`

	ID          int64           `bun:"id,pk,autoincrement"`
	Slug        string          `bun:"slug"`
	Name        string          `bun:"name"`
	Kind        string          `bun:"kind"`
	Description string          `bun:"description"`
	FormKey     string          `bun:"form_key"`
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

// ProgramByID returns the program or ErrNotFound.
func (s *Store) ProgramByID(ctx context.Context, id int64) (*Program, error) {
	p := new(Program)
	err := s.r.NewSelect().Model(p).Where("id = ?", id).Scan(ctx)
	return p, translate(err)
}
