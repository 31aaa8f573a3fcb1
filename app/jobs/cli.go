package jobs

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"cohort/db"
)

// List writes the `cohort jobs list` table: name, schedule, on/off and the
// last run's outcome, one job a line.
func List(ctx context.Context, r *Runner, w io.Writer) error {
	if err := r.CheckSettings(ctx); err != nil {
		return err
	}
	store := r.Store()
	settings, err := store.JobSettings(ctx)
	if err != nil {
		return err
	}
	enabled := map[string]bool{}
	for _, s := range settings {
		enabled[s.Name] = s.Enabled
	}
	last, err := store.LatestJobRuns(ctx, r.Registry().Names())
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "NAME\tSCHEDULE (%s)\tENABLED\tLAST RUN (UTC)\tOUTCOME\n", r.Location())
	for _, j := range r.Registry().Jobs() {
		on, set := enabled[j.Name]
		state := "on"
		if set && !on {
			state = "off"
		}
		when, outcome := "never", "-"
		if run := last[j.Name]; run != nil {
			when = run.StartedAt.UTC().Format("2006-01-02 15:04:05")
			outcome = run.Outcome
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", j.Name, j.Schedule, state, when, outcome)
	}
	return tw.Flush()
}

// FormatCounts renders counts as "a=1 b=2", sorted by name.
func FormatCounts(c map[string]int) string {
	names := make([]string, 0, len(c))
	for k := range c {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%s=%d", k, c[k])
	}
	return strings.Join(parts, " ")
}

// Describe is one line about a finished run, for the command line.
func Describe(run *db.JobRun) string {
	s := fmt.Sprintf("%s %s (slot %s)", run.Job, run.Outcome, run.Slot)
	if c := FormatCounts(run.Counts); c != "" {
		s += ": " + c
	}
	if run.Error != "" {
		s += "\nerror: " + run.Error
	}
	return s
}
