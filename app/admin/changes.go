package admin

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cohort/app/authz"
	"cohort/app/web"
	"cohort/db"
)

// refuse re-renders the person page with the form's errors beside their
// fields and in the summary, keeping what was chosen.
func (h handlers) refuse(c *fiber.Ctx, p *db.Person, form *web.Form) error {
	c.Status(fiber.StatusUnprocessableEntity)
	return h.renderPerson(c, p, form, nil)
}

func isSelf(c *fiber.Ctx, p *db.Person) bool {
	me := web.CurrentPerson(c)
	return me != nil && me.ID == p.ID
}

// setRole grants a global role locally. The effective role stays the
// higher of this grant and what SSO groups give, which the page explains.
func (h handlers) setRole(c *fiber.Ctx) error {
	p, err := h.target(c)
	if err != nil {
		return err
	}
	role := c.FormValue("role")
	form := web.NewForm(map[string]string{"role": role})
	switch {
	case !authz.IsGlobalRole(role):
		form.Add("role", "Choose member, staff or admin.")
	case isSelf(c, p) && role != authz.RoleAdmin:
		// Refused so the last admin cannot lock everyone out by accident;
		// another admin can still do it.
		form.Add("role", "You cannot remove your own admin role. Ask another admin to do it.")
	}
	if !form.Valid() {
		return h.refuse(c, p, form)
	}
	err = h.s.Store().InTx(c.UserContext(), func(ctx context.Context, tx *db.Store) error {
		before, err := tx.PersonRoleSources(ctx, p.ID)
		if err != nil {
			return err
		}
		effective, err := tx.SetGrantedRole(ctx, p.ID, role, web.CurrentPerson(c).ID)
		if err != nil {
			return err
		}
		return record(ctx, c, tx, ActionRole, p, 0, map[string]any{
			"old": before.Granted, "new": role,
			"old_effective": before.Effective, "new_effective": effective,
		})
	})
	if err != nil {
		return err
	}
	return backToPerson(c, p.ID, "role")
}

// programChoice parses a program select: a known program's id, or 0 (all
// programs) when allowAll. ok is false for anything else.
func programChoice(ctx context.Context, store *db.Store, raw string, allowAll bool) (int64, bool, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, false, nil
	}
	if id == authz.AllPrograms {
		return 0, allowAll, nil
	}
	programs, err := store.ListPrograms(ctx)
	if err != nil {
		return 0, false, err
	}
	for _, pr := range programs {
		if pr.ID == id {
			return id, true, nil
		}
	}
	return 0, false, nil
}

// addProgramRole gives the person a role in a program (replacing the one
// they had there).
func (h handlers) addProgramRole(c *fiber.Ctx) error {
	p, err := h.target(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	store := h.s.Store()
	form := web.NewForm(map[string]string{"program_id": c.FormValue("program_id"), "program_role": c.FormValue("program_role")})
	programID, ok, err := programChoice(ctx, store, form.Value("program_id"), false)
	if err != nil {
		return err
	}
	if !ok {
		form.Add("program_id", "Choose a program.")
	}
	role := form.Value("program_role")
	if !authz.IsProgramRole(role) {
		form.Add("program_role", "Choose owner, coordinator or reviewer.")
	}
	if !form.Valid() {
		return h.refuse(c, p, form)
	}
	err = store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		roles, err := tx.ProgramRoles(ctx, p.ID)
		if err != nil {
			return err
		}
		if err := tx.SetProgramRole(ctx, p.ID, programID, role, web.CurrentPerson(c).ID); err != nil {
			return err
		}
		return record(ctx, c, tx, ActionProgramRole, p, programID, map[string]any{
			"program_id": programID, "old": roles[programID], "new": role,
		})
	})
	if err != nil {
		return err
	}
	return backToPerson(c, p.ID, "program_role")
}

// removeProgramRole takes the person's role in a program away; a program
// where they hold none is 404.
func (h handlers) removeProgramRole(c *fiber.Ctx) error {
	p, err := h.target(c)
	if err != nil {
		return err
	}
	programID, err := pathID(c, "programID")
	if err != nil {
		return err
	}
	err = h.s.Store().InTx(c.UserContext(), func(ctx context.Context, tx *db.Store) error {
		roles, err := tx.ProgramRoles(ctx, p.ID)
		if err != nil {
			return err
		}
		old, ok := roles[programID]
		if !ok {
			return db.ErrNotFound
		}
		if err := tx.RemoveProgramRole(ctx, p.ID, programID); err != nil {
			return err
		}
		return record(ctx, c, tx, ActionProgramRole, p, programID, map[string]any{
			"program_id": programID, "old": old, "new": "",
		})
	})
	if err != nil {
		return err
	}
	return backToPerson(c, p.ID, "program_role_removed")
}

