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

// ipBucket, emailIPBucket and emailBucket name rate-limit buckets; the
// email is hashed so the table holds no addresses.
func ipBucket(kind string, c *fiber.Ctx) string { return kind + ":ip:" + c.IP() }

func emailBucket(kind, email string) string {
	return kind + ":email:" + emailKey(email)
}

func emailIPBucket(kind, email string, c *fiber.Ctx) string {
	return kind + ":email-ip:" + emailKey(email) + ":" + c.IP()
}

func emailKey(email string) string {
	sum := sha256.Sum256([]byte(email))
	return hex.EncodeToString(sum[:12])
}

// addressShare is how many clients' worth of code requests one address
// takes in a window, from all clients together (RATE_LIMIT_PER_EMAIL each):
// a bound on mail to one inbox that one client alone cannot use up.
const addressShare = 4

// limitCodeRequest applies the code-request limits in the order that keeps
// a third party from locking a person out: the client's IP first, then the
// address from this IP, and only then the address from anywhere. Someone
// flooding another person's address spends their own address+IP allowance
// and is stopped there, before the address's shared allowance, which stays
// for its owner.
func limitCodeRequest(c *fiber.Ctx, s *web.Server, email string) error {
	cfg := s.Config()
	if err := limit(c, s, ipBucket("code", c), cfg.RateLimitPerIP); err != nil {
		return err
	}
	if err := limit(c, s, emailIPBucket("code", email, c), cfg.RateLimitPerEmail); err != nil {
		return err
	}
	return limit(c, s, emailBucket("code", email), addressShare*cfg.RateLimitPerEmail)
}
