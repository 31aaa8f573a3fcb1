package staff_test

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

// BenchmarkParticipantTable is the results partial for a typical filter
// (a cache hit after the first request) through the whole middleware
// chain, signed in as staff, without a socket: what a request costs once
// the data is known (go test -bench ParticipantTable ./app/staff;
// BENCH_DIALECT=pg for Postgres).
func BenchmarkParticipantTable(b *testing.B) {
	s := dbtest.New(b, benchDialect())
	if _, err := demo.Seed(context.Background(), s, demo.Options{Participants: 2000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	srv := apptest.New(b, s, nil)
	c := apptest.NewClient(b, srv)
	c.SignInAs(demo.StaffEmail)
	const url = "/staff/programs/demo-mentoring/participants?role=mentee&interest=leadership&tz_min=-5&tz_max=2"
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", url, nil)
		req.Header.Set("HX-Request", "true")
		for _, ck := range c.Cookies {
			req.AddCookie(ck)
		}
		res, err := srv.App().Test(req, -1)
		if err != nil || res.StatusCode != 200 {
			b.Fatal(err, res.StatusCode)
		}
		_, _ = io.Copy(io.Discard, res.Body)
	}
}

// benchDialect is SQLite unless BENCH_DIALECT=pg.
func benchDialect() string {
	if os.Getenv("BENCH_DIALECT") == "pg" {
		return config.DialectPostgres
	}
	return config.DialectSQLite
}
