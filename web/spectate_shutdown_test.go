package web_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestSpectatorStreamsSayTheNodeIsStopping: a node that stops (SIGTERM,
// a rolling restart) closed every spectator stream with 1008 and
// "spectator fell behind; reconnect", which the pages put on their banner:
// a spectator on a fast connection was told it was too slow. The streams
// now close with 1001 (going away) and say the node is shutting down,
// still naming the ?since= to resume a contest from.
func TestSpectatorStreamsSayTheNodeIsStopping(t *testing.T) {
	_, nodes := uiCluster(t, 1)
	n := nodes[0]
	id := settledContest(t, n, "connect4")
	ws := strings.Replace(n.url, "http://", "ws://", 1)
	type stream struct {
		path string
		conn *websocket.Conn
		want string
	}
	streams := []*stream{
		{path: "/v1/contests/" + id + "/stream", want: "node shutting down; reconnect with ?since="},
		{path: "/v1/arenas/connect4/live", want: "node shutting down; reconnect"},
	}
	for _, s := range streams {
		conn, _, err := websocket.DefaultDialer.Dial(ws+s.path, nil)
		if err != nil {
			t.Fatalf("dial %s: %v", s.path, err)
		}
		defer conn.Close()
		// The first frame (state or snapshot) says the stream is served.
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, _, err := conn.ReadMessage(); err != nil {
			t.Fatalf("%s: first frame: %v", s.path, err)
		}
		s.conn = conn
	}
	n.stopHTTP()
	for _, s := range streams {
		_ = s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		var ce *websocket.CloseError
		for {
			_, _, err := s.conn.ReadMessage()
			if err == nil {
				continue // an event committed meanwhile
			}
			if !errors.As(err, &ce) {
				t.Fatalf("%s: the stream ended without a close frame: %v", s.path, err)
			}
			break
		}
		if ce.Code != websocket.CloseGoingAway || !strings.HasPrefix(ce.Text, s.want) {
			t.Errorf("%s closed %d %q as its node stopped, want %d %q…", s.path, ce.Code, ce.Text, websocket.CloseGoingAway, s.want)
		}
	}
}
