package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	cmail "cohort/app/mail"
	"cohort/app/metrics"
	"cohort/app/web"
	"cohort/db"
)

// Flow keys for the email-code sign-in: the address, and a random value
// that ties the codes to this browser's sign-in.
const (
	flowEmail   = "email"
	flowCodeKey = "code_key"
)

// PendingCodesKept is how many of a sign-in's newest codes stay valid
// (until they expire or one is used): asking again because the mail is
// slow must not void the code that then arrives.
const PendingCodesKept = 3

// codeFlowKey is the current sign-in's key when it is for the same
// address, else a new one.
func (h *handlers) codeFlowKey(c *fiber.Ctx, email string) (string, error) {
	prev, err := h.s.Flow(c, flowEmail)
	if err != nil {
		return "", err
	}
	key, err := h.s.Flow(c, flowCodeKey)
	if err != nil {
		return "", err
	}
	if prev != email || key == "" {
		key = randomToken()
	}
	return key, nil
}

// flowHash is what login_codes keeps of a flow key: the key itself stays
// in the session, so reading the table does not let anyone claim a flow.
func flowHash(key string) string {
	if key == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("login-code-flow\x00" + key))
	return hex.EncodeToString(sum[:])
}

// emailForm validates the address a person typed.
func emailForm(c *fiber.Ctx) (*web.Form, string) {
	raw := strings.TrimSpace(c.FormValue("email"))
	f := web.NewForm(map[string]string{"email": raw})
	switch {
	case raw == "":
		f.Add("email", "Enter your email address.")
	case len(raw) > 254:
		f.Add("email", "That email address is too long.")
	default:
		addr, err := mail.ParseAddress(raw)
		if err != nil || addr.Address != raw || !strings.Contains(raw[strings.LastIndex(raw, "@")+1:], ".") {
			f.Add("email", "Enter an email address like name@example.com.")
		}
	}
	return f, db.NormalizeEmail(raw)
}

// requestCode sends a sign-in code. It answers the same way, and does the
// same database work, whether or not the address has an account: only the
// outbox row differs (suppressed for an address that may not sign in), and
// delivery happens later, off the request path.
func (h *handlers) requestCode(c *fiber.Ctx) error {
	s := h.s
	form, email := emailForm(c)
	if !form.Valid() {
		return h.renderSignIn(c, form, fiber.StatusUnprocessableEntity)
	}
	if err := limitCodeRequest(c, s, email); err != nil {
		return err
	}
	ctx := c.UserContext()
	person, err := s.Store().PersonByEmail(ctx, email)
	known := err == nil && person.Status == db.PersonActive
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	allowed := known || (errors.Is(err, db.ErrNotFound) && s.Config().SelfRegistration)

	// The codes belong to this browser's sign-in: asking again here keeps
	// the earlier codes working (mail can cross), and asking anywhere else
	// leaves them alone.
	flowKey, err := h.codeFlowKey(c, email)
	if err != nil {
		return err
	}
	code := RandomCode(CodeLength)
	lc, err := s.Store().CreateFlowLoginCode(ctx, email, flowHash(flowKey), HashLoginCode(s.Config().SecretKey, email, code), s.Config().LoginCodeTTL)
	if err != nil {
		return err
	}
	minutes := int(s.Config().LoginCodeTTL.Minutes())
	msg := cmail.Message{
		To: email,
		// Never the code in the subject: it stays in the outbox (and in
		// mail previews and server logs) after the body is wiped.
		Subject: "Your Cohort sign-in code",
		Text: fmt.Sprintf("Your sign-in code is %s\n\nIt works once, for %d minutes. If you did not ask to sign in to Cohort, ignore this message.\n\n%s/signin/code\n",
			FormatCode(code), minutes, s.Config().BaseURL),
		Kind:      "login_code",
		Sensitive: true,
		Suppress:  !allowed,
		// A code mailed after it expired is only confusing.
		NotAfter: lc.ExpiresAt,
	}
	if err := h.outbox.Enqueue(ctx, msg); err != nil {
		return err
	}
	if err := s.SetFlow(c, map[string]string{flowEmail: email, flowCodeKey: flowKey, flowNext: SafeNext(c.FormValue("next"))}); err != nil {
		return err
	}
	return c.Redirect("/signin/code", fiber.StatusSeeOther)
}

// codePage asks for the code.
func (h *handlers) codePage(c *fiber.Ctx) error {
	email, err := h.s.Flow(c, flowEmail)
	if err != nil {
		return err
	}
	if email == "" {
		return c.Redirect("/signin", fiber.StatusSeeOther)
	}
	return h.renderCode(c, email, web.NewForm(nil), fiber.StatusOK)
}

