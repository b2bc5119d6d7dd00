package web_test

import (
	"encoding/binary"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestAFrameLengthPastInt64IsTooLarge: a frame header may declare a
// 64-bit length, which RFC 6455 caps at 2^63-1 (the top bit must be 0).
// A header with the top bit set closed the session with 1000 and no
// reason, as if the agent had said goodbye, so a broken client was told
// all was well. It is a frame over any size limit: the close is
// PROTOCOL.md's 1009 too_large, as for any other frame too big to read.
func TestAFrameLengthPastInt64IsTooLarge(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	ids := plAgents(t, base, "huge-header")
	url := strings.Replace(base, "http://", "ws://", 1) + "/v1/agents/connect"
	conn, _, err := websocket.DefaultDialer.Dial(url, http.Header{"Authorization": {"Bearer " + ids[0].agentKey}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A final text frame, masked, with the 64-bit length 2^63 and a zero
	// mask key, written past the library (which would not send it).
	header := binary.BigEndian.AppendUint64([]byte{0x80 | websocket.TextMessage, 0x80 | 127}, 1<<63)
	if _, err := conn.UnderlyingConn().Write(append(header, 0, 0, 0, 0)); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var ce *websocket.CloseError
	for {
		_, _, err := conn.ReadMessage()
		if err == nil {
			continue // hello
		}
		if !errors.As(err, &ce) {
			t.Fatalf("the session ended without a close frame: %v", err)
		}
		break
	}
	if ce.Code != websocket.CloseMessageTooBig || !strings.HasPrefix(ce.Text, "too_large: ") {
		t.Errorf("close %d %q, want 1009 too_large (PROTOCOL.md)", ce.Code, ce.Text)
	}
}
