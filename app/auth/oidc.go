package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gofiber/fiber/v2"
	"github.com/markbates/goth/providers/openidConnect"

	"cohort/app/apperr"
	"cohort/app/metrics"
	"cohort/app/web"
	"cohort/config"
	"cohort/db"
)

// Flow keys for the OIDC sign-in.
const (
	flowState    = "oidc_state"
	flowNonce    = "oidc_nonce"
	flowVerifier = "oidc_verifier"
	flowIDToken  = "id_token"
)

// providerName is how identities from the configured provider are stored.
const providerName = "oidc"

// oidcClient runs the code flow through goth's OpenID Connect provider and
// verifies what comes back with go-oidc: goth decodes the ID token without
// checking its signature or nonce, and the groups in it decide who is
// staff or admin. Discovery happens on first use (and is retried after a
// failure), so a provider outage does not stop Cohort from starting.
type oidcClient struct {
	cfg *config.Config

	mu       sync.Mutex
	goth     *openidConnect.Provider
	verifier *oidc.IDTokenVerifier
	endpoint string // end_session_endpoint, if the provider has one
}

func newOIDCClient(cfg *config.Config) *oidcClient { return &oidcClient{cfg: cfg} }

func (o *oidcClient) load(ctx context.Context) (*openidConnect.Provider, *oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.goth != nil {
		return o.goth, o.verifier, nil
	}
	issuer := o.cfg.OIDCIssuer
	discovery := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	gp, err := openidConnect.New(o.cfg.OIDCClientID, o.cfg.OIDCClientSecret, o.cfg.BaseURL+"/auth/oidc/callback", discovery, o.cfg.OIDCScopes...)
	if err != nil {
		return nil, nil, fmt.Errorf("oidc discovery: %w", err)
	}
	// We trust only the verified ID token; goth's userinfo call adds nothing.
	gp.SkipUserInfoRequest = true
	op, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("oidc discovery: %w", err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = op.Claims(&meta)
	o.goth = gp
	o.verifier = op.Verifier(&oidc.Config{ClientID: o.cfg.OIDCClientID})
	o.endpoint = meta.EndSession
	return o.goth, o.verifier, nil
}

var errProviderDown = apperr.New(apperr.Unavailable, "The sign-in provider cannot be reached right now. Please try again in a minute.")

// oidcLogin starts the code flow: a fresh state (login CSRF), nonce (token
// replay) and PKCE verifier, kept in the server-side session.
func (h *handlers) oidcLogin(c *fiber.Ctx) error {
	gp, _, err := h.oidc.load(c.UserContext())
	if err != nil {
		h.s.Log().Error("oidc", "err", err, "request_id", web.RequestID(c))
		return errProviderDown
	}
	state, nonce, verifier := randomToken(), randomToken(), randomToken()
	sess, err := gp.BeginAuth(state)
	if err != nil {
		return err
	}
	authURL, err := sess.GetAuthURL()
	if err != nil {
		return err
	}
	challenge := sha256.Sum256([]byte(verifier))
	u, err := url.Parse(authURL)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("nonce", nonce)
	q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(challenge[:]))
	q.Set("code_challenge_method", "S256")
	u.RawQuery = q.Encode()
	if err := h.s.SetFlow(c, map[string]string{flowState: state, flowNonce: nonce, flowVerifier: verifier}); err != nil {
		return err
	}
	return c.Redirect(u.String(), fiber.StatusSeeOther)
}

var errSignInFailed = apperr.New(apperr.Forbidden, "Sign-in did not complete. Please start again from the sign-in page.")