func (h *handlers) renderCode(c *fiber.Ctx, email string, form *web.Form, status int) error {
	c.Status(status)
	return h.s.Render(c, "pages/signin_code", "", fiber.Map{
		"Title": "Enter your code", "Email": email, "Form": form,
		"Minutes": int(h.s.Config().LoginCodeTTL.Minutes()),
	})
}

var errCodeInvalid = "That code is not valid or has expired. Check the latest email, or ask for a new code."

// verifyCode signs the person in when the code matches: single use, a few
// attempts, compared in constant time.
func (h *handlers) verifyCode(c *fiber.Ctx) error {
	s := h.s
	email, err := s.Flow(c, flowEmail)
	if err != nil {
		return err
	}
	if email == "" {
		return c.Redirect("/signin", fiber.StatusSeeOther)
	}
	typed := NormalizeCode(c.FormValue("code"))
	form := web.NewForm(map[string]string{"code": c.FormValue("code")})
	if typed == "" {
		form.Add("code", "Enter the code from the email.")
		return h.renderCode(c, email, form, fiber.StatusUnprocessableEntity)
	}
	if err := limit(c, s, ipBucket("verify", c), s.Config().RateLimitPerIP); err != nil {
		return err
	}
	ctx := c.UserContext()
	flowKey, err := s.Flow(c, flowCodeKey)
	if err != nil {
		return err
	}
	// Every code of this sign-in that is still alive (the last few asked
	// for) is a candidate, and each pays for the guess.
	candidates, err := s.Store().SpendLoginAttempts(ctx, email, flowHash(flowKey), PendingCodesKept, s.Config().LoginCodeMaxAttempts)
	if err != nil {
		return err
	}
	want := HashLoginCode(s.Config().SecretKey, email, typed)
	var lc *db.LoginCode
	for _, cand := range candidates {
		if equalHash(want, cand.CodeHash) {
			lc = cand
		}
	}
	if lc == nil {
		metrics.SignInFailed(web.MethodEmail)
		form.Add("code", errCodeInvalid)
		return h.renderCode(c, email, form, fiber.StatusUnprocessableEntity)
	}
	if used, err := s.Store().UseLoginCode(ctx, lc.ID); err != nil || !used {
		if err != nil {
			return err
		}
		metrics.SignInFailed(web.MethodEmail)
		form.Add("code", errCodeInvalid)
		return h.renderCode(c, email, form, fiber.StatusUnprocessableEntity)
	}
	person, err := h.personForEmail(c, email)
	if err != nil {
		return err
	}
	next, err := s.Flow(c, flowNext) // SignIn clears the flow
	if err != nil {
		return err
	}
	if err := s.SignIn(c, person, web.MethodEmail, nil); err != nil {
		return err
	}
	metrics.SignInOK(web.MethodEmail)
	s.Log().Info("signed in", "method", web.MethodEmail, "person_id", person.ID, "request_id", web.RequestID(c))
	if person.Role == db.RoleAdmin {
		// Admins who sign in by email code need their second factor first.
		return c.Redirect("/account/mfa", fiber.StatusSeeOther)
	}
	return c.Redirect(after(next), fiber.StatusSeeOther)
}

// personForEmail finds the account, or creates one when self-registration
// is on. A matching code for an address that may not sign in cannot happen
// (its mail was suppressed), but is refused all the same.
func (h *handlers) personForEmail(c *fiber.Ctx, email string) (*db.Person, error) {
	ctx := c.UserContext()
	p, err := h.s.Store().PersonByEmail(ctx, email)
	switch {
	case err == nil && p.Status == db.PersonActive:
		return p, nil
	case err == nil:
		return nil, apperr.New(apperr.Forbidden, "This account is disabled. Contact the program team.")
	case !errors.Is(err, db.ErrNotFound):
		return nil, err
	case !h.s.Config().SelfRegistration:
		return nil, apperr.New(apperr.Forbidden, "There is no account for this address.")
	}
	// No name made up from the address ("new.person.87488"): the person
	// gives their own when they enroll.
	p = &db.Person{Email: email, SelfRegistered: true}
	if err := h.s.Store().CreatePerson(ctx, p); err != nil {
		if errors.Is(err, db.ErrConflict) {
			return h.s.Store().PersonByEmail(ctx, email)
		}
		return nil, err
	}
	return p, nil
}
