package jobs

import (
	"context"
	"fmt"
	"time"

	"cohort/app/forms"
	"cohort/app/mail"
	"cohort/db"
)

// IntroWindow is how recently a pair must have started to be introduced:
// pairs that were active long before this job existed are left alone.
const IntroWindow = 7 * 24 * time.Hour

// PairIntroductions mails both people of each newly active pair: the
// other's name and email and the hours they share, shown in the
// recipient's time zone. It is essential mail: unsubscribing does not stop
// it. Each mail is recorded under "pair_intro:PAIR:PERSON" and sent once.
func PairIntroductions() Job {
	return Job{
		Name:        "pair-introductions",
		Description: "Introduce the two people of each newly active pair to each other by mail",
		Schedule:    "15 * * * *", // hourly
		Timeout:     10 * time.Minute,
		Run:         pairIntroductions,
	}
}

type introData struct {
	Name, Program, OtherRole, OtherName, OtherEmail, Hours, TimeZone string
}

func pairIntroductions(ctx context.Context, env Env) (Counts, error) {
	now := env.Now()
	counts := Counts{"introductions": 0}
	pairs, err := env.Store.PairsToIntroduce(ctx, now.Add(-IntroWindow))
	if err != nil {
		return counts, err
	}
	programs := map[int64]string{}
	for _, p := range pairs {
		if err := ctx.Err(); err != nil {
			return counts, err
		}
		name, ok := programs[p.ProgramID]
		if !ok {
			prog, err := env.Store.ProgramByID(ctx, p.ProgramID)
			if err != nil {
				return counts, err
			}
			name, programs[p.ProgramID] = prog.Name, prog.Name
		}
		shared := p.Mentor.AvailMask & p.Mentee.AvailMask
		for _, side := range []struct {
			me, other db.IntroSide
			otherRole string
		}{{p.Mentor, p.Mentee, "mentee"}, {p.Mentee, p.Mentor, "mentor"}} {
			tz := side.me.TimeZone
			if tz == "" {
				tz = "UTC"
			}
			text, html, err := render("pair_intro", introData{
				Name: greeting(side.me.Name), Program: name, OtherRole: side.otherRole,
				OtherName: side.other.Name, OtherEmail: side.other.Email,
				Hours: forms.FormatHours(shared, side.me.TimeZone, now), TimeZone: tz,
			})
			if err != nil {
				return counts, err
			}
			n := &db.NotificationSent{
				Key:      fmt.Sprintf("%s:%d:%d", db.NotifyPairIntro, p.PairID, side.me.PersonID),
				PersonID: side.me.PersonID, Kind: db.NotifyPairIntro, RefID: p.PairID, Seq: 1,
			}
			m := mail.Message{To: side.me.Email, Subject: "Meet your " + side.otherRole + " in " + name, Text: text, HTML: html}
			stillActive := func(ctx context.Context, tx *db.Store) (bool, error) {
				pr, err := tx.PairByID(ctx, p.PairID)
				if err != nil {
					return false, ignoreNotFound(err)
				}
				return pr.Status == db.PairActive, nil
			}
			ok, err := sendOnce(ctx, env, n, m, stillActive)
			if err != nil {
				env.Log.Warn("pair introduction not sent", "pair", p.PairID, "person", side.me.PersonID, "err", err)
				counts["errors"]++
				continue
			}
			if ok {
				counts["introductions"]++
			}
		}
	}
	return counts, nil
}
