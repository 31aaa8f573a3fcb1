package staff_test

import (
	"runtime"
	"testing"

	"cohort/app/apptest"
	"cohort/app/staff"
	"cohort/config"
	"cohort/db/dbtest"
)

// Each server has one Results, which the API finds through ResultsOf.
func TestResultsOf(t *testing.T) {
	store := dbtest.New(t, config.DialectSQLite)
	a, b := apptest.New(t, store, nil), apptest.New(t, store, nil)
	ra, rb := staff.ResultsOf(a), staff.ResultsOf(b)
	if ra == nil || rb == nil || ra == rb {
		t.Fatalf("ResultsOf: %p, %p; want one each", ra, rb)
	}
	if staff.ResultsOf(a) != ra {
		t.Fatal("ResultsOf changed for the same server")
	}
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
}
