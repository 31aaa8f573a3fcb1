package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

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
	cfg  *config.Config
	http *http.Client

	mu       sync.Mutex
	goth     *openidConnect.Provider
	verifier *oidc.IDTokenVerifier
	endpoint string // end_session_endpoint, if the provider has one

	// lastGroupsWarning limits the "no groups claim" warning to one an hour.
	lastGroupsWarning time.Time
}

func newOIDCClient(cfg *config.Config) *oidcClient {
	return &oidcClient{cfg: cfg, http: &http.Client{Timeout: 10 * time.Second}}
}

// discoveryError is a discovery failure that retrying will not fix: the
// configuration (OIDC_ISSUER) or the provider's registration is wrong. Any
// other error is taken for an outage.
type discoveryError struct{ reason string }

func (e *discoveryError) Error() string { return "oidc discovery: " + e.reason }

// discoveryDoc is the part of the provider's discovery document we use.
type discoveryDoc struct {
	oidc.ProviderConfig
	EndSession string `json:"end_session_endpoint"`
}

// discover reads the provider's discovery document once, for goth and
// go-oidc alike, and tells a misconfiguration (wrong issuer, no document
// there, not a discovery document) from an outage (network, 5xx).
func (o *oidcClient) discover(ctx context.Context) (*discoveryDoc, error) {
	issuer := o.cfg.OIDCIssuer
	// The same URL go-oidc and goth derive from the issuer.
	where := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, where, nil)
	if err != nil {
		return nil, &discoveryError{fmt.Sprintf("OIDC_ISSUER %q gives no usable discovery URL: %v", issuer, err)}
	}
	res, err := o.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("oidc discovery: %s: %w", where, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	switch {
	case err != nil:
		return nil, fmt.Errorf("oidc discovery: %s: %w", where, err)
	case res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests:
		return nil, fmt.Errorf("oidc discovery: %s answered %s", where, res.Status)
	case res.StatusCode != http.StatusOK:
		return nil, &discoveryError{fmt.Sprintf("%s answered %s: check OIDC_ISSUER", where, res.Status)}
	}
	var doc discoveryDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, &discoveryError{fmt.Sprintf("%s is not a discovery document (%v): check OIDC_ISSUER", where, err)}
	}
	if doc.IssuerURL != issuer {
		hint := ""
		if strings.TrimSuffix(doc.IssuerURL, "/") == strings.TrimSuffix(issuer, "/") {
			hint = " (mind the trailing slash)"
		}
		// ID tokens carry the provider's spelling, which go-oidc compares
		// exactly: every sign-in would fail.
		return nil, &discoveryError{fmt.Sprintf("OIDC_ISSUER is %q but the provider calls itself %q: set OIDC_ISSUER to exactly that%s", issuer, doc.IssuerURL, hint)}
	}
	if doc.AuthURL == "" || doc.TokenURL == "" || doc.JWKSURL == "" {
		return nil, &discoveryError{fmt.Sprintf("%s lacks authorization_endpoint, token_endpoint or jwks_uri", where)}
	}
	return &doc, nil
}

func (o *oidcClient) load(ctx context.Context) (*openidConnect.Provider, *oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.goth != nil {
		return o.goth, o.verifier, nil
	}
	doc, err := o.discover(ctx)
	if err != nil {
		return nil, nil, err
	}
	gp, err := openidConnect.NewCustomisedURL(o.cfg.OIDCClientID, o.cfg.OIDCClientSecret, o.cfg.BaseURL+"/auth/oidc/callback",
		doc.AuthURL, doc.TokenURL, doc.IssuerURL, doc.UserInfoURL, doc.EndSession, o.cfg.OIDCScopes...)
	if err != nil {
		return nil, nil, &discoveryError{err.Error()}
	}
	// We trust only the verified ID token; goth's userinfo call adds nothing.
	gp.SkipUserInfoRequest = true
	// The keys are fetched later, on a request's context; go-oidc takes
	// only the HTTP client from this one.
	op := doc.ProviderConfig.NewProvider(oidc.ClientContext(context.Background(), o.http))
	o.goth = gp
	o.verifier = op.Verifier(&oidc.Config{ClientID: o.cfg.OIDCClientID})
	o.endpoint = doc.EndSession
	return o.goth, o.verifier, nil
}

