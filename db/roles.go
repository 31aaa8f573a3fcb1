package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ProgramRole gives a person a role (owner, coordinator, reviewer) in one
// program. Which permissions a role carries is app/authz's business; the
// store only keeps the name.
type ProgramRole struct {
	bun.BaseModel `bun:"table:program_roles"`

	PersonID  int64     `bun:"person_id,pk"`
	ProgramID int64     `bun:"program_id,pk"`
	Role      string    `bun:"role"`
	GrantedBy *int64    `bun:"granted_by"`
	CreatedAt time.Time `bun:"created_at"`
}

// Override effects as stored in permission_overrides.effect.
const (
	EffectGrant  = "grant"
	EffectRevoke = "revoke"
)

// PermissionOverride grants or revokes one permission for one person, in one
// program or (ProgramID 0) in all of them.
type PermissionOverride struct {
	bun.BaseModel `bun:"table:permission_overrides"`

	ID         int64     `bun:"id,pk,autoincrement"`
	PersonID   int64     `bun:"person_id"`
	ProgramID  int64     `bun:"program_id"`
	Permission string    `bun:"permission"`
	Effect     string    `bun:"effect"`
	GrantedBy  *int64    `bun:"granted_by"`
	CreatedAt  time.Time `bun:"created_at"`
}

// Grant reports whether the override grants (rather than revokes).
func (o *PermissionOverride) Grant() bool { return o.Effect == EffectGrant }

// roleGrant is a global role granted locally by an admin (role_grants). The
// effective role in people.role is the higher of this and the role SSO
// groups give, so neither source can silently undo the other.
type roleGrant struct {
	bun.BaseModel `bun:"table:role_grants"`

	PersonID  int64     `bun:"person_id,pk"`
	Role      string    `bun:"role"`
	GrantedBy *int64    `bun:"granted_by"`
	GrantedAt time.Time `bun:"granted_at"`
}

// roleRank orders the global roles; unknown names rank below member so a
// stray value can never raise anyone.
func roleRank(role string) int {
	switch role {
	case RoleMember:
		return 0
	case RoleStaff:
		return 1
	case RoleAdmin:
		return 2
	}
	return -1
}

// actor turns "by" (0: no person, e.g. a seed or a job) into a nullable id.
func actor(by int64) *int64 {
	if by == 0 {
		return nil
	}
	return &by
}

// ProgramRoles returns the person's program roles by program id.
func (s *Store) ProgramRoles(ctx context.Context, personID int64) (map[int64]string, error) {
	var rows []ProgramRole
	if err := s.r.NewSelect().Model(&rows).Where("person_id = ?", personID).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.ProgramID] = r.Role
	}
	return out, nil
}

// SetProgramRole gives the person role in the program, replacing any role
// they had there. A missing person or program is ErrNotFound.
func (s *Store) SetProgramRole(ctx context.Context, personID, programID int64, role string, by int64) error {
	return s.InTx(ctx, func(ctx context.Context, tx *Store) error {
		// Check first: the foreign keys would refuse the insert too, but
		// with a driver error that does not say which row was missing.
		for _, q := range []*bun.SelectQuery{
			tx.r.NewSelect().Table("people").Where("id = ?", personID),
			tx.r.NewSelect().Table("programs").Where("id = ?", programID),
		} {
			ok, err := q.Exists(ctx)
			if err != nil {
				return translate(err)
			}
			if !ok {
				return ErrNotFound
			}
		}
		row := &ProgramRole{PersonID: personID, ProgramID: programID, Role: role, GrantedBy: actor(by), CreatedAt: tx.now()}
		_, err := tx.w.NewInsert().Model(row).
			On("CONFLICT (person_id, program_id) DO UPDATE").
			Set("role = EXCLUDED.role").
			Set("granted_by = EXCLUDED.granted_by").
			Set("created_at = EXCLUDED.created_at").
			Exec(ctx)
		return translate(err)
	})
}

// RemoveProgramRole takes away the person's role in the program;
// ErrNotFound if they had none.
func (s *Store) RemoveProgramRole(ctx context.Context, personID, programID int64) error {
	res, err := s.w.NewDelete().Model((*ProgramRole)(nil)).
		Where("person_id = ? AND program_id = ?", personID, programID).Exec(ctx)
	return expectOne(res, err)
}

