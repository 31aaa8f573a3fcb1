package jobs

import (
	"strconv"
	"time"

	"github.com/go-co-op/gocron/v2"
)

// SlotLayout formats a scheduled slot: the fire time in UTC to the minute
// (cron's resolution), e.g. "2026-11-21T10:00Z".
const SlotLayout = "2006-01-02T15:04Z"

// slotTolerance lets a timer that fires a moment early (a wall clock
// stepped back by NTP) still name the slot it was set for.
const slotTolerance = 5 * time.Second

// lookbacks are the windows searched for the latest fire time: a schedule
// that fires every minute is found in the first, a monthly one in the
// fifth. Growing windows keep the walk short for frequent schedules.
var lookbacks = []time.Duration{
	time.Minute, time.Hour, 24 * time.Hour, 8 * 24 * time.Hour, 32 * 24 * time.Hour,
	367 * 24 * time.Hour, 5 * 367 * 24 * time.Hour,
}

// lastFire is the latest time at or before now when c fires (zero if none
// in five years). cron only offers Next, so it walks forward from the start
// of a window that contains a fire time.
func lastFire(c gocron.Cron, now time.Time) time.Time {
	for _, back := range lookbacks {
		t := c.Next(now.Add(-back))
		if t.IsZero() || t.After(now) {
			continue
		}
		for {
			n := c.Next(t)
			if n.IsZero() || n.After(now) {
				return t
			}
			t = n
		}
	}
	return time.Time{}
}

// slotAt names the scheduled slot a timer firing at now belongs to: the
// schedule's latest fire time at or before now (within slotTolerance). For
// an hourly job this is now truncated to the hour. Every instance firing for
// the same scheduled time — early, late or with a skewed clock, as long as
// it is within one period — computes the same name, which is what the
// (job, slot) lock needs; the next fire time is always a different slot.
func slotAt(c gocron.Cron, now time.Time) string {
	t := lastFire(c, now.Add(slotTolerance))
	if t.IsZero() {
		t = now
	}
	return t.UTC().Format(SlotLayout)
}

// uniqueSlot names a slot for a run outside the schedule ("manual-…",
// "cli-…"): a new one every time, so such a run always runs. Real time, not
// the store's clock: a test's frozen clock must not make two runs collide.
func uniqueSlot(t Trigger) string {
	return string(t) + "-" + strconv.FormatInt(time.Now().UnixNano(), 10)
}
