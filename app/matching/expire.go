package matching

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cohort/db"
)

// ExpireBatch bounds one run of the expiry job; the next run takes the rest.
const ExpireBatch = 500

// ExpireDue expires the pending requests whose time ran out at now, each
// in its own transaction, and tells each mentee that they can ask again.
// A request decided meanwhile (by its mentor, or by another instance's
// run) is left as it is, so each is expired and mailed once.
func (s *Service) ExpireDue(ctx context.Context, now time.Time) (int, error) {
	due, err := s.store.DueMatchRequests(ctx, now, ExpireBatch)
	if err != nil {
		return 0, err
	}
	n := 0
	programs := map[int64]*db.Program{}
	for _, r := range due {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		prog, ok := programs[r.ProgramID]
		if !ok {
			if prog, err = s.store.ProgramByID(ctx, r.ProgramID); err != nil {
				return n, err
			}
			programs[r.ProgramID] = prog
		}
		err := s.store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
			if err := tx.DecideMatchRequest(ctx, r.ID, db.RequestExpired, "no answer in time", nil); err != nil {
				return err
			}
			return s.mail(ctx, tx, r.MenteeEmail, MailExpired, r, "Your request to "+r.MentorName+" expired",
				fmt.Sprintf("Hello %s,\n\n%s did not answer your request in %s in time, so it has expired. You can request a mentor again, this one too: %s/programs/%s/mentor\n",
					r.MenteeName, r.MentorName, prog.Name, s.BaseURL, prog.Slug))
		})
		if errors.Is(err, db.ErrConflict) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, s.withdrawPaired(ctx)
}

// withdrawPaired withdraws the pending requests of mentees who were paired
// some other way (staff paired them directly), telling each mentor, so no
// mentor is left with a request that can only be refused.
func (s *Service) withdrawPaired(ctx context.Context) error {
	rs, err := s.store.PendingOfPaired(ctx, ExpireBatch)
	if err != nil {
		return err
	}
	for _, r := range rs {
		prog, err := s.store.ProgramByID(ctx, r.ProgramID)
		if err != nil {
			return err
		}
		err = s.store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
			if err := tx.DecideMatchRequest(ctx, r.ID, db.RequestWithdrawn, "paired by the program's staff", nil); err != nil {
				return err
			}
			return s.mail(ctx, tx, r.MentorEmail, MailWithdrawn, r, "A request to you was withdrawn",
				fmt.Sprintf("Hello %s,\n\n%s has been paired in %s, so their request to you is withdrawn. Nothing for you to do.\n",
					r.MentorName, r.MenteeName, prog.Name))
		})
		if err != nil && !errors.Is(err, db.ErrConflict) {
			return err
		}
	}
	return nil
}
