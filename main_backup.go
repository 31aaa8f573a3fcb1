package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"cohort/app/backup"
	"cohort/config"
)

// backupCmd is `cohort backup create FILE` and `cohort backup restore FILE
// [--force] [--database URL] [--upload-dir DIR]`. The two restore flags
// name a target other than the configured one, so a copy can be restored
// beside the database a running server uses and switched to afterwards.
func backupCmd(args []string, stdout, stderr io.Writer) int {
	const need = "backup needs: backup create FILE, or backup restore FILE [--force] [--database URL] [--upload-dir DIR]"
	if len(args) == 0 || (args[0] != "create" && args[0] != "restore") {
		return badUsage(stderr, need)
	}
	sub, force := args[0], false
	var files []string
	var dbURL, uploadDir *string
	for i := 1; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case sub == "restore" && (a == "--force" || a == "-force"):
			force = true
		case sub == "restore" && strings.HasPrefix(a, "-") && (name == "database" || name == "upload-dir"):
			if !hasVal {
				if i+1 >= len(args) {
					return badUsage(stderr, fmt.Sprintf("backup restore: --%s needs a value", name))
				}
				i++
				val = args[i]
			}
			if name == "database" {
				dbURL = &val
			} else {
				uploadDir = &val
			}
		case strings.HasPrefix(a, "-"):
			return badUsage(stderr, fmt.Sprintf("backup %s: unknown flag %s", sub, a))
		default:
			files = append(files, a)
		}
	}
	if len(files) != 1 {
		return badUsage(stderr, need)
	}
	file := files[0]
	cfg, err := config.Load(".")
	if err != nil {
		fmt.Fprintln(stderr, "cohort:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	target := backup.Target{Database: cfg.Database(), UploadDir: cfg.Uploads()}
	if dbURL != nil {
		if target.Database, err = config.ParseDatabaseURL(*dbURL, cfg.DataDir); err != nil {
			return badUsage(stderr, "backup restore --database: "+err.Error())
		}
	}
	if uploadDir != nil {
		if *uploadDir == "" {
			return badUsage(stderr, "backup restore --upload-dir needs a directory")
		}
		target.UploadDir = *uploadDir
	}
	if sub == "create" {
		err = backupCreate(ctx, cfg, target, file, stdout)
	} else {
		err = backupRestore(ctx, target, file, force, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "cohort:", err)
		return 1
	}
	return 0
}

func backupCreate(ctx context.Context, cfg *config.Config, target backup.Target, file string, stdout io.Writer) error {
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("%s already exists; name a new file (backups are never overwritten)", file)
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	m, err := backup.Create(ctx, store, target, file, version)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s (%s, %d uploads): %s\n", file, m.Dialect, len(m.Uploads), rowSummary(m.Rows))
	return nil
}

func backupRestore(ctx context.Context, target backup.Target, file string, force bool, stdout io.Writer) error {
	rr, err := backup.Restore(ctx, target, file, force)
	if err != nil {
		return err
	}
	m := rr.Manifest
	fmt.Fprintf(stdout, "restored %s (made %s by cohort %s): %s; %d uploads into %s\n",
		file, m.CreatedAt.Format("2006-01-02 15:04:05 MST"), m.AppVersion, rowSummary(m.Rows), len(m.Uploads), target.UploadDir)
	if len(rr.Migrations) == 0 {
		fmt.Fprintln(stdout, "database is up to date")
	}
	for _, n := range rr.Migrations {
		fmt.Fprintln(stdout, "applied", n)
	}
	return nil
}

// rowSummary lists the main tables' counts, in a fixed order.
func rowSummary(rows map[string]int64) string {
	names := make([]string, 0, len(rows))
	for n := range rows {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d", n, rows[n]))
	}
	return strings.Join(parts, ", ")
}
