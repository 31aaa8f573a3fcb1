package db

import "context"

// HotPrepared reports whether the store's prepared hot reads are in use:
// when one fails to prepare, every request silently takes bun's slower
// path, so tests check it.
func HotPrepared(ctx context.Context, s *Store) bool { return s.hot(ctx) != nil }
