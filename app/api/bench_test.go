package api_test

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"testing"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/config"
	"cohort/db/dbtest"
)

// BenchmarkParticipantList is the API list for the staff table's typical
// filter (a cache hit after the first request) through the whole
// middleware chain with a bearer token, without a socket: what a request
// costs once the page is known (go test -bench ParticipantList ./app/api;
// BENCH_DIALECT=pg for Postgres).
func BenchmarkParticipantList(b *testing.B) {
	dialect := config.DialectSQLite
	if os.Getenv("BENCH_DIALECT") == "pg" {
		dialect = config.DialectPostgres
	}
	store := dbtest.New(b, dialect)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, store, demo.Options{Participants: 2000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	staff, err := store.PersonByEmail(ctx, demo.StaffEmail)
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := store.CreateAPIToken(ctx, staff.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	srv := apptest.New(b, store, nil)
	const url = listAPI + "?role=mentee&interest=leadership&tz_min=-5&tz_max=2"
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := srv.App().Test(req, -1)
		if err != nil || res.StatusCode != 200 {
			b.Fatal(err, res.StatusCode)
		}
		_, _ = io.Copy(io.Discard, res.Body)
	}
}