// oidcCallback finishes the flow: state must match (single use), the code
// is exchanged, and the ID token must verify (signature, issuer, audience,
// expiry) and carry our nonce before any claim is believed.
func (h *handlers) oidcCallback(c *fiber.Ctx) error {
	s := h.s
	ctx := c.UserContext()
	want, err := s.Flow(c, flowState)
	if err != nil {
		return err
	}
	nonce, _ := s.Flow(c, flowNonce)
	verifier, _ := s.Flow(c, flowVerifier)
	if err := s.ClearFlow(c, flowState, flowNonce, flowVerifier); err != nil {
		return err
	}
	got := c.Query("state")
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		metrics.SignInFailed(web.MethodOIDC)
		return errSignInFailed
	}
	if e := c.Query("error"); e != "" {
		s.Log().Info("oidc: provider returned an error", "error", e, "request_id", web.RequestID(c))
		return apperr.New(apperr.Forbidden, "The sign-in provider did not sign you in. Please try again.")
	}
	gp, verify, err := h.oidc.load(ctx)
	if err != nil {
		return errProviderDown
	}
	sess := &openidConnect.Session{}
	params := url.Values{"code": {c.Query("code")}, "code_verifier": {verifier}}
	if _, err := sess.Authorize(gp, params); err != nil {
		s.Log().Warn("oidc: code exchange failed", "err", err, "request_id", web.RequestID(c))
		metrics.SignInFailed(web.MethodOIDC)
		return errSignInFailed
	}
	idt, err := verify.Verify(ctx, sess.IDToken)
	if err != nil {
		s.Log().Warn("oidc: ID token refused", "err", err, "request_id", web.RequestID(c))
		metrics.SignInFailed(web.MethodOIDC)
		return errSignInFailed
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		s.Log().Warn("oidc: nonce mismatch", "request_id", web.RequestID(c))
		metrics.SignInFailed(web.MethodOIDC)
		return errSignInFailed
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return err
	}
	person, err := h.personForIdentity(c, idt.Subject, claims)
	if err != nil {
		return err
	}
	if err := s.SignIn(c, person, web.MethodOIDC, map[string]string{flowIDToken: sess.IDToken}); err != nil {
		return err
	}
	metrics.SignInOK(web.MethodOIDC)
	s.Log().Info("signed in", "method", web.MethodOIDC, "person_id", person.ID, "role", person.Role, "request_id", web.RequestID(c))
	return c.Redirect("/", fiber.StatusSeeOther)
}

// personForIdentity finds or creates the person behind a verified identity
// and recomputes their role from the groups claim.
func (h *handlers) personForIdentity(c *fiber.Ctx, subject string, claims map[string]any) (*db.Person, error) {
	st := h.s.Store()
	ctx := c.UserContext()
	email := db.NormalizeEmail(stringClaim(claims, "email"))
	if verified, ok := claims["email_verified"].(bool); ok && !verified {
		email = "" // an unverified address must not take over an account
	}
	var person *db.Person
	ident, err := st.IdentityBySubject(ctx, providerName, subject)
	switch {
	case err == nil:
		person, err = st.PersonByID(ctx, ident.PersonID)
		if err != nil {
			return nil, err
		}
	case errors.Is(err, db.ErrNotFound):
		if email == "" {
			return nil, apperr.New(apperr.Forbidden, "Your sign-in provider did not share a verified email address, which Cohort needs.")
		}
		person, err = st.PersonByEmail(ctx, email)
		if errors.Is(err, db.ErrNotFound) {
			person = &db.Person{Email: email, Name: firstNonEmpty(stringClaim(claims, "name"), stringClaim(claims, "nickname"), email)}
			err = st.CreatePerson(ctx, person)
		}
		if err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	if person.Status != db.PersonActive {
		return nil, apperr.New(apperr.Forbidden, "This account is disabled. Contact the program team.")
	}
	role := GroupsRole(groupsClaim(claims, h.s.Config().GroupsClaim), h.s.Config().StaffGroups, h.s.Config().AdminGroups)
	if err := st.SaveIdentity(ctx, &db.Identity{PersonID: person.ID, Provider: providerName, Subject: subject, Email: email, GroupsRole: role}); err != nil {
		return nil, err
	}
	if person.Role, err = st.RecomputeRole(ctx, person.ID); err != nil {
		return nil, err
	}
	return person, nil
}

// GroupsRole maps a person's provider groups to a global role: admin if in
// any admin group, else staff if in any staff group, else member.
func GroupsRole(groups, staff, admin []string) string {
	has := func(set []string) bool {
		for _, g := range groups {
			if slices.Contains(set, strings.TrimSpace(g)) {
				return true
			}
		}
		return false
	}
	switch {
	case has(admin):
		return db.RoleAdmin
	case has(staff):
		return db.RoleStaff
	}
	return db.RoleMember
}

// groupsClaim reads a groups claim that providers send as a list or, rarely,
// as one space- or comma-separated string.
func groupsClaim(claims map[string]any, name string) []string {
	switch v := claims[name].(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, g := range v {
			if s, ok := g.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
	}
	return nil
}

func stringClaim(claims map[string]any, name string) string {
	s, _ := claims[name].(string)
	return strings.TrimSpace(s)
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

// endSessionURL is the provider's RP-initiated logout URL, if it has one.
func (o *oidcClient) endSessionURL(ctx context.Context, idToken, returnTo string) (string, bool) {
	if _, _, err := o.load(ctx); err != nil || o.endpoint == "" {
		return "", false
	}
	u, err := url.Parse(o.endpoint)
	if err != nil {
		return "", false
	}
	q := u.Query()
	if idToken != "" {
		q.Set("id_token_hint", idToken)
	}
	q.Set("client_id", o.cfg.OIDCClientID)
	q.Set("post_logout_redirect_uri", returnTo)
	u.RawQuery = q.Encode()
	return u.String(), true
}

func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}