var (
	errProviderDown     = apperr.New(apperr.Unavailable, "The sign-in provider cannot be reached right now. Please try again in a minute.")
	errSSOMisconfigured = apperr.New(apperr.Internal, "Sign-in with your organization's account is misconfigured on this site and cannot work until that is fixed. Please tell the site's administrators.")
)

// loadFailed logs why the provider could not be used and says so to the
// person in the terms that fit: a configuration mistake is not an outage,
// and "try again in a minute" would send them round in circles.
func (h *handlers) loadFailed(c *fiber.Ctx, err error) error {
	var de *discoveryError
	if errors.As(err, &de) {
		h.s.Log().Error("oidc: sign-in is misconfigured", "err", err, "request_id", web.RequestID(c))
		return errSSOMisconfigured
	}
	h.s.Log().Error("oidc: provider unreachable", "err", err, "request_id", web.RequestID(c))
	return errProviderDown
}

// oidcLogin starts the code flow: a fresh state (login CSRF), nonce (token
// replay) and PKCE verifier, kept in the server-side session.
func (h *handlers) oidcLogin(c *fiber.Ctx) error {
	gp, _, err := h.oidc.load(c.UserContext())
	if err != nil {
		return h.loadFailed(c, err)
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
	if err := h.s.SetFlow(c, map[string]string{flowState: state, flowNonce: nonce, flowVerifier: verifier, flowNext: SafeNext(c.Query("next"))}); err != nil {
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
	next, _ := s.Flow(c, flowNext)
	if err := s.ClearFlow(c, flowState, flowNonce, flowVerifier, flowNext); err != nil {
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
		return h.loadFailed(c, err)
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
	return c.Redirect(after(next), fiber.StatusSeeOther)
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
	cfg := h.s.Config()
	if _, present := claims[cfg.GroupsClaim]; !present && len(cfg.StaffGroups)+len(cfg.AdminGroups) > 0 {
		h.warnNoGroupsClaim()
	}
	role := GroupsRole(groupsClaim(claims, cfg.GroupsClaim), cfg.StaffGroups, cfg.AdminGroups)
	if err := st.SaveIdentity(ctx, &db.Identity{PersonID: person.ID, Provider: providerName, Subject: subject, Email: email, GroupsRole: role}); err != nil {
		return nil, err
	}
	if person.Role, err = st.RecomputeRole(ctx, person.ID); err != nil {
		return nil, err
	}
	// SSO vouches for the address: a self-registered account enrolls like
	// any other from now on.
	if person.SelfRegistered {
		if err := st.ClearSelfRegistered(ctx, person.ID); err != nil {
			return nil, err
		}
		person.SelfRegistered = false
	}
	return person, nil
}

// warnNoGroupsClaim says why everyone signing in by SSO becomes a member:
// many providers release groups only for a "groups" scope, or under
// another claim name. At most once an hour, and never whose token it was.
func (h *handlers) warnNoGroupsClaim() {
	o, cfg := h.oidc, h.s.Config()
	o.mu.Lock()
	due := o.lastGroupsWarning.IsZero() || time.Since(o.lastGroupsWarning) >= time.Hour
	if due {
		o.lastGroupsWarning = time.Now()
	}
	o.mu.Unlock()
	if !due {
		return
	}
	h.s.Log().Warn("oidc: the ID token has no groups claim, so STAFF_GROUPS and ADMIN_GROUPS match nobody and everyone signs in as a member; "+
		"check GROUPS_CLAIM, and add the scope that releases groups (often \"groups\") to OIDC_SCOPES",
		"groups_claim", cfg.GroupsClaim, "oidc_scopes", strings.Join(cfg.OIDCScopes, " "))
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
