package jobs

import (
	"context"
	"time"

	"cohort/app/matching"
	"cohort/app/pairs"
)

// MatchRequestExpiry expires mentees' requests that no mentor answered in
// the program's time and tells each mentee, who can then ask again. The
// Runner's (job, slot) claim runs each slot once across instances, and a
// request already decided is skipped, so no request is expired twice.
func MatchRequestExpiry() Job {
	return Job{
		Name:        "match-request-expiry",
		Description: "Expire unanswered mentoring requests and tell the mentees they can ask again",
		Schedule:    "*/15 * * * *",
		Timeout:     5 * time.Minute,
		Run: func(ctx context.Context, env Env) (Counts, error) {
			sv := matching.NewService(env.Store, pairs.NewService(env.Store, env.Config.PairIDHashSecret), env.Config.BaseURL)
			n, err := sv.ExpireDue(ctx, env.Now())
			return Counts{"expired": n}, err
		},
	}
}
