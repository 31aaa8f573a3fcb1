package auth

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image/png"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"cohort/app/apperr"
	"cohort/app/web"
	"cohort/db"
)

// RecoveryCodeCount is how many single-use recovery codes a person gets.
const RecoveryCodeCount = 10

var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// mfaPage shows TOTP set-up (no confirmed authenticator yet) or the prompt
// for a code.
func (h *handlers) mfaPage(c *fiber.Ctx) error {
	me := web.CurrentPerson(c)
	if me == nil {
		return apperr.New(apperr.Unauthorized, "")
	}
	return h.renderMFA(c, me, web.NewForm(nil), fiber.StatusOK)
}

func (h *handlers) renderMFA(c *fiber.Ctx, me *db.Person, form *web.Form, status int) error {
	ctx := c.UserContext()
	st := h.s.Store()
	t, err := st.TOTPFor(ctx, me.ID)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	c.Status(status)
	if err == nil && t.ConfirmedAt != nil {
		return h.s.Render(c, "pages/mfa_verify", "", fiber.Map{"Title": "Confirm it's you", "Form": form})
	}
	// Set-up: reuse a pending secret so a re-rendered form (wrong code)
	// keeps showing the one already scanned.
	var secret string
	if err == nil {
		if secret, err = h.sealer.open(t.SecretEnc); err != nil {
			return err
		}
	} else {
		key, err := totp.Generate(totp.GenerateOpts{Issuer: "Cohort", AccountName: me.Email})
		if err != nil {
			return err
		}
		secret = key.Secret()
		if err := st.StartTOTP(ctx, me.ID, h.sealer.seal(secret)); err != nil {
			return err
		}
	}
	key, err := otp.NewKeyFromURL(otpauthURL("Cohort", me.Email, secret))
	if err != nil {
		return err
	}
	img, err := key.Image(220, 220)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	return h.s.Render(c, "pages/mfa_setup", "", fiber.Map{
		"Title": "Set up your authenticator", "Form": form, "Secret": secret,
		"QR": "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()),
	})
}

// mfaSetup confirms the authenticator with a first code and hands out the
// recovery codes, shown once.
func (h *handlers) mfaSetup(c *fiber.Ctx) error {
	me := web.CurrentPerson(c)
	if me == nil {
		return apperr.New(apperr.Unauthorized, "")
	}
	ctx := c.UserContext()
	st := h.s.Store()
	t, err := st.TOTPFor(ctx, me.ID)
	if err != nil || t.ConfirmedAt != nil {
		return c.Redirect("/account/mfa", fiber.StatusSeeOther)
	}
	secret, err := h.sealer.open(t.SecretEnc)
	if err != nil {
		return err
	}
	form := web.NewForm(map[string]string{"code": c.FormValue("code")})
	if !h.validTOTP(c.FormValue("code"), secret) {
		form.Add("code", "That code did not match. Enter the 6-digit code your app shows now.")
		return h.renderMFA(c, me, form, fiber.StatusUnprocessableEntity)
	}
	codes := make([]string, RecoveryCodeCount)
	hashes := make([]string, RecoveryCodeCount)
	for i := range codes {
		codes[i] = FormatCode(RandomCode(10))
		hashes[i] = HashRecoveryCode(h.s.Config().SecretKey, me.ID, codes[i])
	}
	if err := st.ConfirmTOTP(ctx, me.ID, hashes); err != nil {
		return err
	}
	if err := h.s.MarkMFAVerified(c); err != nil {
		return err
	}
	if err := st.RecordAudit(ctx, &db.AuditEvent{ActorID: &me.ID, Action: "mfa.enrolled", SubjectType: "person", SubjectID: itoa(me.ID), RequestID: web.RequestID(c)}); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.s.Render(c, "pages/mfa_recovery_codes", "", fiber.Map{"Title": "Your recovery codes", "Codes": codes})
}

// mfaVerify accepts a current TOTP code or one unused recovery code.
func (h *handlers) mfaVerify(c *fiber.Ctx) error {
	me := web.CurrentPerson(c)
	if me == nil {
		return apperr.New(apperr.Unauthorized, "")
	}
	if err := limit(c, h.s, "mfa:person:"+itoa(me.ID), h.s.Config().RateLimitPerEmail*2); err != nil {
		return err
	}
	ctx := c.UserContext()
	st := h.s.Store()
	t, err := st.TOTPFor(ctx, me.ID)
	if err != nil || t.ConfirmedAt == nil {
		return c.Redirect("/account/mfa", fiber.StatusSeeOther)
	}
	secret, err := h.sealer.open(t.SecretEnc)
	if err != nil {
		return err
	}
	typed := c.FormValue("code")
	ok := h.validTOTP(typed, secret)
	method := "totp"
	if !ok && len(NormalizeCode(typed)) == 10 {
		if ok, err = st.UseRecoveryCode(ctx, me.ID, HashRecoveryCode(h.s.Config().SecretKey, me.ID, typed)); err != nil {
			return err
		}
		method = "recovery_code"
	}
	if !ok {
		form := web.NewForm(map[string]string{"code": typed})
		form.Add("code", "That code did not match. Enter the 6-digit code from your app, or one of your recovery codes.")
		return h.renderMFA(c, me, form, fiber.StatusUnprocessableEntity)
	}
	if err := h.s.MarkMFAVerified(c); err != nil {
		return err
	}
	if method == "recovery_code" {
		_ = st.RecordAudit(ctx, &db.AuditEvent{ActorID: &me.ID, Action: "mfa.recovery_code_used", SubjectType: "person", SubjectID: itoa(me.ID), RequestID: web.RequestID(c)})
	}
	return c.Redirect("/admin", fiber.StatusSeeOther)
}

func (h *handlers) validTOTP(code, secret string) bool {
	ok, err := totp.ValidateCustom(code, secret, h.s.Store().Now(), totpOpts)
	return err == nil && ok
}

// TOTPCode is the current code for secret at t (tests act as the
// authenticator app with it).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// otpauthURL is the provisioning URI authenticator apps read from the QR
// code (the Key URI format).
func otpauthURL(issuer, account, secret string) string {
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + account}
	q := url.Values{"secret": {secret}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	u.RawQuery = q.Encode()
	return u.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
