package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cohort/app/features"
	"cohort/app/mail"
	"cohort/app/pairs"
	"cohort/db"
)

// Audit action of an enrollment whose term ran out.
const ActionEnrollmentEnd = "enrollment.end"

// Reasons recorded on pairs ended by this job.
const (
	ReasonPairTerm       = "The pair's term ended."
	ReasonEnrollmentTerm = "An enrollment's term ended."
)

// EndOfTerm keeps terms honest. Before an enrollment's term ends (its
// expiry date) it tells the member, at the program's end_notice_days
// (default 30, 15 and 2 days before) — as a renewal reminder with a link to
// renew where the program renews. Once the term is over it ends the
// enrollment (the member becomes alumni), ends its open pairs, and sends a
// farewell. Pairs have a term of their own (program setting pair_term_days,
// else the program's term), with the same notices to both people and a
// farewell when it ends. Notices are non-essential (unsubscribing stops
// them); farewells are not, since they say something changed.
func EndOfTerm() Job {
	return Job{
		Name: "end-of-term",
		Description: "Tell members and pairs their term ends soon (renewal reminders where the program renews); " +
			"end enrollments and pairs whose term is over and say goodbye",
		Schedule: "0 8 * * *", // daily at 08:00
		Timeout:  15 * time.Minute,
		Run:      endOfTerm,
	}
}

func endOfTerm(ctx context.Context, env Env) (Counts, error) {
	now := env.Now()
	counts := Counts{"notices": 0, "renewal_reminders": 0, "ended": 0, "farewells": 0, "pair_notices": 0, "pairs_ended": 0}
	programs, err := env.Store.ListPrograms(ctx)
	if err != nil {
		return counts, err
	}
	for _, prog := range programs {
		days := prog.Settings.EndNotices()
		if err := endEnrollments(ctx, env, prog, days, now, counts); err != nil {
			return counts, err
		}
		if err := endPairs(ctx, env, prog, days, now, counts); err != nil {
			return counts, err
		}
	}
	return counts, nil
}

func endEnrollments(ctx context.Context, env Env, prog *db.Program, days []int, now time.Time, counts Counts) error {
	horizon := now
	if len(days) > 0 {
		horizon = now.Add(time.Duration(days[len(days)-1]) * 24 * time.Hour)
	}
	ending, err := env.Store.EnrollmentsEndingBy(ctx, prog.ID, horizon)
	if err != nil {
		return err
	}
	renew := features.For(prog.Settings.Flags).On(features.Renewal)
	for _, e := range ending {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !e.ExpiresAt.After(now) {
			if err := endEnrollment(ctx, env, prog, e, now, counts); err != nil {
				return err
			}
			continue
		}
		d, ok := dueNotice(days, e.ExpiresAt, now)
		if !ok || e.Unsubscribed || e.Disabled {
			continue
		}
		kind, subject, counter := db.NotifyEndNotice, "Your time in "+prog.Name+" ends on "+dateText(e.ExpiresAt), "notices"
		if renew {
			kind, subject, counter = db.NotifyRenewalReminder, "Renew your place in "+prog.Name, "renewal_reminders"
		}
		expires := e.ExpiresAt
		stillEnding := func(ctx context.Context, tx *db.Store) (bool, error) {
			cur, err := tx.EnrollmentByID(ctx, e.EnrollmentID)
			if err != nil {
				return false, ignoreNotFound(err)
			}
			// A renewal moves the end: the notice for the old one is moot.
			return cur.IsRunning() && cur.ExpiresAt != nil && cur.ExpiresAt.Equal(expires), nil
		}
		if err := post(ctx, env, letter{
			Kind: kind,
			// The end date is in the key: a renewed term gets its own notices.
			Key:      fmt.Sprintf("%s:%d:%d:%d:%d", kind, e.PersonID, e.EnrollmentID, e.ExpiresAt.Unix(), d),
			PersonID: e.PersonID, RefID: e.EnrollmentID, Seq: d,
			To: e.Email, Subject: subject, Template: "end_notice",
			Data: lifeData{
				Name: greeting(e.Name), Program: prog.Name, Days: d, Ends: dateText(e.ExpiresAt), Renew: renew,
				Link: enrollmentLink(env, e.EnrollmentID), Unsubscribe: unsubscribeLink(env, e.PersonID),
			},
			Check: both(stillEnding, subscribed(e.PersonID)),
		}, counts, counter); err != nil {
			return err
		}
	}
	return nil
}

// errNotDue says the row changed since it was listed: nothing to do.
var errNotDue = errors.New("no longer due")