// Grants returns what decides a person's permissions besides their global
// role: their program roles by program id and their overrides (ordered by
// program and permission), in one prepared read — nearly every request
// makes it.
func (s *Store) Grants(ctx context.Context, personID int64) (map[int64]string, []PermissionOverride, error) {
	if h := s.hot(ctx); h != nil {
		return h.grants(ctx, personID)
	}
	roles, err := s.ProgramRoles(ctx, personID)
	if err != nil {
		return nil, nil, err
	}
	overrides, err := s.PermissionOverrides(ctx, personID)
	return roles, overrides, err
}

// PermissionOverrides returns the person's overrides, ordered by program and
// permission.
func (s *Store) PermissionOverrides(ctx context.Context, personID int64) ([]PermissionOverride, error) {
	var rows []PermissionOverride
	err := s.r.NewSelect().Model(&rows).Where("person_id = ?", personID).
		Order("program_id", "permission").Scan(ctx)
	return rows, translate(err)
}

// SetPermissionOverride grants (grant true) or revokes perm for the person
// in the program (0: all programs), replacing an override of the same
// permission there. Permission names are checked by the caller (authz); the
// start-up check catches any that slip through.
func (s *Store) SetPermissionOverride(ctx context.Context, personID, programID int64, perm string, grant bool, by int64) error {
	effect := EffectRevoke
	if grant {
		effect = EffectGrant
	}
	return s.InTx(ctx, func(ctx context.Context, tx *Store) error {
		ok, err := tx.r.NewSelect().Table("people").Where("id = ?", personID).Exists(ctx)
		if err != nil {
			return translate(err)
		}
		if !ok {
			return ErrNotFound
		}
		if programID != 0 {
			// program_id has no foreign key (0 means "all"), so check here.
			ok, err := tx.r.NewSelect().Table("programs").Where("id = ?", programID).Exists(ctx)
			if err != nil {
				return translate(err)
			}
			if !ok {
				return ErrNotFound
			}
		}
		row := &PermissionOverride{PersonID: personID, ProgramID: programID, Permission: perm,
			Effect: effect, GrantedBy: actor(by), CreatedAt: tx.now()}
		_, err = tx.w.NewInsert().Model(row).
			On("CONFLICT (person_id, program_id, permission) DO UPDATE").
			Set("effect = EXCLUDED.effect").
			Set("granted_by = EXCLUDED.granted_by").
			Set("created_at = EXCLUDED.created_at").
			Exec(ctx)
		return translate(err)
	})
}

// PermissionOverrideByID returns one of the person's overrides; an id that
// belongs to someone else is ErrNotFound, like one that does not exist.
func (s *Store) PermissionOverrideByID(ctx context.Context, personID, id int64) (*PermissionOverride, error) {
	o := new(PermissionOverride)
	err := s.r.NewSelect().Model(o).Where("id = ? AND person_id = ?", id, personID).Scan(ctx)
	return o, translate(err)
}

// DeletePermissionOverride removes one of the person's overrides. The
// person id is part of the match so a forged override id of someone else's
// is ErrNotFound rather than a deletion.
func (s *Store) DeletePermissionOverride(ctx context.Context, personID, id int64) error {
	res, err := s.w.NewDelete().Model((*PermissionOverride)(nil)).
		Where("id = ? AND person_id = ?", id, personID).Exec(ctx)
	return expectOne(res, err)
}

// DistinctOverridePermissions lists, sorted, every permission name used in
// an override: start-up checks them against the known permissions.
func (s *Store) DistinctOverridePermissions(ctx context.Context) ([]string, error) {
	var names []string
	err := s.r.NewSelect().Model((*PermissionOverride)(nil)).
		ColumnExpr("DISTINCT permission").Order("permission").Scan(ctx, &names)
	return names, translate(err)
}

// RoleSources says where a person's global role comes from.
type RoleSources struct {
	// Granted is the role an admin granted locally; "" if none was.
	Granted string
	// Groups is the highest role SSO groups gave at a sign-in; "" if the
	// person has no SSO identity.
	Groups string
	// Effective is the higher of the two (member if neither), as kept in
	// people.role.
	Effective string
}

