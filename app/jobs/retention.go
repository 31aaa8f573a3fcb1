package jobs

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"cohort/db"
)

// purgeBatch is how many enrollments one purge transaction deletes: small
// enough that the one SQLite writer is never held for long.
const purgeBatch = 200

// DataRetention deletes the personal data of enrollments that ended, were
// withdrawn or were declined longer ago than the program's retention period
// (program setting retention_days, default 365; negative keeps them): the
// answers and the columns made from them, interests, uploaded files, staff
// notes, snapshots and pairs, and the details of their audit events. What
// remains is anonymous: per-program counts (retained_counts) and the pair
// history's keyed hashes, so a repeat pair is still refused. The run's
// counts say what it deleted.
func DataRetention() Job {
	return Job{
		Name: "retention",
		Description: "Delete the personal data of enrollments ended longer ago than the program's retention period " +
			"(answers, uploads, notes); keep anonymous counts and pair-history hashes",
		Schedule: "30 3 * * *", // daily at 03:30
		Timeout:  30 * time.Minute,
		Run:      retention,
	}
}

func retention(ctx context.Context, env Env) (Counts, error) {
	now := env.Now()
	counts := Counts{"enrollments": 0, "uploads": 0, "notes": 0, "snapshots": 0, "pairs": 0, "audit_events": 0, "files": 0}
	programs, err := env.Store.ListPrograms(ctx)
	if err != nil {
		return counts, err
	}
	dir := env.Config.Uploads()
	for _, prog := range programs {
		keep, ok := prog.Settings.Retention()
		if !ok {
			continue
		}
		ids, err := env.Store.PurgeableEnrollments(ctx, prog.ID, now.Add(-keep))
		if err != nil {
			return counts, err
		}
		for start := 0; start < len(ids); start += purgeBatch {
			if err := ctx.Err(); err != nil {
				return counts, err
			}
			batch := ids[start:min(start+purgeBatch, len(ids))]
			var files []string
			err := env.Store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
				p, err := tx.PurgeEnrollments(ctx, prog.ID, batch)
				if err != nil {
					return err
				}
				counts["enrollments"] += p.Enrollments
				counts["uploads"] += p.Uploads
				counts["notes"] += p.Notes
				counts["snapshots"] += p.Snapshots
				counts["pairs"] += p.Pairs
				counts["audit_events"] += p.AuditEvents
				files = p.Files
				return nil
			})
			if err != nil {
				return counts, err
			}
			// The rows are gone; now the bytes. A file that cannot be
			// removed is reported (the run is an error) but nothing points
			// at it any more.
			removed, failed := RemoveUploadFiles(dir, files, env.Log)
			counts["files"] += removed
			if failed > 0 {
				counts["errors"] += failed
			}
		}
	}
	if counts["errors"] > 0 {
		return counts, errors.New("some uploaded files could not be removed; see the log")
	}
	return counts, nil
}

// RemoveUploadFiles deletes the named files (storage names, as db.Purged
// and db.Erased list them) from the upload directory dir, once the rows
// that named them are gone. A name that is not a plain file name is
// skipped; a file already gone is not an error. It returns how many files
// it removed and how many it could not (each one logged).
func RemoveUploadFiles(dir string, names []string, log *slog.Logger) (removed, failed int) {
	for _, name := range names {
		if name == "" || name != filepath.Base(name) {
			continue
		}
		err := os.Remove(filepath.Join(dir, name))
		switch {
		case err == nil:
			removed++
		case errors.Is(err, fs.ErrNotExist):
		default:
			log.Error("uploaded file not removed", "file", name, "err", err)
			failed++
		}
	}
	return removed, failed
}
