package jobs

import (
	"context"
	"fmt"
	"time"

	"cohort/app/forms"
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
		for _, side := range pairSides(p) {
			tz := side.me.TimeZone
			if tz == "" {
				tz = "UTC"
			}
			if err := post(ctx, env, letter{
				Kind:     db.NotifyPairIntro,
				Key:      fmt.Sprintf("%s:%d:%d", db.NotifyPairIntro, p.PairID, side.me.PersonID),
				PersonID: side.me.PersonID, RefID: p.PairID, Seq: 1,
				To: side.me.Email, Subject: "Meet your " + side.otherRole + " in " + name, Template: "pair_intro",
				Data: introData{
					Name: greeting(side.me.Name), Program: name, OtherRole: side.otherRole,
					OtherName: side.other.Name, OtherEmail: side.other.Email,
					Hours: forms.FormatHours(shared, side.me.TimeZone, now), TimeZone: tz,
				},
				Check: pairActive(p.PairID),
			}, counts, "introductions"); err != nil {
				return counts, err
			}
		}
	}
	return counts, nil
}
