package api

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"cohort/app/access"
	"cohort/app/apperr"
	"cohort/app/pairs"
	"cohort/app/web"
	"cohort/db"
)

// Audit actions of the token pages (and `cohort token create`).
const (
	ActionTokenCreate = "token.create"
	ActionTokenRevoke = "token.revoke"
)

// SubjectToken is the audit subject type of events about an API token.
const SubjectToken = "api_token"

// MaxTokenName bounds a token's name.
const MaxTokenName = 100

const tokensURL = "/account/tokens"

type tokenHandlers struct{ s *web.Server }

// registerTokens adds the page where people who may use the API make and
// revoke their tokens.
func registerTokens(s *web.Server) {
	h := tokenHandlers{s: s}
	r := s.Router()
	r.Get(tokensURL, h.guard, h.list)
	r.Post(tokensURL, h.guard, h.create)
	r.Post(tokensURL+"/:id/revoke", h.guard, h.revoke)
}

// guard lets in people the API serves (ViewsSome). An admin who signed in
// with an emailed code verifies a second factor first, as for the admin
// pages: a token outlives the session, so making one needs more than a
// mailbox.
func (h tokenHandlers) guard(c *fiber.Ctx) error {
	me := web.CurrentPerson(c)
	if me == nil {
		return apperr.New(apperr.Unauthorized, "")
	}
	sub, err := access.Subject(c, h.s)
	if err != nil {
		return err
	}
	if !ViewsSome(sub) {
		return apperr.New(apperr.Forbidden, "API tokens are for people who may view a program's participants.")
	}
	if auth := web.CurrentAuth(c); me.Role == db.RoleAdmin && auth.Method == web.MethodEmail && !auth.MFAVerified {
		if web.IsHTMX(c) {
			c.Set("HX-Redirect", access.MFAPath)
			return c.SendStatus(fiber.StatusNoContent)
		}
		return c.Redirect(access.MFAPath, fiber.StatusSeeOther)
	}
	return c.Next()
}

// tokenRow is one token as the page lists it.
type tokenRow struct {
	ID                int64
	Name              string
	Created, LastUsed string
	Revoked           string
}

func (h tokenHandlers) list(c *fiber.Ctx) error {
	var flash *web.Flash
	if c.Query("done") == "revoked" {
		flash = &web.Flash{Kind: "success", Message: "Token revoked. Requests that send it are refused from now on."}
	}
	return h.render(c, web.NewForm(nil), "", flash)
}

func (h tokenHandlers) render(c *fiber.Ctx, form *web.Form, newToken string, flash *web.Flash) error {
	me := web.CurrentPerson(c)
	ts, err := h.s.Store().APITokensByPerson(c.UserContext(), me.ID)
	if err != nil {
		return err
	}
	rows := make([]tokenRow, len(ts))
	for i, t := range ts {
		rows[i] = tokenRow{ID: t.ID, Name: t.Name, Created: t.CreatedAt.UTC().Format("2006-01-02 15:04") + " UTC"}
		if t.LastUsedAt != nil {
			rows[i].LastUsed = t.LastUsedAt.UTC().Format("2006-01-02 15:04") + " UTC"
		}
		if t.RevokedAt != nil {
			rows[i].Revoked = t.RevokedAt.UTC().Format("2006-01-02 15:04") + " UTC"
		}
	}
	data := fiber.Map{
		"Title": "API tokens", "Nav": "account", "Tokens": rows, "Form": form, "NewToken": newToken,
		"MaxName": MaxTokenName, "APIPrefix": Prefix,
	}
	if flash != nil {
		data["Flash"] = flash
	}
	if newToken != "" {
		// The one response that holds the token must not be kept anywhere.
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return h.s.Render(c, "pages/account_tokens", "", data)
}

// create makes a token and shows it once; only its hash is kept.
func (h tokenHandlers) create(c *fiber.Ctx) error {
	name := strings.TrimSpace(c.FormValue("name"))
	form := web.NewForm(map[string]string{"name": name})
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		form.Add("name", "Name the token, for example after the script that will use it.")
	case n > MaxTokenName:
		form.Add("name", "Keep the name to "+strconv.Itoa(MaxTokenName)+" characters or fewer.")
	case strings.IndexFunc(name, unicode.IsControl) >= 0 || !utf8.ValidString(name):
		form.Add("name", "Use plain text on one line.")
	}
	if !form.Valid() {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.render(c, form, "", nil)
	}
	me := web.CurrentPerson(c)
	token, err := CreateToken(c.UserContext(), h.s.Store(), me.ID, me.ID, name, web.RequestID(c))
	if err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	return h.render(c, web.NewForm(nil), token, &web.Flash{Kind: "success",
		Message: "Token created. Copy it now: it is shown only this once."})
}

// CreateToken makes an API token for person and records it in the audit
// log (by 0: from the command line). It returns the token in clear.
func CreateToken(ctx context.Context, store *db.Store, personID, by int64, name, requestID string) (string, error) {
	var token string
	err := store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		var t *db.APIToken
		var err error
		if token, t, err = tx.CreateAPIToken(ctx, personID, name); err != nil {
			return err
		}
		return recordToken(ctx, tx, ActionTokenCreate, t, by, requestID)
	})
	return token, err
}

func recordToken(ctx context.Context, tx *db.Store, action string, t *db.APIToken, by int64, requestID string) error {
	ev := &db.AuditEvent{
		Action: action, SubjectType: SubjectToken, SubjectID: strconv.FormatInt(t.ID, 10),
		Details: map[string]any{"name": t.Name, "person_id": t.PersonID}, RequestID: requestID,
	}
	if by != 0 {
		ev.ActorID = &by
	}
	return tx.RecordAudit(ctx, ev)
}

// revoke revokes one of the person's own tokens; anyone else's is 404.
func (h tokenHandlers) revoke(c *fiber.Ctx) error {
	id, ok := pairs.PathID(c, "id")
	if !ok {
		return apperr.New(apperr.NotFound, "")
	}
	me := web.CurrentPerson(c)
	err := h.s.Store().InTx(c.UserContext(), func(ctx context.Context, tx *db.Store) error {
		t, err := tx.RevokeAPIToken(ctx, me.ID, id)
		if err != nil {
			return err
		}
		return recordToken(ctx, tx, ActionTokenRevoke, t, me.ID, web.RequestID(c))
	})
	if errors.Is(err, db.ErrNotFound) {
		return apperr.New(apperr.NotFound, "")
	}
	if err != nil {
		return err
	}
	return c.Redirect(tokensURL+"?done=revoked", fiber.StatusSeeOther)
}
