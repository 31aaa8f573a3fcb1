package db

import (
	"context"
	"time"
)

// PersonData is everything Cohort holds about one person that they may
// take away ("download my data"). It holds no other person's data but a
// pair partner's name, and no secret (no session ids, code or token hashes).
type PersonData struct {
	Person        *Person
	Enrollments   []EnrollmentData
	Pairs         []PairData
	Notifications []*NotificationSent
	// SignIns is when the person's sessions still on record end: one per
	// signed-in browser (a session is deleted at sign-out).
	SignIns []time.Time
	// Activity is the audit log of what the person did, newest first.
	Activity []*AuditEvent
	Uploads  []*Upload
}

// EnrollmentData is one enrollment with its answers as they are now and
// every earlier version kept (snapshots).
type EnrollmentData struct {
	Program    string
	Enrollment *Enrollment
	Snapshots  []*Snapshot
}

// PairData is a pair the person is in, naming the partner only.
type PairData struct {
	Program     string     `json:"program"`
	Role        string     `json:"role"` // the person's side: mentor or mentee
	PartnerName string     `json:"partner_name"`
	Status      string     `json:"status"`
	StartedAt   *time.Time `json:"started_at"`
	EndedAt     *time.Time `json:"ended_at"`
}

// PersonDataOf gathers person id's data, or ErrNotFound.
func (s *Store) PersonDataOf(ctx context.Context, id int64) (*PersonData, error) {
	out := &PersonData{Person: new(Person)}
	if err := s.r.NewSelect().Model(out.Person).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	programs := map[int64]string{}
	ps, err := s.ListPrograms(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		programs[p.ID] = p.Name
	}
	var es []*Enrollment
	if err := s.r.NewSelect().Model(&es).Where("person_id = ?", id).Order("id").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	for _, e := range es {
		if err := s.r.NewSelect().Model(&e.Interests).Where("enrollment_id = ?", e.ID).Scan(ctx); err != nil {
			return nil, translate(err)
		}
		d := EnrollmentData{Program: programs[e.ProgramID], Enrollment: e}
		if err := s.r.NewSelect().Model(&d.Snapshots).Where("enrollment_id = ?", e.ID).Order("id").Scan(ctx); err != nil {
			return nil, translate(err)
		}
		out.Enrollments = append(out.Enrollments, d)
	}
	var pairs []struct {
		ProgramID   int64      `bun:"program_id"`
		Mentor      bool       `bun:"mentor"`
		PartnerName string     `bun:"partner_name"`
		Status      string     `bun:"status"`
		StartedAt   *time.Time `bun:"started_at"`
		EndedAt     *time.Time `bun:"ended_at"`
	}
	err = s.r.NewRaw(`SELECT pr.program_id, me.person_id = ? AS mentor,
	CASE WHEN me.person_id = ? THEN te.full_name ELSE me.full_name END AS partner_name,
	pr.status, pr.started_at, pr.ended_at
FROM pairs pr
JOIN enrollments me ON me.id = pr.mentor_enrollment_id
JOIN enrollments te ON te.id = pr.mentee_enrollment_id
WHERE me.person_id = ? OR te.person_id = ?
ORDER BY pr.id`, id, id, id, id).Scan(ctx, &pairs)
	if err != nil {
		return nil, translate(err)
	}
	for _, p := range pairs {
		role := "mentee"
		if p.Mentor {
			role = "mentor"
		}
		out.Pairs = append(out.Pairs, PairData{Program: programs[p.ProgramID], Role: role, PartnerName: p.PartnerName,
			Status: p.Status, StartedAt: p.StartedAt, EndedAt: p.EndedAt})
	}
	if err := s.r.NewSelect().Model(&out.Notifications).Where("person_id = ?", id).Order("sent_at").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	if err := s.r.NewSelect().Table("sessions").Column("expires_at").
		Where("person_id = ? AND expires_at IS NOT NULL", id).Order("expires_at").Scan(ctx, &out.SignIns); err != nil {
		return nil, translate(err)
	}
	if err := s.r.NewSelect().Model(&out.Activity).Where("actor_id = ?", id).Order("at DESC", "id DESC").Limit(10000).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	if err := s.r.NewSelect().Model(&out.Uploads).Where("person_id = ?", id).Order("id").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	return out, nil
}
