package web_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentarena/arena/web"
)

// TestAFrameOverTheLimitSaysWhy: API.md's limits say a websocket past a
// limit is closed "with the close code below and a reason". The frame
// size close came as 1009 with an empty reason, so an agent's log said
// only "1009" and its author had to find which limit, and how large, in
// the documents; the reason now names the limit, as the frame rate's does.
// The session must still end, and the next connection work.
func TestAFrameOverTheLimitSaysWhy(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{web: func(c *web.Config) { c.Limits.FrameBytes = 1024 }})
	base := nodes[0].url
	ids := plAgents(t, base, "big-talker")
	url := strings.Replace(base, "http://", "ws://", 1) + "/v1/agents/connect"
	h := http.Header{"Authorization": {"Bearer " + ids[0].agentKey}}
	for _, size := range []int{1025, 1 << 20} {
		conn, _, err := websocket.DefaultDialer.Dial(url, h)
		if err != nil {
			t.Fatal(err)
		}
		// Exactly the limit is allowed.
		exact := `{"type":"ping"` + strings.Repeat(" ", 1024-len(`{"type":"ping"}`)) + `}`
		if err := conn.WriteMessage(websocket.TextMessage, []byte(exact)); err != nil {
			t.Fatal(err)
		}
		if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping","x":"`+strings.Repeat("x", size)+`"}`)); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		var types []string
		var ce *websocket.CloseError
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				if !errors.As(err, &ce) {
					t.Fatalf("%d bytes: connection ended without a close frame: %v", size, err)
				}
				break
			}
			types = append(types, string(data))
		}
		conn.Close()
		if len(types) != 2 || !strings.Contains(types[1], `"pong"`) {
			t.Errorf("%d bytes: frames before the close %q, want hello and the pong of the frame of exactly the limit", size, types)
		}
		want := fmt.Sprintf("too_large: a frame may be at most %d bytes", 1024)
		if ce.Code != websocket.CloseMessageTooBig || ce.Text != want {
			t.Errorf("%d bytes: close %d %q, want 1009 %q", size, ce.Code, ce.Text, want)
		}
	}
	// The agent reconnects and plays on.
	c := plDial(t, base+"/v1/agents/connect", ids[0].agentKey)
	c.expect("hello", 5*time.Second)
	c.send(map[string]string{"type": "ping"})
	c.expect("pong", 5*time.Second)
}
