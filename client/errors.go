package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Error codes the server puts in {"error":{"code":...}}.
const (
	CodeInvalid           = "invalid"            // 400
	CodeUnauthorized      = "unauthorized"       // 401
	CodeForbidden         = "forbidden"          // 403
	CodeNotFound          = "not_found"          // 404
	CodeConflict          = "conflict"           // 409
	CodeInsufficientFunds = "insufficient_funds" // 409: a wallet cannot pay a stake or a debit
	CodeTooLarge          = "too_large"          // 413
	CodeNotLeader         = "not_leader"         // 421
	CodeRateLimited       = "rate_limited"       // 429
	CodeInternal          = "internal"           // 500
	CodeUnavailable       = "unavailable"        // 503
)

// APIError is a non-2xx answer from the server.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Code is the server's machine-readable code, one of the Code*
	// constants. When the body was not the API's error shape (e.g. a proxy
	// error page) it is derived from Status, or "http_<status>" for statuses
	// the API does not use.
	Code string
	// Message is the server's human-readable explanation.
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("arena: %s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// IsCode reports whether err is, or wraps, an *APIError with the given code.
func IsCode(err error, code string) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Code == code
}

// ErrNoAnswer is wrapped into the error of a request that got no complete
// answer: the connection was refused, reset or timed out, or the response
// broke off. A write that failed so may or may not have been applied, so
// resend it only when it is idempotent (a grant with an ID, say). Test
// with errors.Is.
var ErrNoAnswer = errors.New("no answer from the server")

// noAnswerError marks a transport failure as ErrNoAnswer and keeps its
// message and cause (a *url.Error, context.DeadlineExceeded) reachable.
type noAnswerError struct{ err error }

func (e *noAnswerError) Error() string   { return e.err.Error() }
func (e *noAnswerError) Unwrap() []error { return []error{e.err, ErrNoAnswer} }

var codeByStatus = map[int]string{
	http.StatusBadRequest:            CodeInvalid,
	http.StatusUnauthorized:          CodeUnauthorized,
	http.StatusForbidden:             CodeForbidden,
	http.StatusNotFound:              CodeNotFound,
	http.StatusConflict:              CodeConflict,
	http.StatusRequestEntityTooLarge: CodeTooLarge,
	http.StatusMisdirectedRequest:    CodeNotLeader,
	http.StatusTooManyRequests:       CodeRateLimited,
	http.StatusInternalServerError:   CodeInternal,
	// A load balancer in front of the cluster reports a node it cannot
	// reach with 502/504; to a caller that is the same as 503.
	http.StatusBadGateway:         CodeUnavailable,
	http.StatusServiceUnavailable: CodeUnavailable,
	http.StatusGatewayTimeout:     CodeUnavailable,
}

// maxFallbackMessage keeps a non-JSON error body (an HTML error page, say)
// from flooding a terminal or a log line.
const maxFallbackMessage = 200

func decodeError(status int, body []byte) *APIError {
	var env struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	e := &APIError{Status: status}
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		e.Code, e.Message = env.Error.Code, env.Error.Message
	} else {
		e.Message = fallbackMessage(body)
	}
	if e.Code == "" {
		e.Code = codeByStatus[status]
		if e.Code == "" {
			e.Code = fmt.Sprintf("http_%d", status)
		}
	}
	if e.Message == "" {
		e.Message = strings.ToLower(http.StatusText(status))
		if e.Message == "" {
			e.Message = "unexpected HTTP status"
		}
	}
	return e
}

func fallbackMessage(body []byte) string {
	if !utf8.Valid(body) {
		return ""
	}
	msg := strings.Join(strings.Fields(string(body)), " ")
	if len(msg) > maxFallbackMessage {
		cut := maxFallbackMessage
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "..."
	}
	return msg
}
