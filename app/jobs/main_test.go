package jobs_test

import (
	"testing"

	"cohort/app/apptest"
	"cohort/app/jobs"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// newRunner is a runner for js on store, under the instance name given.
func newRunner(t testing.TB, store *db.Store, instance string, js ...jobs.Job) *jobs.Runner {
	t.Helper()
	reg, err := jobs.NewRegistry(js...)
	if err != nil {
		t.Fatal(err)
	}
	r, err := jobs.NewRunner(reg, jobs.Deps{Config: apptest.Config(t, nil), Store: store, Instance: instance, Log: apptest.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
