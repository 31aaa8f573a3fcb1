package web

import (
	"bytes"
	"encoding/gob"
	"testing"
)

func encodeSession(t *testing.T, m map[string]any) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The cache serves values only for the very bytes they were decoded from:
// a session that changed in the database is decoded again.
func TestSessionCacheFollowsStoredBytes(t *testing.T) {
	var sc sessionCache
	first := encodeSession(t, map[string]any{sessPersonID: int64(7), sessCreated: int64(100), sessSeen: int64(100), sessMethod: "email"})
	v, err := sc.values("id-1", first)
	if err != nil || v.personID != 7 || v.method != "email" || v.mfa != 0 {
		t.Fatalf("first = %+v, %v", v, err)
	}
	if v, _ := sc.values("id-1", first); v.personID != 7 {
		t.Fatalf("cached = %+v", v)
	}
	changed := encodeSession(t, map[string]any{sessPersonID: int64(7), sessCreated: int64(100), sessSeen: int64(400), sessMethod: "email", sessMFA: int64(1)})
	if v, _ := sc.values("id-1", changed); v.seen != 400 || v.mfa != 1 {
		t.Fatalf("after a change = %+v", v)
	}
	if v, _ := sc.values("id-2", first); v.personID != 7 {
		t.Fatalf("another id = %+v", v)
	}
	if _, err := sc.values("id-3", []byte("not a gob")); err == nil {
		t.Fatal("garbage decoded")
	}
	for i := range sessionCacheMax + 5 {
		if _, err := sc.values(string(rune('a'+i%26))+string(rune(i)), first); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(sc.entries); n > sessionCacheMax {
		t.Fatalf("cache grew to %d", n)
	}
}
