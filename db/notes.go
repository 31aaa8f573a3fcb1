package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// StaffNote is a note staff keep about an enrollment. Members never see
// notes; the author is kept (or NULL once the author's account is gone).
type StaffNote struct {
	bun.BaseModel `bun:"table:staff_notes"`

	ID           int64     `bun:"id,pk,autoincrement"`
	EnrollmentID int64     `bun:"enrollment_id"`
	AuthorID     *int64    `bun:"author_id"`
	Body         string    `bun:"body"`
	CreatedAt    time.Time `bun:"created_at"`
}

// AddStaffNote stores n, stamping its time and setting its ID.
func (s *Store) AddStaffNote(ctx context.Context, n *StaffNote) error {
	if n.CreatedAt.IsZero() {
		n.CreatedAt = s.now()
	}
	_, err := s.w.NewInsert().Model(n).Returning("id").Exec(ctx)
	return translate(err)
}

// StaffNotes lists an enrollment's notes, newest first.
func (s *Store) StaffNotes(ctx context.Context, enrollmentID int64) ([]*StaffNote, error) {
	var ns []*StaffNote
	err := s.r.NewSelect().Model(&ns).Where("enrollment_id = ?", enrollmentID).
		Order("created_at DESC", "id DESC").Scan(ctx)
	return ns, translate(err)
}
