package jobs

import (
	"context"
	"fmt"
	"time"

	"cohort/db"
)

// DraftReminders mails members whose enrollment is still a draft: the first
// reminder once it is ReminderAfterDays old (program setting, default 3),
// then again at least that many days after the previous one, at most
// ReminderMax times (default 2). Submitting or withdrawing stops them, and
// so does unsubscribing. Each reminder is recorded under the key
// "draft_reminder:PERSON:ENROLLMENT:N", so no run, repeated or concurrent,
// sends one twice.
func DraftReminders() Job {
	return Job{
		Name:        "draft-reminders",
		Description: "Remind members whose enrollment is still a draft (program settings: reminder_after_days, reminder_max)",
		Schedule:    "0 9 * * *", // daily at 09:00
		Timeout:     10 * time.Minute,
		Run:         draftReminders,
	}
}

type reminderData struct {
	Name, Program, Link, Unsubscribe string
	Seq, Max                         int
}

func draftReminders(ctx context.Context, env Env) (Counts, error) {
	now := env.Now()
	counts := Counts{"reminders": 0}
	programs, err := env.Store.ListPrograms(ctx)
	if err != nil {
		return counts, err
	}
	for _, prog := range programs {
		days, limit := prog.Settings.ReminderDays(), prog.Settings.ReminderLimit()
		if limit == 0 {
			continue
		}
		gap := time.Duration(days) * 24 * time.Hour
		targets, err := env.Store.DraftsForReminder(ctx, prog.ID, now.Add(-gap))
		if err != nil {
			return counts, err
		}
		ids := make([]int64, len(targets))
		for i, t := range targets {
			ids[i] = t.EnrollmentID
		}
		sent, err := env.Store.NotificationsFor(ctx, db.NotifyDraftReminder, ids)
		if err != nil {
			return counts, err
		}
		type history struct {
			n    int
			last time.Time
		}
		past := map[int64]history{}
		for _, s := range sent {
			h := past[s.RefID]
			h.n++
			if s.SentAt.After(h.last) {
				h.last = s.SentAt
			}
			past[s.RefID] = h
		}
		for _, t := range targets {
			if err := ctx.Err(); err != nil {
				return counts, err
			}
			h := past[t.EnrollmentID]
			if h.n >= limit || (h.n > 0 && now.Sub(h.last) < gap) {
				continue
			}
			seq := h.n + 1
			// The check reads again inside the transaction: the member may
			// have submitted or unsubscribed since the list was read.
			stillDraft := func(ctx context.Context, tx *db.Store) (bool, error) {
				e, err := tx.EnrollmentByID(ctx, t.EnrollmentID)
				if err != nil || e.Status != db.StatusDraft {
					return false, ignoreNotFound(err)
				}
				return true, nil
			}
			if err := post(ctx, env, letter{
				Kind:     db.NotifyDraftReminder,
				Key:      fmt.Sprintf("%s:%d:%d:%d", db.NotifyDraftReminder, t.PersonID, t.EnrollmentID, seq),
				PersonID: t.PersonID, RefID: t.EnrollmentID, Seq: seq,
				To: t.Email, Subject: "Finish your enrollment in " + prog.Name, Template: "draft_reminder",
				Data: reminderData{
					Name: greeting(t.Name), Program: prog.Name, Seq: seq, Max: limit,
					Link: enrollmentLink(env, t.EnrollmentID), Unsubscribe: unsubscribeLink(env, t.PersonID),
				},
				Check: both(stillDraft, subscribed(t.PersonID)),
			}, counts, "reminders"); err != nil {
				return counts, err
			}
		}
	}
	return counts, nil
}