// PersonRoleSources returns where the person's role comes from.
func (s *Store) PersonRoleSources(ctx context.Context, personID int64) (RoleSources, error) {
	p, err := s.PersonByID(ctx, personID)
	if err != nil {
		return RoleSources{}, err
	}
	granted, groups, err := s.roleInputs(ctx, personID)
	if err != nil {
		return RoleSources{}, err
	}
	return RoleSources{Granted: granted, Groups: groups, Effective: p.Role}, nil
}

// roleInputs reads the local grant and the highest groups role.
func (s *Store) roleInputs(ctx context.Context, personID int64) (granted, groups string, err error) {
	var grants []roleGrant
	if err := s.r.NewSelect().Model(&grants).Where("person_id = ?", personID).Scan(ctx); err != nil {
		return "", "", translate(err)
	}
	if len(grants) > 0 {
		granted = grants[0].Role
	}
	var fromGroups []string
	if err := s.r.NewSelect().Table("identities").Column("groups_role").
		Where("person_id = ?", personID).Scan(ctx, &fromGroups); err != nil {
		return "", "", translate(err)
	}
	for _, r := range fromGroups {
		if groups == "" || roleRank(r) > roleRank(groups) {
			groups = r
		}
	}
	return granted, groups, nil
}

// SetGrantedRole records the global role an admin grants the person and
// returns the effective role after recomputing it (which may stay higher
// when SSO groups give more).
func (s *Store) SetGrantedRole(ctx context.Context, personID int64, role string, by int64) (string, error) {
	if roleRank(role) < 0 {
		return "", fmt.Errorf("db: unknown global role %q", role)
	}
	var effective string
	err := s.InTx(ctx, func(ctx context.Context, tx *Store) error {
		if _, err := tx.PersonByID(ctx, personID); err != nil {
			return err
		}
		g := &roleGrant{PersonID: personID, Role: role, GrantedBy: actor(by), GrantedAt: tx.now()}
		_, err := tx.w.NewInsert().Model(g).
			On("CONFLICT (person_id) DO UPDATE").
			Set("role = EXCLUDED.role").
			Set("granted_by = EXCLUDED.granted_by").
			Set("granted_at = EXCLUDED.granted_at").
			Exec(ctx)
		if err != nil {
			return translate(err)
		}
		effective, err = tx.RecomputeRole(ctx, personID)
		return err
	})
	return effective, err
}

// RecomputeRole sets people.role to the higher of the locally granted role
// (member if none) and the highest role any of the person's SSO identities
// got from its groups, and returns it. Sign-in calls it after storing the
// groups role, and SetGrantedRole after a grant, so people.role is always
// derived, never edited directly.
func (s *Store) RecomputeRole(ctx context.Context, personID int64) (string, error) {
	var effective string
	err := s.InTx(ctx, func(ctx context.Context, tx *Store) error {
		granted, groups, err := tx.roleInputs(ctx, personID)
		if err != nil {
			return err
		}
		effective = RoleMember
		for _, r := range []string{granted, groups} {
			if roleRank(r) > roleRank(effective) {
				effective = r
			}
		}
		res, err := tx.w.NewUpdate().Model((*Person)(nil)).
			Set("role = ?", effective).Set("updated_at = ?", tx.now()).
			Where("id = ?", personID).Exec(ctx)
		return expectOne(res, err)
	})
	return effective, err
}

// SetPersonStatus sets the person's status (PersonActive or PersonDisabled).
// A disabled person's sessions stop working at their next request, because
// the session loader refuses anyone who is not active.
func (s *Store) SetPersonStatus(ctx context.Context, id int64, status string) error {
	if status != PersonActive && status != PersonDisabled {
		return fmt.Errorf("db: unknown person status %q", status)
	}
	res, err := s.w.NewUpdate().Model((*Person)(nil)).
		Set("status = ?", status).Set("updated_at = ?", s.now()).
		Where("id = ?", id).Exec(ctx)
	return expectOne(res, err)
}
