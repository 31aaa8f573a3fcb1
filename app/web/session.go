package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"

	"cohort/db"
)

// Session keys. Values are plain int64s so gob needs no registration.
const (
	sessPersonID = "pid"
	sessCreated  = "created" // unix seconds; enforces the absolute lifetime
	sessSeen     = "seen"    // unix seconds; refreshed at most every touchEvery
	sessMethod   = "method"  // how the person signed in: dev, oidc, email
	sessMFA      = "mfa"     // int64 1 once a second factor was verified
	sessFlow     = "flow:"   // prefix of short-lived sign-in flow values
)

// Sign-in methods.
const (
	MethodDev   = "dev"
	MethodOIDC  = "oidc"
	MethodEmail = "email"
)

// Auth describes the current session's sign-in.
type Auth struct {
	Method      string
	MFAVerified bool
}

// touchEvery limits how often an active session is written back to extend
// its idle lifetime: once every few minutes, not on every request.
const touchEvery = 5 * time.Minute

func (s *Server) sessionCookieName() string {
	if s.cfg.SecureCookies() {
		return "__Host-cohort_session"
	}
	return "cohort_session"
}

func newSessionStore(s *Server) *session.Store {
	return session.New(session.Config{
		Storage:        s.sessionStorage,
		Expiration:     s.cfg.SessionIdleTimeout,
		KeyLookup:      "cookie:" + s.sessionCookieName(),
		CookiePath:     "/",
		CookieSecure:   s.cfg.SecureCookies(),
		CookieHTTPOnly: true,
		CookieSameSite: "Lax",
		KeyGenerator:   randomToken,
	})
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// loadSession finds the signed-in person, if any, and enforces the idle and
// absolute lifetimes. Anonymous visitors get no server-side session (nothing
// is written until someone signs in).
func (s *Server) loadSession(c *fiber.Ctx) error {
	id := c.Cookies(s.sessionCookieName())
	if id == "" {
		return c.Next()
	}
	// Read the stored session with its person — and the enrollment the
	// request is about, if any — in one query, and decode it through the
	// cache; fiber's session object is needed only to change it (expire
	// it, or touch it).
	var eid int64
	if s.enrollmentIn != nil {
		eid = s.enrollmentIn(c.Path())
	}
	raw, person, enrollment, err := s.store.SessionWithEnrollment(c.UserContext(), id, eid)
	if err != nil {
		return err
	}
	if raw == nil {
		return c.Next() // unknown or expired: anonymous
	}
	v, err := s.sessionCache.values(id, raw)
	if err != nil || v.personID == 0 {
		return c.Next()
	}
	now := s.store.Now()
	if now.Sub(time.Unix(v.created, 0)) > s.cfg.SessionAbsoluteTimeout {
		return s.destroySession(c)
	}
	p := person
	if p == nil || p.ID != v.personID {
		// A session written before sessions named their person.
		p, err = s.store.PersonByID(c.UserContext(), v.personID)
	}
	if errors.Is(err, db.ErrNotFound) || (err == nil && p.Status != db.PersonActive) {
		return s.destroySession(c)
	}
	if err != nil {
		return err
	}
	c.Locals(localPerson, p)
	c.Locals(localAuth, Auth{Method: v.method, MFAVerified: v.mfa == 1})
	if eid > 0 && p == person {
		// Read for this person: nil means it is not theirs.
		c.Locals(localEnrollment, readEnrollment{id: eid, e: enrollment})
	}
	if now.Sub(time.Unix(v.seen, 0)) > touchEvery {
		sess, err := s.sessions.Get(c)
		if err != nil {
			return err
		}
		sess.Set(sessSeen, now.Unix())
		if err := sess.Save(); err != nil {
			return err
		}
	}
	return c.Next()
}

// readEnrollment is the enrollment loadSession read with the session.
type readEnrollment struct {
	id int64
	e  *db.Enrollment
}

// ReadEnrollmentWithSession makes loadSession read, with the session, the
// enrollment that fn finds in a request path (0 for none): the pages about
// one of a member's enrollments then cost one query before their own work
// instead of two.
func (s *Server) ReadEnrollmentWithSession(fn func(path string) int64) { s.enrollmentIn = fn }

// SessionEnrollment returns enrollment id as read with the session: nil
// when it is not the signed-in person's (or does not exist). ok is false
// when it was not read with the session; the caller reads it itself.
func SessionEnrollment(c *fiber.Ctx, id int64) (e *db.Enrollment, ok bool) {
	r, ok := c.Locals(localEnrollment).(readEnrollment)
	if !ok || r.id != id {
		return nil, false
	}
	return r.e, true
}

// destroySession deletes the request's session and goes on anonymously.
func (s *Server) destroySession(c *fiber.Ctx) error {
	sess, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	if err := sess.Destroy(); err != nil {
		return err
	}
	return c.Next()
}

// SignIn starts a session for p under a new session id (so an id planted
// before sign-in is worthless after) and a new CSRF nonce. extra holds
// method-specific values to keep (e.g. the ID token for provider logout).
func (s *Server) SignIn(c *fiber.Ctx, p *db.Person, method string, extra map[string]string) error {
	sess, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	if err := sess.Regenerate(); err != nil {
		return err
	}
	for _, k := range sess.Keys() {
		sess.Delete(k) // nothing from before sign-in survives it
	}
	now := s.store.Now().Unix()
	sess.Set(sessPersonID, p.ID)
	sess.Set(sessCreated, now)
	sess.Set(sessSeen, now)
	sess.Set(sessMethod, method)
	for k, v := range extra {
		sess.Set(sessFlow+k, v)
	}
	if err := sess.Save(); err != nil {
		return err
	}
	s.setCSRFNonce(c)
	c.Locals(localPerson, p)
	c.Locals(localAuth, Auth{Method: method})
	return s.store.RecordLogin(c.UserContext(), p.ID)
}

// MarkMFAVerified records on the current session that the second factor was
// checked, under a new session id.
func (s *Server) MarkMFAVerified(c *fiber.Ctx) error {
	sess, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	if err := sess.Regenerate(); err != nil {
		return err
	}
	sess.Set(sessMFA, int64(1))
	auth := CurrentAuth(c)
	auth.MFAVerified = true
	c.Locals(localAuth, auth)
	return sess.Save()
}

// SetFlow keeps a short-lived value for a sign-in flow (OIDC state and
// nonce, the email a code was sent to) in the server-side session, creating
// one for an anonymous visitor if needed.
func (s *Server) SetFlow(c *fiber.Ctx, values map[string]string) error {
	sess, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	for k, v := range values {
		sess.Set(sessFlow+k, v)
	}
	// A flow session lives as long as a sign-in takes, not a full session.
	if _, signedIn := sess.Get(sessPersonID).(int64); !signedIn {
		sess.SetExpiry(30 * time.Minute)
	}
	return sess.Save()
}

// Flow reads a value set by SetFlow (or kept by SignIn); "" if absent.
func (s *Server) Flow(c *fiber.Ctx, key string) (string, error) {
	if c.Cookies(s.sessionCookieName()) == "" {
		return "", nil
	}
	sess, err := s.sessions.Get(c)
	if err != nil {
		return "", err
	}
	v, _ := sess.Get(sessFlow + key).(string)
	return v, nil
}

// ClearFlow removes flow values (single use: a state or code is consumed).
func (s *Server) ClearFlow(c *fiber.Ctx, keys ...string) error {
	if c.Cookies(s.sessionCookieName()) == "" {
		return nil
	}
	sess, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	for _, k := range keys {
		sess.Delete(sessFlow + k)
	}
	return sess.Save()
}

// CurrentAuth is how the current session signed in.
func CurrentAuth(c *fiber.Ctx) Auth {
	a, _ := c.Locals(localAuth).(Auth)
	return a
}

// SignOut deletes the server-side session and its cookie.
func (s *Server) SignOut(c *fiber.Ctx) error {
	if c.Cookies(s.sessionCookieName()) != "" {
		sess, err := s.sessions.Get(c)
		if err != nil {
			return err
		}
		if err := sess.Destroy(); err != nil {
			return err
		}
	}
	s.setCSRFNonce(c)
	c.Locals(localPerson, nil)
	return nil
}
