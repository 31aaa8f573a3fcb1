// Package apperr is Cohort's one error type: a code that decides the HTTP
// status and a message that is safe to show a user. Internals stay in the
// wrapped error, which only reaches the logs.
package apperr

import (
	"errors"
	"net/http"

	"cohort/db"
)

// Code classifies an error.
type Code string

// The codes, each mapped once to an HTTP status.
const (
	Invalid Code = "invalid"
	// BadRequest is a request that is malformed rather than wrong in
	// content (a control character in a text value): 400, not 422.
	BadRequest   Code = "bad_request"
	Unauthorized Code = "unauthorized"
	Forbidden    Code = "forbidden"
	NotFound     Code = "not_found"
	Conflict     Code = "conflict"
	TooLarge     Code = "too_large"
	URITooLong   Code = "uri_too_long"
	// HeadersTooLarge is a request whose headers (usually its cookies) do
	// not fit the server's read buffer.
	HeadersTooLarge Code = "headers_too_large"
	RateLimited     Code = "rate_limited"
	Unavailable     Code = "unavailable"
	Internal        Code = "internal"
)

var statuses = map[Code]int{
	Invalid:         http.StatusUnprocessableEntity,
	BadRequest:      http.StatusBadRequest,
	Unauthorized:    http.StatusUnauthorized,
	Forbidden:       http.StatusForbidden,
	NotFound:        http.StatusNotFound,
	Conflict:        http.StatusConflict,
	TooLarge:        http.StatusRequestEntityTooLarge,
	URITooLong:      http.StatusRequestURITooLong,
	HeadersTooLarge: http.StatusRequestHeaderFieldsTooLarge,
	RateLimited:     http.StatusTooManyRequests,
	Unavailable:     http.StatusServiceUnavailable,
	Internal:        http.StatusInternalServerError,
}

var defaultMessages = map[Code]string{
	Invalid:         "Some of what was sent is not valid.",
	BadRequest:      "The request was malformed.",
	Unauthorized:    "Please sign in to continue.",
	Forbidden:       "You do not have permission to do that.",
	NotFound:        "We could not find that page.",
	Conflict:        "That conflicts with something that already exists.",
	TooLarge:        "What you sent is too large.",
	URITooLong:      "The address is too long. Shorten the search or filters and try again.",
	HeadersTooLarge: "Your browser sent too much data with the request, usually too many or too large cookies. Clear this site's cookies and try again.",
	RateLimited:     "Too many attempts. Please wait a little and try again.",
	Unavailable:     "Cohort is not available right now. Please try again shortly.",
	Internal:        "Something went wrong on our side. It has been logged.",
}

// Error is an error with a code and a user-safe message.
type Error struct {
	Code    Code
	Message string
	// Param names the request parameter at fault, when one is (JSON
	// clients get it as its own field).
	Param string
	Err   error // the cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return string(e.Code) + ": " + e.Message + ": " + e.Err.Error()
	}
	return string(e.Code) + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Status is the HTTP status for the error's code.
func (e *Error) Status() int {
	if s, ok := statuses[e.Code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// New returns an error with code and message; an empty message takes the
// code's default.
func New(code Code, message string) *Error {
	if message == "" {
		message = defaultMessages[code]
	}
	return &Error{Code: code, Message: message}
}

// Wrap attaches a code and safe message to a cause.
func Wrap(err error, code Code, message string) *Error {
	e := New(code, message)
	e.Err = err
	return e
}

// From classifies any error: an *Error as is; the store's ErrNotFound and
// ErrConflict by code; a database that is down or too slow as Unavailable; an HTTP status error (from the router) by its status;
// anything else as Internal, with the cause kept for the log.
func From(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	switch {
	case errors.Is(err, db.ErrNotFound):
		return Wrap(err, NotFound, "")
	case errors.Is(err, db.ErrConflict):
		return Wrap(err, Conflict, "")
	case DatabaseUnavailable(err):
		return Wrap(err, Unavailable, "")
	}
	var se interface{ StatusCode() int }
	if errors.As(err, &se) {
		return Wrap(err, FromStatus(se.StatusCode()), "")
	}
	return Wrap(err, Internal, "")
}

// FromStatus maps an HTTP status to the closest code.
func FromStatus(status int) Code {
	for c, s := range statuses {
		if s == status {
			return c
		}
	}
	switch {
	case status == http.StatusMethodNotAllowed:
		return Invalid
	case status >= 400 && status < 500:
		return Invalid
	}
	return Internal
}
