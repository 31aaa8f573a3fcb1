package formsource_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"cohort/app/forms"
	"cohort/app/formsource"
	"cohort/db"
	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func builtin(t *testing.T) *forms.Registry {
	t.Helper()
	reg, err := forms.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestSource(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		reg := builtin(t)
		src := formsource.New(s, reg)
		if src.Builtin() != reg {
			t.Error("Builtin")
		}
		p := &db.Program{Slug: "x", Name: "X", Kind: db.KindMentoring, FormKey: "mentoring"}
		if err := s.CreateProgram(ctx, p); err != nil {
			t.Fatal(err)
		}
		admin := &db.Person{Email: "a@example.org", Name: "A", Role: "admin"}
		if err := s.CreatePerson(ctx, admin); err != nil {
			t.Fatal(err)
		}
		mentoring, _ := reg.Get("mentoring")
		if def, err := src.Current(ctx, p); err != nil || def != mentoring {
			t.Fatalf("Current before publishing = %v, %v", def, err)
		}

		// Publish a changed form through the store and the source.
		cached, err := src.Program(ctx, p.ID)
		if err != nil || cached.FormVersion != 0 {
			t.Fatalf("Program = %+v, %v", cached, err)
		}
		doc := mentoring.Document()
		doc.Title = "Our own form"
		data, err := forms.ExportDocument(doc)
		if err != nil {
			t.Fatal(err)
		}
		rev, err := s.SaveFormDraft(ctx, p.ID, string(data), 0, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := src.Publish(ctx, p.ID, rev+1, admin.ID); !errors.Is(err, db.ErrStale) {
			t.Fatalf("stale publish: %v", err)
		}
		v, err := src.Publish(ctx, p.ID, rev, admin.ID)
		if err != nil || v.Version != 1 {
			t.Fatalf("Publish = %+v, %v", v, err)
		}
		// This instance sees the new version at once.
		p, err = src.Program(ctx, p.ID)
		if err != nil || p.FormVersion != 1 {
			t.Fatalf("Program after publishing = %+v, %v", p, err)
		}
		def, err := src.Current(ctx, p)
		if err != nil || def.Title != "Our own form" {
			t.Fatalf("Current = %v, %v", def, err)
		}
		// Parsed once: every reader shares one definition, also when they
		// ask at the same time.
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if again, err := src.At(ctx, p, 1); err != nil || again != def {
					t.Errorf("At(1) = %p, %v; want %p", again, err, def)
				}
			})
		}
		wg.Wait()
		if old, err := src.At(ctx, p, 0); err != nil || old != mentoring {
			t.Errorf("At(0) = %v, %v", old, err)
		}
		vs, err := src.For(ctx, p, 0)
		if err != nil || vs.Answered != mentoring || vs.Current != def {
			t.Errorf("For(0) = %+v, %v", vs, err)
		}
		if _, err := src.At(ctx, p, 7); err == nil || !errors.Is(err, db.ErrNotFound) {
			t.Errorf("At(7) = %v", err)
		}
		// A program naming no built-in form says so.
		bad := &db.Program{ID: p.ID, Slug: "bad", FormKey: "nope"}
		if _, err := src.At(ctx, bad, 0); err == nil || !strings.Contains(err.Error(), `"nope"`) {
			t.Errorf("unknown form key: %v", err)
		}
	})
}
