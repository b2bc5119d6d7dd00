package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/internal/strictjson"
)

// readJSON decodes the request body into v strictly: one JSON object, no
// unknown fields, no trailing data, at most the configured size. Each
// failure is reported with what exactly was wrong.
func (s *Server) readJSON(c *gin.Context, v any) error {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !strings.EqualFold(mt, "application/json") {
			return apperr.New(apperr.Invalid, "content type must be application/json, got %q", truncate(ct, 64))
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.limitHit(limitBodyBytes)
			return apperr.New(apperr.TooLarge, "request body exceeds the limit of %d bytes", s.cfg.MaxBodyBytes)
		}
		return apperr.Wrap(apperr.Invalid, err, "could not read request body")
	}
	return decodeStrict(body, v)
}

func decodeStrict(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return apperr.New(apperr.Invalid, "request body is empty; a JSON object is required")
	}
	if bytes.HasPrefix(trimmed, []byte("\xef\xbb\xbf")) {
		// Some Windows tools write one; JSON (RFC 8259) forbids it, and
		// "not a JSON value" sent people looking in the wrong place.
		return apperr.New(apperr.Invalid, "malformed JSON: the body starts with a UTF-8 byte order mark (EF BB BF); send the JSON object without it")
	}
	if trimmed[0] != '{' {
		kind := ""
		switch c := trimmed[0]; {
		case c == '[':
			kind = "array"
		case c == '"':
			kind = "string"
		case c == 't' || c == 'f':
			kind = "boolean"
		case c == 'n':
			kind = "null"
		case c == '-' || (c >= '0' && c <= '9'):
			kind = "number"
		}
		if kind == "" {
			r := []rune(string(trimmed[:min(len(trimmed), 4)]))[0]
			return apperr.New(apperr.Invalid, "malformed JSON: a body must be a JSON object, starting with '{', not %q", r)
		}
		return apperr.New(apperr.Invalid, "body must be a JSON object, not %s", kind)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apperr.New(apperr.Invalid, "%s", describeJSONError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.New(apperr.Invalid, "malformed JSON: unexpected data after the object")
	}
	if err := strictjson.CheckKeys(body, v); err != nil {
		return apperr.New(apperr.Invalid, "%s", err)
	}
	return nil
}

func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("field %q must be %s, not %s", typ.Field, typ.Type, typ.Value)
		}
		return fmt.Sprintf("body must be a JSON object, not %s", typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed JSON: unexpected end of input"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	default:
		return "malformed JSON: " + err.Error()
	}
}
