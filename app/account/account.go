// Package account serves a member's rights over their own data: the
// account page, "download my data" (a zip streamed as it is written) and
// "delete my account" (a confirmation step, then erasure), and the same
// erasure for an admin acting on a person's request.
package account

import (
	"bufio"
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cohort/app/access"
	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/jobs"
	"cohort/app/web"
	"cohort/db"
)

// ActionErase is the audit action of an account's erasure. The event
// keeps neither whose account it was nor (for a self-erasure) who asked.
const ActionErase = "person.erased"

type handlers struct{ s *web.Server }

// Register adds the account routes and the admin's erasure routes.
func Register(s *web.Server) {
	h := handlers{s: s}
	r := s.Router()
	r.Get("/account", signedIn, h.page)
	r.Get("/account/data", signedIn, h.download)
	r.Get("/account/delete", signedIn, h.confirmSelf)
	r.Post("/account/delete", signedIn, h.eraseSelf)
	guard := access.RequireAdmin(s, authz.PeopleManage)
	r.Get("/admin/people/:id/erase", guard, h.confirmAdmin)
	r.Post("/admin/people/:id/erase", guard, h.eraseAdmin)
}

func signedIn(c *fiber.Ctx) error {
	if web.CurrentPerson(c) == nil {
		return apperr.New(apperr.Unauthorized, "")
	}
	return c.Next()
}

func (h handlers) page(c *fiber.Ctx) error {
	return h.s.Render(c, "pages/account", "", fiber.Map{"Title": "Your account", "Nav": "account"})
}

// download streams the member's data as a zip. The data is read before
// the first byte goes out (so a database error is still a proper error
// page); the files are copied into the zip as it is written.
func (h handlers) download(c *fiber.Ctx) error {
	me := web.CurrentPerson(c)
	data, err := h.s.Store().PersonDataOf(c.UserContext(), me.ID)
	if err != nil {
		return err
	}
	now := h.s.Store().Now()
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="cohort-my-data-`+now.UTC().Format("2006-01-02")+`.zip"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	dir, log := h.s.Config().Uploads(), h.s.Log()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if err := WriteArchive(w, data, dir, now); err != nil {
			// The status is sent; a broken zip is what the client sees.
			log.Error("data download failed", "err", err)
		}
		_ = w.Flush()
	})
	return nil
}

// confirmView is the confirmation page's data, for the member and for an
// admin acting for a person.
func (h handlers) confirm(c *fiber.Ctx, p *db.Person, action string, self bool, form *web.Form) error {
	if form == nil {
		form = web.NewForm(nil)
	}
	title := "Delete your account"
	if !self {
		title = "Delete " + p.Email + "'s account"
	}
	return h.s.Render(c, "pages/account_delete", "", fiber.Map{
		"Title": title, "Nav": "account", "Target": p, "Self": self, "Action": action, "Form": form,
	})
}

func (h handlers) confirmSelf(c *fiber.Ctx) error {
	return h.confirm(c, web.CurrentPerson(c), "/account/delete", true, nil)
}

func (h handlers) confirmAdmin(c *fiber.Ctx) error {
	p, err := h.target(c)
	if err != nil {
		return err
	}
	return h.confirm(c, p, erasePath(p.ID), false, nil)
}

func erasePath(id int64) string { return "/admin/people/" + strconv.FormatInt(id, 10) + "/erase" }

func (h handlers) target(c *fiber.Ctx) (*db.Person, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, apperr.New(apperr.NotFound, "")
	}
	return h.s.Store().PersonByID(c.UserContext(), id)
}

// check validates the confirmation: the account's email typed again, and
// never the last admin (nobody could then run the app's administration).
func (h handlers) check(c *fiber.Ctx, p *db.Person) (*web.Form, error) {
	typed := c.FormValue("confirm")
	form := web.NewForm(map[string]string{"confirm": typed})
	if db.NormalizeEmail(typed) != p.Email {
		form.Add("confirm", "Type the account's email address, "+p.Email+", to confirm.")
	}
	if p.Role == authz.RoleAdmin {
		n, err := h.s.Store().CountAdmins(c.UserContext())
		if err != nil {
			return nil, err
		}
		if n <= 1 {
			form.Add("confirm", "This is the only admin account: make someone else an admin first.")
		}
	}
	return form, nil
}

func (h handlers) eraseSelf(c *fiber.Ctx) error {
	me := web.CurrentPerson(c)
	form, err := h.check(c, me)
	if err != nil {
		return err
	}
	if !form.Valid() {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.confirm(c, me, "/account/delete", true, form)
	}
	if err := h.erase(c, me.ID, nil); err != nil {
		return err
	}
	if err := h.s.SignOut(c); err != nil {
		return err
	}
	return h.s.Render(c, "pages/account_deleted", "", fiber.Map{"Title": "Account deleted"})
}

func (h handlers) eraseAdmin(c *fiber.Ctx) error {
	p, err := h.target(c)
	if err != nil {
		return err
	}
	form, err := h.check(c, p)
	if err != nil {
		return err
	}
	if !form.Valid() {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.confirm(c, p, erasePath(p.ID), false, form)
	}
	me := web.CurrentPerson(c)
	actor := &me.ID
	if me.ID == p.ID {
		actor = nil // the actor is the person erased
	}
	if err := h.erase(c, p.ID, actor); err != nil {
		return err
	}
	if me.ID == p.ID {
		if err := h.s.SignOut(c); err != nil {
			return err
		}
		return h.s.Render(c, "pages/account_deleted", "", fiber.Map{"Title": "Account deleted"})
	}
	return c.Redirect("/admin/people", fiber.StatusSeeOther)
}

// erase deletes the person and records the erasure (who asked, when an
// admin did; how much went) in the same transaction, then removes the
// uploaded files the way the retention job does.
func (h handlers) erase(c *fiber.Ctx, id int64, actor *int64) error {
	var files []string
	err := h.s.Store().InTx(c.UserContext(), func(ctx context.Context, tx *db.Store) error {
		got, err := tx.ErasePerson(ctx, id)
		if err != nil {
			return err
		}
		files = got.Files
		by := "self"
		if actor != nil {
			by = "admin"
		}
		return tx.RecordAudit(ctx, &db.AuditEvent{
			ActorID: actor, Action: ActionErase, SubjectType: "person",
			Details: map[string]any{
				"by": by, "enrollments": got.Enrollments, "uploads": got.Uploads,
				"pairs": got.Pairs, "mail": got.Mail, "sessions": got.Sessions,
			},
			RequestID: web.RequestID(c),
		})
	})
	if err != nil {
		return err
	}
	if _, failed := jobs.RemoveUploadFiles(h.s.Config().Uploads(), files, h.s.Log()); failed > 0 {
		h.s.Log().Error("account erased; some uploaded files remain on disk", "failed", failed)
	}
	return nil
}
