package web

import (
	"context"
	"time"

	"cohort/db"
)

// sessionStorage is fiber's Storage interface over the sessions table, so
// every instance sees the same sessions and a restart signs nobody out.
// fiber.Storage has no context parameter; each call gets a short deadline so
// a stuck database cannot hang a request forever.
type sessionStorage struct{ store *db.Store }

const storageTimeout = 5 * time.Second

func (s sessionStorage) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), storageTimeout)
}

func (s sessionStorage) Get(key string) ([]byte, error) {
	if key == "" {
		return nil, nil
	}
	ctx, cancel := s.ctx()
	defer cancel()
	return s.store.SessionGet(ctx, key)
}

func (s sessionStorage) Set(key string, val []byte, exp time.Duration) error {
	if key == "" || len(val) == 0 {
		return nil
	}
	ctx, cancel := s.ctx()
	defer cancel()
	// Record whose session it is beside the data, so loadSession reads the
	// session and its person in one query.
	v, err := decodeSession(val)
	if err != nil {
		v = sessionValues{}
	}
	return s.store.SessionSetFor(ctx, key, val, exp, v.personID)
}

func (s sessionStorage) Delete(key string) error {
	if key == "" {
		return nil
	}
	ctx, cancel := s.ctx()
	defer cancel()
	return s.store.SessionDelete(ctx, key)
}

func (s sessionStorage) Reset() error {
	ctx, cancel := s.ctx()
	defer cancel()
	return s.store.SessionReset(ctx)
}

func (s sessionStorage) Close() error { return nil }
