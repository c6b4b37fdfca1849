package bot

import (
	"errors"
	"fmt"
)

// Code classifies an error for the person who caused it and for metrics.
type Code string

// Error codes. Only errors carrying one of these reach a person verbatim;
// everything else is shown as an internal error and logged in full.
const (
	CodeInvalid     Code = "invalid"     // bad input: say what and how to fix
	CodeNotFound    Code = "notfound"    // no such object
	CodeForbidden   Code = "denied"      // RBAC said no
	CodeConflict    Code = "conflict"    // the object is not in a state that allows it
	CodeUnavailable Code = "unavailable" // a dependency is down: try again
	CodeRateLimited Code = "ratelimited" // too many requests
	CodeInternal    Code = "error"       // anything else
)

// Error is an error whose message is meant for the person in chat.
type Error struct {
	Code    Code
	Message string
	// Err is the underlying cause, for logs only.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with a message for the user.
func Errorf(code Code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// Unavailable wraps err from a dependency with a message for the user;
// the cause goes to the log, never to chat.
func Unavailable(what string, err error) *Error {
	return &Error{Code: CodeUnavailable, Message: what + " is unavailable, try again in a moment", Err: err}
}

// ErrorCode returns the code of err, CodeInternal for errors without one.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// UserMessage is what a person is told about err: its message when it is
// an Error, "internal error" otherwise.
func UserMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error: the details are in opsbot's log"
}
