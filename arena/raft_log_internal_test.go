package arena

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// TestRaftLogQuietsConnectionsClosedHere: raft's transport errors about a
// connection this node closed itself are debug lines, not errors; every
// other error stays an error.
func TestRaftLogQuietsConnectionsClosedHere(t *testing.T) {
	closed := &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed}
	for _, tc := range []struct {
		name  string
		args  []any
		shown bool
	}{
		{"a read on a connection closed here", []any{"error", closed}, false},
		{"the same, wrapped", []any{"peer", "n2", "error", fmt.Errorf("append: %w", closed)}, false},
		// Logged at ERROR on every clean stop of a leader (seen by an
		// operator's rolling restart, 7 December 2026).
		{"a request cut by this node's own transport shutdown", []any{"error", raft.ErrTransportShutdown}, false},
		{"a connection the peer reset", []any{"error", errors.New("read tcp: connection reset by peer")}, true},
		{"an error without an error value", []any{"error", "use of closed network connection"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			hl := newHCLog(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), hclog.Warn)
			hl.Error("failed to decode incoming command", tc.args...)
			if got := strings.Contains(buf.String(), "level=ERROR"); got != tc.shown {
				t.Fatalf("logged as an error: %v, want %v:\n%s", got, tc.shown, buf.String())
			}
		})
	}
}
