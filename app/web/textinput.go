package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
)

// rejectControlChars refuses, in one place for every route, text input that
// no person types and that the databases disagree about: control characters
// (C0 except tab, CR and LF) and invalid UTF-8 in query values, form values
// (url-encoded or the text parts of a multipart form; file contents are
// not text) and JSON strings. A NUL stored fine on SQLite but failed on
// Postgres with a 500, half-way through a CSV export. The answer is 400
// naming the parameter, before any handler (or export stream) starts.
func (s *Server) rejectControlChars(c *fiber.Ctx) error {
	if name, bad := badArg(c.Context().QueryArgs().VisitAll); bad {
		return badText(name)
	}
	ctype := strings.ToLower(c.Get(fiber.HeaderContentType))
	switch {
	case strings.HasPrefix(ctype, fiber.MIMEApplicationForm):
		if name, bad := badArg(c.Context().PostArgs().VisitAll); bad {
			return badText(name)
		}
	case strings.HasPrefix(ctype, fiber.MIMEMultipartForm):
		// A malformed multipart body is for the handler to refuse; here
		// only its text values matter.
		if mf, err := c.MultipartForm(); err == nil {
			for name, vs := range mf.Value {
				if !cleanText(name) {
					return badText(name)
				}
				for _, v := range vs {
					if !cleanText(v) {
						return badText(name)
					}
				}
			}
		}
	case strings.HasPrefix(ctype, fiber.MIMEApplicationJSON):
		if name, bad := badJSON(c.Body()); bad {
			return badText(name)
		}
	}
	return c.Next()
}

func badText(name string) error {
	e := apperr.New(apperr.BadRequest, fmt.Sprintf(
		"The value of %q contains a control character or invalid text, which is not allowed. Remove it and try again.", name))
	e.Param = name
	return e
}

// badArg reports the first argument whose name or value is not clean text.
func badArg(visit func(func(k, v []byte))) (name string, bad bool) {
	visit(func(k, v []byte) {
		if !bad && (!cleanBytes(k) || !cleanBytes(v)) {
			name, bad = string(k), true
		}
	})
	return name, bad
}

// badJSON reports whether a string in body is not clean text, naming the
// string before it (for a value, its key). Invalid JSON is left to the
// handler, which says what it expects.
func badJSON(body []byte) (name string, bad bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	prev := "body"
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		str, ok := tok.(string)
		if !ok {
			continue
		}
		if !cleanText(str) {
			return prev, true
		}
		prev = str
	}
}

// cleanText is true for valid UTF-8 without C0 controls other than tab,
// CR and LF.
func cleanText(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 && b != '\t' && b != '\r' && b != '\n' {
			return false
		}
	}
	return utf8.ValidString(s)
}

func cleanBytes(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return utf8.Valid(b)
}
