package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/agentarena/arena/internal/textcut"
)

// maxErrorBody bounds what is read of an error response: the message is
// for a log line, not the whole HTML page a proxy may send.
const maxErrorBody = 64 << 10

// maxErrorMessage bounds the message kept in an APIError.
const maxErrorMessage = 500

// APIError is an error the server reported, parsed from OpenAI's error
// JSON ({"error": {"message", "type", "code"}}) or the variants vLLM and
// Ollama send. Message has the API key redacted and is cut to a few
// hundred bytes, so it is safe to log.
type APIError struct {
	// Status is the HTTP status; 0 for an error sent inside a stream.
	Status int
	// Type and Code are the server's classification, e.g.
	// "invalid_request_error" and "invalid_api_key"; either may be empty.
	Type    string
	Code    string
	Message string
	// RetryAfter is how long the server asked to wait (Retry-After or
	// retry-after-ms); 0 if it did not say.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	var b strings.Builder
	if e.Status == 0 {
		b.WriteString("llm: server reported an error in the stream")
	} else {
		fmt.Fprintf(&b, "llm: server answered %d", e.Status)
	}
	if t := strings.Trim(e.Type+"/"+e.Code, "/"); t != "" {
		b.WriteString(" (" + t + ")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RetryAfter > 0 {
		b.WriteString("; retry after " + e.RetryAfter.String())
	}
	return b.String()
}

// errorBody covers both shapes in use: {"error": {...}} (OpenAI, newer
// vLLM, Ollama's OpenAI layer, llama.cpp) and a flat {"object": "error",
// "message": ...} (older vLLM). "error" may also be a bare string.
type errorBody struct {
	Error   json.RawMessage `json:"error"`
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

type errorObject struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

// parseAPIError builds an APIError from a status, headers (may be nil)
// and a body that may or may not be JSON.
func parseAPIError(status int, h http.Header, body []byte, key string, now time.Time) *APIError {
	e := &APIError{Status: status, RetryAfter: retryAfter(h, now)}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil {
		var obj errorObject
		var str string
		switch {
		case bytes.HasPrefix(bytes.TrimSpace(eb.Error), []byte("{")) && json.Unmarshal(eb.Error, &obj) == nil:
			e.Message, e.Type, e.Code = obj.Message, obj.Type, codeString(obj.Code)
		case len(eb.Error) > 0 && json.Unmarshal(eb.Error, &str) == nil:
			e.Message = str
		default:
			e.Message, e.Type, e.Code = eb.Message, eb.Type, codeString(eb.Code)
		}
	} else {
		e.Message = string(body)
	}
	e.Message = sanitize(e.Message, key)
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	e.Type, e.Code = sanitize(e.Type, key), sanitize(e.Code, key)
	return e
}

// codeString renders a code that servers send as a string, a number or
// null.
func codeString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// sanitize makes server text safe to log: the key removed (servers echo
// a bad key back, sometimes in full), control characters flattened, and
// the length bounded on a rune boundary.
func sanitize(s, key string) string {
	if key != "" {
		s = strings.ReplaceAll(s, key, "[redacted]")
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	return textcut.Ellipsis(s, maxErrorMessage)
}

// retryAfter reads retry-after-ms (OpenAI's precise variant) or
// Retry-After in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e9 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s > 0 && s < 1e6 {
			return time.Duration(s * float64(time.Second))
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// IsRetryable reports whether err may go away if the same request is sent
// again: rate limits (429, but not OpenAI's insufficient_quota, a spent
// balance), server failures (5xx), request timeouts (408),
// conflicts (409, which OpenAI documents as retryable), timeouts and
// dropped connections. Client errors (400, 401, 403, 404) and a cancelled
// context are not. A context deadline counts as a timeout here; the caller
// checks its own context before retrying, so a spent deadline still stops
// it.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		switch {
		case ae.Status == 0:
			return ae.Type == "server_error"
		case ae.Status == http.StatusTooManyRequests:
			// OpenAI answers a spent quota or credit with 429 too; it
			// does not pass by waiting, so asking again only adds load.
			return !strings.Contains(ae.Code+" "+ae.Type, "insufficient_quota")
		case ae.Status == http.StatusRequestTimeout, ae.Status == http.StatusConflict, ae.Status >= 500:
			return true
		}
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrResponseTooLarge) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}
