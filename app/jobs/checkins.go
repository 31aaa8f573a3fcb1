package jobs

import (
	"context"
	"fmt"
	"time"

	"cohort/app/notify"
	"cohort/db"
)

// PairCheckins mails both people of each active pair at the program's
// check-in points (program setting checkin_weeks, default 2 and 6 weeks
// after the pair started): how is it going, and where to go if it is not.
// Each mail links to the check-in survey for that person and point, by a
// signed link that expires when the point stops taking answers.
// Non-essential: unsubscribing stops it. Each is recorded under
// "pair_checkin:PAIR:PERSON:WEEKS".
func PairCheckins() Job {
	return Job{
		Name:        "pair-check-ins",
		Description: "Ask both people of each active pair how it is going, some weeks after it started (program setting checkin_weeks)",
		Schedule:    "30 9 * * *", // daily at 09:30
		Timeout:     10 * time.Minute,
		Run:         pairCheckins,
	}
}

func pairCheckins(ctx context.Context, env Env) (Counts, error) {
	now := env.Now()
	counts := Counts{"check_ins": 0}
	programs, err := env.Store.ListPrograms(ctx)
	if err != nil {
		return counts, err
	}
	for _, prog := range programs {
		weeks := prog.Settings.Checkins()
		if len(weeks) == 0 {
			continue
		}
		pairs, err := env.Store.ActivePairs(ctx, prog.ID)
		if err != nil {
			return counts, err
		}
		for _, p := range pairs {
			if err := ctx.Err(); err != nil {
				return counts, err
			}
			w, ok := dueCheckin(weeks, p.StartedAt, now)
			if !ok {
				continue
			}
			if err := postToPair(ctx, env, p, counts, "check_ins", func(side pairSide) letter {
				data := sideData(env, prog, side)
				data.Weeks = w
				data.Survey, data.Closes = surveyLink(env, prog, p, side.me.PersonID, w)
				return letter{
					Kind:     db.NotifyCheckin,
					Key:      fmt.Sprintf("%s:%d:%d:%d", db.NotifyCheckin, p.PairID, side.me.PersonID, w),
					PersonID: side.me.PersonID, RefID: p.PairID, Seq: w,
					To: side.me.Email, Subject: fmt.Sprintf("%d weeks in: how is %s going?", w, prog.Name), Template: "pair_checkin",
					Data:  data,
					Check: both(pairActive(p.PairID), subscribed(side.me.PersonID)),
				}
			}); err != nil {
				return counts, err
			}
		}
	}
	return counts, nil
}

// surveyLink is personID's signed survey link for the check-in at weeks of
// p, expiring when the check-in closes, and that day as mails write it.
func surveyLink(env Env, prog *db.Program, p *db.PairIntro, personID int64, weeks int) (link, closes string) {
	_, end, _ := prog.Settings.CheckinWindow(p.StartedAt, weeks)
	l := notify.CheckinLink{PairID: p.PairID, PersonID: personID, Weeks: weeks, Expires: end}
	return notify.CheckinURL(env.Config.BaseURL, env.Config.SecretKey, l), dateText(end)
}
