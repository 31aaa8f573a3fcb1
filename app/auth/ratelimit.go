package auth

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/web"
)

var errRateLimited = apperr.New(apperr.RateLimited, "Too many sign-in attempts. Please wait a few minutes and try again.")

// limit counts one attempt against bucket and refuses when the window's
// allowance is used up. Buckets live in the database, so the limit holds
// across instances; the client IP is the proxy-reported one only when the
// proxy is trusted (see TRUSTED_PROXIES).
func limit(c *fiber.Ctx, s *web.Server, bucket string, max int) error {
	n, err := s.Store().HitRateLimit(c.UserContext(), bucket, s.Config().RateLimitWindow)
	if err != nil {
		return err
	}
	if n > max {
		c.Set("Retry-After", "60")
		return errRateLimited
	}
	return nil
}

// ipBucket and emailBucket name rate-limit buckets; the email is hashed so
// the table holds no addresses.
func ipBucket(kind string, c *fiber.Ctx) string { return kind + ":ip:" + c.IP() }

func emailBucket(kind, email string) string {
	sum := sha256.Sum256([]byte(email))
	return kind + ":email:" + hex.EncodeToString(sum[:12])
}
