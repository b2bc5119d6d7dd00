package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/internal/textcut"
)

// statusOf is the one table from error code to HTTP status.
var statusOf = map[apperr.Code]int{
	apperr.Invalid:           http.StatusBadRequest,
	apperr.Unauthorized:      http.StatusUnauthorized,
	apperr.Forbidden:         http.StatusForbidden,
	apperr.NotFound:          http.StatusNotFound,
	apperr.Conflict:          http.StatusConflict,
	apperr.TooLarge:          http.StatusRequestEntityTooLarge,
	apperr.InsufficientFunds: http.StatusConflict,
	apperr.NotLeader:         http.StatusMisdirectedRequest,
	apperr.RateLimited:       http.StatusTooManyRequests,
	apperr.Unavailable:       http.StatusServiceUnavailable,
	apperr.LeaderChanged:     http.StatusServiceUnavailable,
	apperr.Internal:          http.StatusInternalServerError,
}

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail names what went wrong.
type ErrorDetail struct {
	Code    apperr.Code `json:"code"`
	Message string      `json:"message"`
}

// writeError answers with the error's status and JSON body. Causes that are
// not *apperr.Error are logged and hidden behind a generic message, so no
// internal detail (or secret) leaks to the caller.
func (s *Server) writeError(c *gin.Context, err error) {
	s.countStateLimit(err)
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		s.log.Error("internal error", "method", c.Request.Method, "path", c.FullPath(), "err", err)
		ae = apperr.New(apperr.Internal, "internal error")
	} else if ae.Code == apperr.Internal {
		s.log.Error("internal error", "method", c.Request.Method, "path", c.FullPath(), "err", err)
	}
	status, ok := statusOf[ae.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="arena"`)
	}
	c.AbortWithStatusJSON(status, ErrorBody{Error: ErrorDetail{Code: ae.Code, Message: cutEchoes(ae.Message, c)}})
}

// maxMessage bounds an error message whose echo of the request's path
// cutEchoes does not find (one the handler changed before repeating it).
// Echoed ids and names are cut to maxEcho (agentws.go: the same bound as
// an agent's error frames): the longest id the API takes (a transfer id)
// is 128 bytes, while a path may carry one of any length (20 KB fit in a
// request line), and a not-found message echoed it whole.
const maxMessage = 2048

// echo is s as an error message repeats it: whole up to maxEcho bytes,
// else cut there, marked "…" and saying how long it was.
func echo(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	return fmt.Sprintf("%s (cut from %d bytes)", textcut.Ellipsis(s, maxEcho), len(s))
}

// cutEchoes shortens, in an error message about the request c, the request
// path and each path parameter longer than maxEcho that the message
// repeats, so that every handler's message (and the domain's, "agent <id>
// not found") stays short without each one cutting what it echoes. The
// path goes first, since it holds the parameters.
func cutEchoes(msg string, c *gin.Context) string {
	var from []string
	if c.Request != nil {
		from = append(from, c.Request.URL.Path)
	}
	for _, p := range c.Params {
		from = append(from, p.Value)
	}
	return cutEchoed(msg, from...)
}

// cutEchoed shortens each of values longer than maxEcho that msg repeats,
// as it is or quoted (%q), to echo's form, then bounds the whole message
// to maxMessage (for an echo in another form).
func cutEchoed(msg string, values ...string) string {
	for _, v := range values {
		if len(v) <= maxEcho {
			continue
		}
		if q := strconv.Quote(v); strings.Contains(msg, q) {
			cut := fmt.Sprintf("%s (cut from %d bytes)", strconv.Quote(textcut.Ellipsis(v, maxEcho)), len(v))
			msg = strings.ReplaceAll(msg, q, cut)
		}
		if strings.Contains(msg, v) {
			msg = strings.ReplaceAll(msg, v, echo(v))
		}
	}
	if len(msg) > maxMessage {
		msg = fmt.Sprintf("%s (message cut from %d bytes)", textcut.Ellipsis(msg, maxMessage), len(msg))
	}
	return msg
}
