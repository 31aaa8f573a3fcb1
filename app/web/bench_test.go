package web_test

import (
	"context"
	"io"
	"net/http/httptest"
	"testing"

	"cohort/app/apptest"
	"cohort/app/demo"
	"cohort/config"
	"cohort/db/dbtest"
)

// BenchmarkHomePage renders the anonymous home page (two queries, the full
// layout) through the whole middleware chain, without a socket.
func BenchmarkHomePage(b *testing.B) {
	s := dbtest.New(b, config.DialectSQLite)
	if _, err := demo.Seed(context.Background(), s, demo.Options{Participants: 60, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	app := apptest.New(b, s, nil).App()
	b.ReportAllocs()
	for b.Loop() {
		res, err := app.Test(httptest.NewRequest("GET", "/", nil), -1)
		if err != nil || res.StatusCode != 200 {
			b.Fatal(err, res.StatusCode)
		}
		_, _ = io.Copy(io.Discard, res.Body)
	}
}
