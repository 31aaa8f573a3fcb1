package participants

import (
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Cursor is a keyset position: the sort key of the last row shown and its
// id, which breaks ties so every row has exactly one place. It travels in
// URLs as an opaque string; a tampered one can only move the page, because
// its values reach the database as bound parameters.
type Cursor struct {
	Sort string
	Desc bool
	ID   int64
	// Exactly one of these holds the key, by Sort: Str for the text
	// columns, Int for tz (offset minutes), Time for submitted (nil when the
	// row was never submitted).
	Str  string
	Int  int64
	Time *time.Time
}

const cursorVersion = "1"

// maxCursorLen bounds what DecodeCursor reads (a name of 120 characters
// encodes to a few hundred bytes).
const maxCursorLen = 1024

var errCursor = errors.New("participants: malformed cursor")

// Encode returns the cursor as URL-safe text.
func (c Cursor) Encode() string {
	dir := "a"
	if c.Desc {
		dir = "d"
	}
	var key string
	switch c.Sort {
	case SortTZ:
		key = "i" + strconv.FormatInt(c.Int, 10)
	case SortSubmitted:
		if c.Time == nil {
			key = "n"
		} else {
			key = "t" + c.Time.UTC().Format(time.RFC3339Nano)
		}
	default:
		key = "s" + c.Str
	}
	return c.encodeRaw(strings.Join([]string{cursorVersion, c.Sort, dir, strconv.FormatInt(c.ID, 10), key}, "."))
}

func (Cursor) encodeRaw(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// DecodeCursor reads a cursor made by Encode.
func DecodeCursor(s string) (Cursor, error) {
	if len(s) > maxCursorLen {
		return Cursor{}, errCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, errCursor
	}
	// The key comes last, so it may itself contain dots.
	parts := strings.SplitN(string(b), ".", 5)
	if len(parts) != 5 || parts[0] != cursorVersion || !slices.Contains(SortKeys, parts[1]) ||
		(parts[2] != "a" && parts[2] != "d") || parts[4] == "" {
		return Cursor{}, errCursor
	}
	c := Cursor{Sort: parts[1], Desc: parts[2] == "d"}
	if c.ID, err = strconv.ParseInt(parts[3], 10, 64); err != nil || c.ID <= 0 {
		return Cursor{}, errCursor
	}
	kind, key := parts[4][0], parts[4][1:]
	switch {
	case c.Sort == SortTZ && kind == 'i':
		if c.Int, err = strconv.ParseInt(key, 10, 64); err != nil {
			return Cursor{}, errCursor
		}
	case c.Sort == SortSubmitted && kind == 'n' && key == "":
	case c.Sort == SortSubmitted && kind == 't':
		t, err := time.Parse(time.RFC3339Nano, key)
		if err != nil {
			return Cursor{}, errCursor
		}
		t = t.UTC()
		c.Time = &t
	case c.Sort != SortTZ && c.Sort != SortSubmitted && kind == 's':
		c.Str = key
	default:
		return Cursor{}, errCursor
	}
	return c, nil
}
