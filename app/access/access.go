// Package access connects authorization rules (app/authz) to requests: it
// loads the signed-in person's roles and overrides once per request, answers
// permission checks through authz.Can, and guards routes. Handlers call it
// instead of looking at roles themselves, so every decision goes through
// the same rules, on the server.
package access

import (
	"context"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/web"
	"cohort/db"
)

// localSubject caches the loaded Subject for the rest of the request.
const localSubject = "access.subject"

// MFAPath is where an admin who signed in with an emailed code is sent to
// verify a second factor before reaching admin pages.
const MFAPath = "/account/mfa"

// Subject returns the current person's authorization subject, loading their
// program roles and overrides on first use and caching them for the
// request. An anonymous request gets the zero Subject, which holds nothing.
func Subject(c *fiber.Ctx, s *web.Server) (authz.Subject, error) {
	if sub, ok := c.Locals(localSubject).(authz.Subject); ok {
		return sub, nil
	}
	me := web.CurrentPerson(c)
	if me == nil {
		return authz.Subject{}, nil
	}
	sub, err := Load(c.UserContext(), s.Store(), me)
	if err != nil {
		return authz.Subject{}, err
	}
	c.Locals(localSubject, sub)
	return sub, nil
}

// Load builds the Subject for p from the database: p.Role is the effective
// global role (kept current by db.RecomputeRole), plus program roles and
// overrides. An override naming an unknown permission is an error: start-up
// refuses such names, so one here was written behind our back, and failing
// closed is safer than guessing.
func Load(ctx context.Context, store *db.Store, p *db.Person) (authz.Subject, error) {
	roles, rows, err := store.Grants(ctx, p.ID)
	if err != nil {
		return authz.Subject{}, err
	}
	sub := authz.Subject{PersonID: p.ID, GlobalRole: p.Role, ProgramRoles: roles}
	for _, r := range rows {
		perm, err := authz.ParsePermission(r.Permission)
		if err != nil {
			return authz.Subject{}, fmt.Errorf("access: override %d of person %d: %w", r.ID, p.ID, err)
		}
		sub.Overrides = append(sub.Overrides, authz.Override{ProgramID: r.ProgramID, Permission: perm, Grant: r.Grant()})
	}
	return sub, nil
}

// Can reports whether the current person may do perm in program programID
// (authz.AllPrograms for global permissions). Anonymous requests may do
// nothing.
func Can(c *fiber.Ctx, s *web.Server, perm authz.Permission, programID int64) (bool, error) {
	sub, err := Subject(c, s)
	if err != nil {
		return false, err
	}
	return authz.Can(sub, perm, programID), nil
}

// Require guards routes with a global permission: anonymous requests get
// Unauthorized ("Please sign in"), people without the permission Forbidden.
func Require(s *web.Server, perm authz.Permission) fiber.Handler {
	if _, err := authz.ParsePermission(string(perm)); err != nil {
		// A typo in a route table is a programming error: fail at start-up.
		panic("access.Require: " + err.Error())
	}
	return func(c *fiber.Ctx) error {
		if err := check(c, s, perm); err != nil {
			return err
		}
		return c.Next()
	}
}

// check answers 401 for anonymous requests and 403 without perm (global).
func check(c *fiber.Ctx, s *web.Server, perm authz.Permission) error {
	if web.CurrentPerson(c) == nil {
		return apperr.New(apperr.Unauthorized, "")
	}
	ok, err := Can(c, s, perm, authz.AllPrograms)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.Forbidden, "")
	}
	return nil
}

// RequireAdmin guards admin pages with a global permission (people.manage,
// audit.view, jobs.manage): the person must be signed in and hold it —
// decided by authz.Can like every other check, so grants and revokes apply —
// and must have passed SecondFactor.
func RequireAdmin(s *web.Server, perm authz.Permission) fiber.Handler {
	if !authz.IsGlobal(perm) {
		panic("access.RequireAdmin: " + string(perm) + " is not a global permission")
	}
	return func(c *fiber.Ctx) error {
		if err := check(c, s, perm); err != nil {
			return err
		}
		if sent, err := SecondFactor(c); sent || err != nil {
			return err
		}
		return c.Next()
	}
}

// SecondFactor sends a person who signed in with an emailed code — which
// only proves control of a mailbox — and has not verified a second factor
// in this session to MFAPath (a 303, or HX-Redirect for htmx so the whole
// page navigates instead of a fragment being swapped), and reports that it
// did. SSO and development sign-ins are trusted as they are: the identity
// provider enforces its own factors.
func SecondFactor(c *fiber.Ctx) (sent bool, err error) {
	if auth := web.CurrentAuth(c); auth.Method != web.MethodEmail || auth.MFAVerified {
		return false, nil
	}
	if web.IsHTMX(c) {
		c.Set("HX-Redirect", MFAPath)
		return true, c.SendStatus(fiber.StatusNoContent)
	}
	return true, c.Redirect(MFAPath, fiber.StatusSeeOther)
}

// Validate is the start-up check: the role tables name only known
// permissions, and so does every override stored in the database. An
// unknown name means code and data disagree (a renamed permission, a typo
// in a manual fix); starting anyway would silently grant or revoke nothing.
func Validate(ctx context.Context, store *db.Store) error {
	if err := authz.CheckDefinitions(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	names, err := store.DistinctOverridePermissions(ctx)
	if err != nil {
		return fmt.Errorf("authorization: reading permission overrides: %w", err)
	}
	if err := authz.ValidatePermissions(names); err != nil {
		return fmt.Errorf("authorization: table permission_overrides holds %w; fix or delete those rows", err)
	}
	return nil
}
