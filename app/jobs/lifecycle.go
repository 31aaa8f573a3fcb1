package jobs

import (
	"context"
	"time"

	"cohort/db"
)

// Grace is how late a dated notice (a check-in, an end-of-term notice) may
// still go out: a point passed longer ago than this is skipped, so a job
// switched on for a program that has run for months does not send a
// backlog of stale mail.
const Grace = 7 * 24 * time.Hour

// lifeData is what the member lifecycle mails show.
type lifeData struct {
	Name, Program, Link, Unsubscribe string
	// Pair mails: the other person.
	OtherRole, OtherName, OtherEmail string
	// Weeks since a pair started (check-ins).
	Weeks int
	// Survey is the check-in's signed survey link and Closes the last day
	// it takes answers (check-ins).
	Survey, Closes string
	// Days left and the end date (end-of-term notices).
	Days int
	Ends string
	// Renew is set when the program renews: the notice is a renewal
	// reminder that links to the renewal.
	Renew bool
}

// dueNotice picks the notice due at now for an end at end, from the
// ascending days-before list: the one with the fewest days whose point has
// passed (points skipped while the job did not run are not sent late), and
// only while the end is still ahead.
func dueNotice(days []int, end, now time.Time) (int, bool) {
	left := end.Sub(now)
	if left <= 0 {
		return 0, false
	}
	for _, d := range days {
		if left <= time.Duration(d)*24*time.Hour {
			return d, true
		}
	}
	return 0, false
}

// dueCheckin picks the check-in due at now for a pair started at start,
// from the ascending weeks list: the latest point that has passed, if it
// passed less than Grace ago.
func dueCheckin(weeks []int, start, now time.Time) (int, bool) {
	for i := len(weeks) - 1; i >= 0; i-- {
		at := start.Add(time.Duration(weeks[i]) * 7 * 24 * time.Hour)
		if !now.Before(at) {
			return weeks[i], now.Sub(at) < Grace
		}
	}
	return 0, false
}

// postToPair sends each person of p who has not unsubscribed the letter
// mk makes for them (non-essential pair mail: check-ins, notices).
func postToPair(ctx context.Context, env Env, p *db.PairIntro, counts Counts, counter string, mk func(side pairSide) letter) error {
	for _, side := range pairSides(p) {
		if side.me.Unsubscribed {
			continue
		}
		if err := post(ctx, env, mk(side), counts, counter); err != nil {
			return err
		}
	}
	return nil
}

// sideData is what every pair mail says to one side: who they are paired
// with, and links to their page and to unsubscribe.
func sideData(env Env, prog *db.Program, side pairSide) lifeData {
	return lifeData{
		Name: greeting(side.me.Name), Program: prog.Name,
		OtherRole: side.otherRole, OtherName: side.other.Name, OtherEmail: side.other.Email,
		Link: enrollmentLink(env, side.me.EnrollmentID), Unsubscribe: unsubscribeLink(env, side.me.PersonID),
	}
}

// pairSides are the two people of a pair, each with the other.
func pairSides(p *db.PairIntro) []pairSide {
	return []pairSide{{p.Mentor, p.Mentee, "mentee"}, {p.Mentee, p.Mentor, "mentor"}}
}

type pairSide struct {
	me, other db.IntroSide
	otherRole string
}

// dateText is how mails write a date: "2 January 2026" (UTC).
func dateText(t time.Time) string { return t.UTC().Format("2 January 2006") }
