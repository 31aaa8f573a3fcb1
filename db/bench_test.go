package db_test

import (
	"context"
	"fmt"
	"testing"

	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

// BenchmarkUpdateEnrollment is one step save's database work: the
// serialised read-modify-write of one enrollment with its interests.
func BenchmarkUpdateEnrollment(b *testing.B) {
	for _, d := range dbtest.Dialects {
		b.Run(d, func(b *testing.B) {
			s := dbtest.New(b, d)
			ctx := context.Background()
			prog := &db.Program{Slug: "p", Name: "P", Kind: db.KindMentoring, FormKey: "mentoring"}
			if err := s.CreateProgram(ctx, prog); err != nil {
				b.Fatal(err)
			}
			p := &db.Person{Email: "ana@example.org"}
			if err := s.CreatePerson(ctx, p); err != nil {
				b.Fatal(err)
			}
			e, _, err := s.StartEnrollment(ctx, prog.ID, p.ID, "Ana")
			if err != nil {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				i++
				if _, err := s.UpdateEnrollment(ctx, e.ID, func(e *db.Enrollment) error {
					e.Answers["full_name"] = fmt.Sprint("Ana ", i)
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	_ = config.DialectSQLite
}
