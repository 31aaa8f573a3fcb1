package jobs

import (
	"context"
	"time"
)

// Retention is how long delivered mail, job claims and run records are
// kept: long enough to answer "did that reminder go out last week?".
const Retention = 30 * 24 * time.Hour

// Housekeeping deletes what has expired: sessions, sign-in codes,
// rate-limit windows, and, after Retention, finished mail, job claims and
// run records. Pending mail is never deleted (it has not gone out yet).
func Housekeeping() Job {
	return Job{
		Name: "housekeeping",
		Description: "Delete expired sessions, sign-in codes, rate-limit windows, delivered mail older than 30 days, " +
			"job locks and run records older than 30 days",
		Schedule: "0 * * * *", // hourly
		Timeout:  5 * time.Minute,
		Run:      housekeeping,
	}
}

func housekeeping(ctx context.Context, env Env) (Counts, error) {
	s := env.Store
	cutoff := env.Now().Add(-Retention)
	steps := []struct {
		name string
		del  func(context.Context) (int64, error)
	}{
		{"sessions", s.DeleteExpiredSessions},
		{"login_codes", s.DeleteExpiredLoginCodes},
		{"rate_limits", s.DeleteExpiredRateLimits},
		{"mail", func(ctx context.Context) (int64, error) { return s.DeleteMailBefore(ctx, cutoff) }},
		{"job_locks", func(ctx context.Context) (int64, error) { return s.DeleteJobLocksBefore(ctx, cutoff) }},
		{"job_runs", func(ctx context.Context) (int64, error) { return s.DeleteJobRunsBefore(ctx, cutoff) }},
	}
	counts := Counts{}
	for _, st := range steps {
		n, err := st.del(ctx)
		if err != nil {
			// What was deleted so far is real: report it with the error.
			return counts, err
		}
		counts[st.name] = int(n)
	}
	return counts, nil
}
