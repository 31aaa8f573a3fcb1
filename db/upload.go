package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Upload is a file a member attached to an enrollment form. The bytes are
// on disk under StorageName, a random name that reveals nothing.
type Upload struct {
	bun.BaseModel `bun:"table:uploads"`

	ID           int64     `bun:"id,pk,autoincrement"`
	EnrollmentID int64     `bun:"enrollment_id"`
	PersonID     int64     `bun:"person_id"`
	FieldKey     string    `bun:"field_key"`
	Filename     string    `bun:"filename"`
	ContentType  string    `bun:"content_type"`
	Size         int64     `bun:"size"`
	StorageName  string    `bun:"storage_name"`
	CreatedAt    time.Time `bun:"created_at"`
}

// CreateUpload records an uploaded file.
func (s *Store) CreateUpload(ctx context.Context, u *Upload) error {
	u.CreatedAt = s.now()
	_, err := s.w.NewInsert().Model(u).Returning("id").Exec(ctx)
	return translate(err)
}

// UploadByID returns the upload or ErrNotFound.
func (s *Store) UploadByID(ctx context.Context, id int64) (*Upload, error) {
	u := new(Upload)
	err := s.r.NewSelect().Model(u).Where("id = ?", id).Scan(ctx)
	return u, translate(err)
}

// UploadsForEnrollment lists an enrollment's files.
func (s *Store) UploadsForEnrollment(ctx context.Context, enrollmentID int64) ([]*Upload, error) {
	var us []*Upload
	err := s.r.NewSelect().Model(&us).Where("enrollment_id = ?", enrollmentID).Order("id").Scan(ctx)
	return us, translate(err)
}

// Snapshot is a copy of an enrollment's answers at a moment that matters
// (the start of a renewal).
type Snapshot struct {
	bun.BaseModel `bun:"table:enrollment_snapshots"`

	ID           int64          `bun:"id,pk,autoincrement"`
	EnrollmentID int64          `bun:"enrollment_id"`
	Kind         string         `bun:"kind"`
	Answers      map[string]any `bun:"answers,type:json"`
	CreatedAt    time.Time      `bun:"created_at"`
}

// SaveSnapshot stores a copy of answers.
func (s *Store) SaveSnapshot(ctx context.Context, enrollmentID int64, kind string, answers map[string]any) error {
	_, err := s.w.NewInsert().Model(&Snapshot{EnrollmentID: enrollmentID, Kind: kind, Answers: answers, CreatedAt: s.now()}).Exec(ctx)
	return translate(err)
}

// LatestSnapshot returns the newest snapshot of that kind, or ErrNotFound.
func (s *Store) LatestSnapshot(ctx context.Context, enrollmentID int64, kind string) (*Snapshot, error) {
	sn := new(Snapshot)
	err := s.r.NewSelect().Model(sn).Where("enrollment_id = ? AND kind = ?", enrollmentID, kind).
		Order("created_at DESC", "id DESC").Limit(1).Scan(ctx)
	if err == nil {
		sn.Answers = normalizeAnswers(sn.Answers)
	}
	return sn, translate(err)
}
