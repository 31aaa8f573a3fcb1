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
)

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
		Storage:        sessionStorage{store: s.store},
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
	if c.Cookies(s.sessionCookieName()) == "" {
		return c.Next()
	}
	sess, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	pid, _ := sess.Get(sessPersonID).(int64)
	if pid == 0 {
		return c.Next()
	}
	now := s.store.Now()
	created, _ := sess.Get(sessCreated).(int64)
	if now.Sub(time.Unix(created, 0)) > s.cfg.SessionAbsoluteTimeout {
		if err := sess.Destroy(); err != nil {
			return err
		}
		return c.Next()
	}
	p, err := s.store.PersonByID(c.UserContext(), pid)
	if errors.Is(err, db.ErrNotFound) || (err == nil && p.Status != db.PersonActive) {
		if err := sess.Destroy(); err != nil {
			return err
		}
		return c.Next()
	}
	if err != nil {
		return err
	}
	c.Locals(localPerson, p)
	seen, _ := sess.Get(sessSeen).(int64)
	if now.Sub(time.Unix(seen, 0)) > touchEvery {
		sess.Set(sessSeen, now.Unix())
		if err := sess.Save(); err != nil {
			return err
		}
	}
	return c.Next()
}

// SignIn starts a session for p under a new session id (so an id planted
// before sign-in is worthless after) and a new CSRF nonce.
func (s *Server) SignIn(c *fiber.Ctx, p *db.Person) error {
	sess, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	if err := sess.Regenerate(); err != nil {
		return err
	}
	now := s.store.Now().Unix()
	sess.Set(sessPersonID, p.ID)
	sess.Set(sessCreated, now)
	sess.Set(sessSeen, now)
	if err := sess.Save(); err != nil {
		return err
	}
	s.setCSRFNonce(c)
	c.Locals(localPerson, p)
	return s.store.RecordLogin(c.UserContext(), p.ID)
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
