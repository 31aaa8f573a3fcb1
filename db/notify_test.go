package db_test

import (
	"context"
	"testing"
	"time"

	"cohort/db"
	"cohort/db/dbtest"
)

func TestNotifyStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		prog, p, e := newEnrollment(t, s)

		// Unsubscribing is idempotent and keeps the first time.
		if ok, err := s.IsUnsubscribed(ctx, p.ID); ok || err != nil {
			t.Fatal("IsUnsubscribed before", ok, err)
		}
		drafts, err := s.DraftsForReminder(ctx, prog.ID, now)
		if err != nil || len(drafts) != 1 || drafts[0].EnrollmentID != e.ID || drafts[0].Email != p.Email || drafts[0].Name != "Ana" {
			t.Fatalf("DraftsForReminder = %+v, %v", drafts, err)
		}
		if drafts, _ := s.DraftsForReminder(ctx, prog.ID, now.Add(-time.Second)); len(drafts) != 0 {
			t.Fatalf("a draft created after the cutoff is listed: %+v", drafts)
		}
		for range 2 {
			if err := s.Unsubscribe(ctx, p.ID); err != nil {
				t.Fatal(err)
			}
			s.Now = func() time.Time { return now.Add(time.Hour) }
		}
		if ok, err := s.IsUnsubscribed(ctx, p.ID); !ok || err != nil {
			t.Fatal("IsUnsubscribed after", ok, err)
		}
		if drafts, _ := s.DraftsForReminder(ctx, prog.ID, now.Add(time.Hour)); len(drafts) != 0 {
			t.Fatalf("an unsubscribed person is listed: %+v", drafts)
		}

		// A notification key is claimed once.
		for i, want := range []bool{true, false} {
			n := &db.NotificationSent{Key: "k:1", PersonID: p.ID, Kind: db.NotifyDraftReminder, RefID: e.ID}
			ok, err := s.ClaimNotification(ctx, n)
			if err != nil || ok != want {
				t.Fatalf("claim %d = %v, %v; want %v", i, ok, err, want)
			}
		}
		sent, err := s.NotificationsFor(ctx, db.NotifyDraftReminder, []int64{e.ID, 999})
		if err != nil || len(sent) != 1 || sent[0].Seq != 1 || !sent[0].SentAt.Equal(now.Add(time.Hour)) {
			t.Fatalf("NotificationsFor = %+v, %v", sent, err)
		}
		if sent, err := s.NotificationsFor(ctx, db.NotifyDraftReminder, nil); err != nil || len(sent) != 0 {
			t.Fatalf("NotificationsFor(nil) = %v, %v", sent, err)
		}
	})
}
