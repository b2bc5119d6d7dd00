package web

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// TestReadEndClose: a session whose peer fell silent is closed 1001 with
// the reason; any other end of the read is a normal close.
func TestReadEndClose(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		code   int
		reason string
	}{
		{"a read deadline passed", os.ErrDeadlineExceeded, websocket.CloseGoingAway, "idle: no pong to the server's pings (every 54s) for 1m0s"},
		{"a wrapped deadline", errors.Join(errors.New("read tcp"), os.ErrDeadlineExceeded), websocket.CloseGoingAway, "idle:"},
		{"the peer closed", &websocket.CloseError{Code: websocket.CloseNormalClosure}, websocket.CloseNormalClosure, ""},
		{"the connection dropped", io.ErrUnexpectedEOF, websocket.CloseNormalClosure, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, reason := readEndClose(tc.err)
			if code != tc.code || !strings.HasPrefix(reason, tc.reason) || (tc.reason == "" && reason != "") || len(reason) > 123 {
				t.Fatalf("got %d %q, want %d %q", code, reason, tc.code, tc.reason)
			}
		})
	}
}