// addOverride grants or revokes one permission in one program or all.
func (h handlers) addOverride(c *fiber.Ctx) error {
	p, err := h.target(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	store := h.s.Store()
	form := web.NewForm(map[string]string{
		"override_program": c.FormValue("override_program"),
		"permission":       c.FormValue("permission"),
		"effect":           c.FormValue("effect"),
	})
	programID, ok, err := programChoice(ctx, store, form.Value("override_program"), true)
	if err != nil {
		return err
	}
	if !ok {
		form.Add("override_program", "Choose a program, or all programs.")
	}
	perm, perr := authz.ParsePermission(form.Value("permission"))
	if perr != nil {
		form.Add("permission", "Choose a permission from the list.")
	}
	effect := form.Value("effect")
	if effect != db.EffectGrant && effect != db.EffectRevoke {
		form.Add("effect", "Choose grant or revoke.")
	}
	if ok && perr == nil && authz.IsGlobal(perm) && programID != authz.AllPrograms {
		form.Add("override_program", string(perm)+" is a global permission: choose all programs.")
	}
	// Like demoting yourself, revoking your own way into these pages would
	// lock you out with nobody noticing.
	if perr == nil && perm == authz.PeopleManage && effect == db.EffectRevoke && p.ID == web.CurrentPerson(c).ID {
		form.Add("permission", "You cannot revoke people.manage from yourself; ask another admin.")
	}
	if !form.Valid() {
		return h.refuse(c, p, form)
	}
	err = store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		existing, err := tx.PermissionOverrides(ctx, p.ID)
		if err != nil {
			return err
		}
		old := ""
		for _, o := range existing {
			if o.ProgramID == programID && o.Permission == string(perm) {
				old = o.Effect
			}
		}
		if err := tx.SetPermissionOverride(ctx, p.ID, programID, string(perm), effect == db.EffectGrant, web.CurrentPerson(c).ID); err != nil {
			return err
		}
		return record(ctx, c, tx, ActionOverride, p, programID, map[string]any{
			"program_id": programID, "permission": string(perm), "old": old, "new": effect,
		})
	})
	if err != nil {
		return err
	}
	return backToPerson(c, p.ID, "override")
}

// removeOverride deletes one of the person's overrides; an id that is not
// theirs is 404.
func (h handlers) removeOverride(c *fiber.Ctx) error {
	p, err := h.target(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "overrideID")
	if err != nil {
		return err
	}
	err = h.s.Store().InTx(c.UserContext(), func(ctx context.Context, tx *db.Store) error {
		o, err := tx.PermissionOverrideByID(ctx, p.ID, id)
		if err != nil {
			return err
		}
		if err := tx.DeletePermissionOverride(ctx, p.ID, id); err != nil {
			return err
		}
		return record(ctx, c, tx, ActionOverride, p, o.ProgramID, map[string]any{
			"program_id": o.ProgramID, "permission": o.Permission, "old": o.Effect, "new": "",
		})
	})
	if err != nil {
		return err
	}
	return backToPerson(c, p.ID, "override_removed")
}

// setStatus disables or re-enables an account. A disabled person's open
// sessions end at their next request: the session loader refuses anyone who
// is not active.
func (h handlers) setStatus(c *fiber.Ctx) error {
	p, err := h.target(c)
	if err != nil {
		return err
	}
	status := c.FormValue("status")
	form := web.NewForm(map[string]string{"status": status})
	switch {
	case status != db.PersonActive && status != db.PersonDisabled:
		form.Add("status", "Choose active or disabled.")
	case isSelf(c, p) && status != db.PersonActive:
		form.Add("status", "You cannot disable your own account. Ask another admin to do it.")
	}
	if !form.Valid() {
		return h.refuse(c, p, form)
	}
	err = h.s.Store().InTx(c.UserContext(), func(ctx context.Context, tx *db.Store) error {
		if err := tx.SetPersonStatus(ctx, p.ID, status); err != nil {
			return err
		}
		return record(ctx, c, tx, ActionStatus, p, 0, map[string]any{"old": p.Status, "new": status})
	})
	if err != nil {
		return err
	}
	return backToPerson(c, p.ID, "status")
}
