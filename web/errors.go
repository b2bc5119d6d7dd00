package web

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/apperr"
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
	c.AbortWithStatusJSON(status, ErrorBody{Error: ErrorDetail{Code: ae.Code, Message: ae.Message}})
}