// endEnrollment ends one enrollment whose term is over, ends its open
// pairs, records both in the audit log and enqueues the farewell — all in
// one transaction, so a crash leaves either all of it or none.
func endEnrollment(ctx context.Context, env Env, prog *db.Program, e *db.TermEnrollment, now time.Time, counts Counts) error {
	n, m, err := compose(letter{
		Kind:     db.NotifyFarewell,
		Key:      fmt.Sprintf("%s:%d:%d:%d", db.NotifyFarewell, e.PersonID, e.EnrollmentID, e.ExpiresAt.Unix()),
		PersonID: e.PersonID, RefID: e.EnrollmentID, Seq: 1,
		To: e.Email, Subject: "Thank you for taking part in " + prog.Name, Template: "farewell",
		Data: lifeData{Name: greeting(e.Name), Program: prog.Name, Ends: dateText(e.ExpiresAt),
			Link: env.Config.BaseURL + "/programs/" + prog.Slug},
	})
	if err != nil {
		return err
	}
	ended, sent := 0, false
	err = env.Store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		_, err := tx.UpdateEnrollment(ctx, e.EnrollmentID, func(cur *db.Enrollment) error {
			if !cur.IsRunning() || cur.ExpiresAt == nil || cur.ExpiresAt.After(now) {
				return errNotDue
			}
			cur.Status = db.StatusEnded
			return nil
		})
		if err != nil {
			return err
		}
		if err := tx.RecordAudit(ctx, &db.AuditEvent{Action: ActionEnrollmentEnd, SubjectType: "enrollment",
			SubjectID: fmt.Sprint(e.EnrollmentID), ProgramID: &prog.ID,
			Details: map[string]any{"by": "end-of-term", "expired_at": e.ExpiresAt.Format(time.RFC3339)}}); err != nil {
			return err
		}
		open, err := tx.OpenPairsOf(ctx, e.EnrollmentID)
		if err != nil {
			return err
		}
		for _, p := range open {
			if err := endPairIn(ctx, tx, p.ID, prog.ID, ReasonEnrollmentTerm); err != nil {
				return err
			}
			ended++
		}
		if e.Disabled {
			return nil
		}
		sent, err = sendIn(ctx, env, tx, n, m)
		return err
	})
	switch {
	case errors.Is(err, errNotDue) || errors.Is(err, db.ErrNotFound):
		return nil
	case err != nil:
		env.Log.Warn("enrollment not ended", "enrollment", e.EnrollmentID, "err", err)
		counts["errors"]++
		return nil
	}
	counts["ended"]++
	counts["pairs_ended"] += ended
	if sent {
		counts["farewells"]++
		env.Outbox.Wake()
	}
	return nil
}

// endPairIn ends a pair and records it in the audit log, inside tx.
func endPairIn(ctx context.Context, tx *db.Store, pairID, programID int64, reason string) error {
	if _, err := tx.EndPair(ctx, pairID, reason); err != nil {
		return err
	}
	return tx.RecordAudit(ctx, &db.AuditEvent{Action: pairs.ActionEnd, SubjectType: pairs.SubjectPair,
		SubjectID: fmt.Sprint(pairID), ProgramID: &programID,
		Details: map[string]any{"reason": reason, "by": "end-of-term"}})
}

func endPairs(ctx context.Context, env Env, prog *db.Program, days []int, now time.Time, counts Counts) error {
	term := prog.Settings.PairTerm(prog.TermDays)
	if term <= 0 {
		return nil
	}
	active, err := env.Store.ActivePairs(ctx, prog.ID)
	if err != nil {
		return err
	}
	for _, p := range active {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := p.StartedAt.Add(term)
		if !end.After(now) {
			if err := endPair(ctx, env, prog, p, end, counts); err != nil {
				return err
			}
			continue
		}
		d, ok := dueNotice(days, end, now)
		if !ok {
			continue
		}
		if err := postToPair(ctx, env, p, counts, "pair_notices", func(side pairSide) letter {
			data := sideData(env, prog, side)
			data.Days, data.Ends = d, dateText(end)
			return letter{
				Kind:     db.NotifyPairEndNotice,
				Key:      fmt.Sprintf("%s:%d:%d:%d", db.NotifyPairEndNotice, p.PairID, side.me.PersonID, d),
				PersonID: side.me.PersonID, RefID: p.PairID, Seq: d,
				To: side.me.Email, Subject: "Your pairing in " + prog.Name + " ends on " + dateText(end), Template: "pair_end_notice",
				Data:  data,
				Check: both(pairActive(p.PairID), subscribed(side.me.PersonID)),
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

// farewellData is a pair farewell's content: essential mail, so no
// unsubscribe link.
func farewellData(env Env, prog *db.Program, side pairSide, end time.Time) lifeData {
	data := sideData(env, prog, side)
	data.Ends, data.Unsubscribe = dateText(end), ""
	return data
}

// endPair ends a pair whose term is over and enqueues both farewells, in
// one transaction.
func endPair(ctx context.Context, env Env, prog *db.Program, p *db.PairIntro, end time.Time, counts Counts) error {
	type mailOut struct {
		n *db.NotificationSent
		m mail.Message
	}
	var out []mailOut
	for _, side := range pairSides(p) {
		n, m, err := compose(letter{
			Kind:     db.NotifyPairFarewell,
			Key:      fmt.Sprintf("%s:%d:%d", db.NotifyPairFarewell, p.PairID, side.me.PersonID),
			PersonID: side.me.PersonID, RefID: p.PairID, Seq: 1,
			To: side.me.Email, Subject: "Your pairing in " + prog.Name + " has ended", Template: "pair_farewell",
			Data: farewellData(env, prog, side, end),
		})
		if err != nil {
			return err
		}
		out = append(out, mailOut{n, m})
	}
	sent := 0
	err := env.Store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		if err := endPairIn(ctx, tx, p.PairID, prog.ID, ReasonPairTerm); err != nil {
			return err
		}
		for _, o := range out {
			ok, err := sendIn(ctx, env, tx, o.n, o.m)
			if err != nil {
				return err
			}
			if ok {
				sent++
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, db.ErrConflict) || errors.Is(err, db.ErrNotFound):
		return nil // ended meanwhile (by staff, or another run)
	case err != nil:
		env.Log.Warn("pair not ended", "pair", p.PairID, "err", err)
		counts["errors"]++
		return nil
	}
	counts["pairs_ended"]++
	counts["farewells"] += sent
	if sent > 0 {
		env.Outbox.Wake()
	}
	return nil
}
