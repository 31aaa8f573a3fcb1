package auth

import (
	"net/url"
	"strings"
)

// flowNext keeps, through a sign-in, the page the person was going to.
const flowNext = "next"

// maxNext bounds a kept destination: a page path, never a payload.
const maxNext = 512

// SafeNext returns raw when it is a same-origin relative path ("/programs/x",
// with an optional query), else "". Anything that could leave the site is
// refused: absolute URLs, scheme-relative "//host", backslashes (browsers
// read "/\host" as "//host"), control characters and over-long values.
// The sign-in pages themselves are refused too, so a sign-in never ends on
// another sign-in.
func SafeNext(raw string) string {
	if raw == "" || len(raw) > maxNext || raw[0] != '/' || strings.HasPrefix(raw, "//") || strings.ContainsRune(raw, '\\') {
		return ""
	}
	for _, r := range raw {
		if r < 0x20 || r == 0x7f {
			return ""
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	for _, p := range []string{"/signin", "/auth/", "/dev/login", "/logout"} {
		if u.Path == p || strings.HasPrefix(u.Path, p+"/") || (strings.HasSuffix(p, "/") && strings.HasPrefix(u.Path, p)) {
			return ""
		}
	}
	return raw
}

// after is where a completed sign-in goes: the kept destination, else home.
func after(next string) string {
	if next = SafeNext(next); next != "" {
		return next
	}
	return "/"
}
