// Package apperr defines the one application error type shared by every
// layer, with stable codes that the web layer maps to HTTP statuses.
package apperr

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error class. Clients branch on it, so a
// code is never renamed once shipped.
type Code string

const (
	Invalid           Code = "invalid"
	Unauthorized      Code = "unauthorized"
	Forbidden         Code = "forbidden"
	NotFound          Code = "not_found"
	Conflict          Code = "conflict"
	TooLarge          Code = "too_large"
	InsufficientFunds Code = "insufficient_funds"
	NotLeader         Code = "not_leader"
	RateLimited       Code = "rate_limited"
	Unavailable       Code = "unavailable"
	// LeaderChanged: a follower gave up forwarding a write because the
	// leader changed meanwhile; retryable, though the write may have been
	// applied by the old leader.
	LeaderChanged Code = "leader_changed"
	Internal      Code = "internal"
)

// Error carries a code, a message safe to show to the caller and an optional
// wrapped cause that is logged but never shown.
type Error struct {
	Code    Code
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap attaches a code and caller-facing message to an underlying cause.
func Wrap(code Code, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}
