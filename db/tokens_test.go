package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"cohort/db"
	"cohort/db/dbtest"
)

func TestAPITokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		var people [2]*db.Person
		for i, email := range []string{"a@example.org", "b@example.org"} {
			people[i] = &db.Person{Email: email}
			if err := s.CreatePerson(ctx, people[i]); err != nil {
				t.Fatal(err)
			}
		}
		token, tok, err := s.CreateAPIToken(ctx, people[0].ID, "  reports  ")
		if err != nil || !strings.HasPrefix(token, db.APITokenPrefix) || len(token) < 40 || tok.Name != "reports" {
			t.Fatalf("CreateAPIToken = %q %+v %v", token, tok, err)
		}
		if tok.TokenHash == token || strings.Contains(tok.TokenHash, token) || tok.TokenHash != db.HashAPIToken(token) {
			t.Fatal("the token must be stored only as its hash")
		}
		other, _, err := s.CreateAPIToken(ctx, people[0].ID, "")
		if err != nil || other == token {
			t.Fatalf("second token %q, %v", other, err)
		}
		got, err := s.APITokenByToken(ctx, token)
		if err != nil || got.ID != tok.ID || got.Revoked() {
			t.Fatalf("APITokenByToken = %+v, %v", got, err)
		}
		if _, err := s.APITokenByToken(ctx, token+"x"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("unknown token: %v", err)
		}
		list, err := s.APITokensByPerson(ctx, people[0].ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("APITokensByPerson = %d, %v", len(list), err)
		}
		// Last use is written, then not again within a minute.
		base := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return base }
		if err := s.TouchAPIToken(ctx, got); err != nil || got.LastUsedAt == nil {
			t.Fatalf("TouchAPIToken: %v", err)
		}
		s.Now = func() time.Time { return base.Add(30 * time.Second) }
		if err := s.TouchAPIToken(ctx, got); err != nil || !got.LastUsedAt.Equal(base) {
			t.Fatalf("touched again within a minute: %v %v", got.LastUsedAt, err)
		}
		if back, _ := s.APITokenByToken(ctx, token); back.LastUsedAt == nil || !back.LastUsedAt.Equal(base) {
			t.Fatalf("stored last use = %v", back.LastUsedAt)
		}
		// Only the owner revokes; twice is harmless.
		if _, err := s.RevokeAPIToken(ctx, people[1].ID, tok.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("revoking someone else's token: %v", err)
		}
		r, err := s.RevokeAPIToken(ctx, people[0].ID, tok.ID)
		if err != nil || !r.Revoked() {
			t.Fatalf("RevokeAPIToken = %+v, %v", r, err)
		}
		if _, err := s.RevokeAPIToken(ctx, people[0].ID, tok.ID); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
		if back, _ := s.APITokenByToken(ctx, token); !back.Revoked() {
			t.Fatal("revocation not stored")
		}
		// Tokens go with their owner.
		if _, err := s.DB().NewRaw("DELETE FROM people WHERE id = ?", people[0].ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.APITokenByToken(ctx, other); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("token of a deleted person: %v", err)
		}
	})
}
