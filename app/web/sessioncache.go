package web

import (
	"bytes"
	"encoding/gob"
	"sync"
)

// sessionValues are what loadSession reads from a session on every
// request.
type sessionValues struct {
	personID, created, seen, mfa int64
	method                       string
}

// sessionCache keeps the decoded values of recently seen sessions, keyed by
// session id and checked against the stored bytes, which are read from the
// database on every request as before: a changed, expired or deleted
// session is never served from here. It saves decoding the same gob again
// (a fresh gob decoder compiles its types each time: ~90 µs, the largest
// cost of a signed-in request after the database).
type sessionCache struct {
	mu      sync.Mutex
	entries map[string]sessionEntry
}

type sessionEntry struct {
	raw  []byte
	vals sessionValues
}

// sessionCacheMax bounds the cache; when full it starts again empty (the
// cost is one decode per active session).
const sessionCacheMax = 10000

// values decodes raw, the stored data of session id, or returns the values
// decoded from identical bytes before.
func (sc *sessionCache) values(id string, raw []byte) (sessionValues, error) {
	sc.mu.Lock()
	e, ok := sc.entries[id]
	sc.mu.Unlock()
	if ok && bytes.Equal(e.raw, raw) {
		return e.vals, nil
	}
	v, err := decodeSession(raw)
	if err != nil {
		return sessionValues{}, err
	}
	sc.mu.Lock()
	if sc.entries == nil || len(sc.entries) >= sessionCacheMax {
		sc.entries = make(map[string]sessionEntry)
	}
	// id comes from a pooled request string and raw from the driver:
	// keep copies.
	sc.entries[string([]byte(id))] = sessionEntry{raw: bytes.Clone(raw), vals: v}
	sc.mu.Unlock()
	return v, nil
}

// decodeSession reads the values loadSession needs from a session's stored
// bytes: the encoding fiber's session middleware writes, a gob of
// map[string]interface{}.
func decodeSession(raw []byte) (sessionValues, error) {
	var data map[string]any
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&data); err != nil {
		return sessionValues{}, err
	}
	var v sessionValues
	v.personID, _ = data[sessPersonID].(int64)
	v.created, _ = data[sessCreated].(int64)
	v.seen, _ = data[sessSeen].(int64)
	v.mfa, _ = data[sessMFA].(int64)
	v.method, _ = data[sessMethod].(string)
	return v, nil
}
