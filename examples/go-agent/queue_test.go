package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// scripted serves one agent session: it sends hello, then answers each
// queue frame with the next of refusals (an error frame) and, once they
// are used up, with queued; it reports every frame the agent sends.
func scripted(t *testing.T, refusals ...string) (url string, got <-chan string) {
	t.Helper()
	frames := make(chan string, 64)
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"hello","protocol":1,"agent_id":"ag_1","name":"a","node":"n1","contests":[],"queued":[]}`))
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			frames <- string(data)
			var f struct{ Type, Arena string }
			json.Unmarshal(data, &f)
			if f.Type != typeQueue {
				continue
			}
			answer := `{"type":"queued","arena":"` + f.Arena + `"}`
			if len(refusals) > 0 {
				answer, refusals = `{"type":"error","code":"`+refusals[0]+`","message":"refused","ref":"queue","arena":"`+f.Arena+`"}`, refusals[1:]
			}
			conn.WriteMessage(websocket.TextMessage, []byte(answer))
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, frames
}

// The agent sat connected and idle for good once a queue was refused: an
// owner whose wallet could not pay the stake, or who mistyped the arena,
// saw one warning and then nothing, and a grant later did not bring it
// back.
func TestARefusedQueue(t *testing.T) {
	defer func(d time.Duration) { queueRetry = d }(queueRetry)
	queueRetry = 10 * time.Millisecond
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	t.Run("is sent again later when the owner's wallet cannot pay the stake", func(t *testing.T) {
		url, got := scripted(t, "insufficient_funds", "rate_limited")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		a := &agent{servers: []string{url}, key: "ara_x", arena: "connect4", log: quiet}
		go a.run(ctx)
		for i := range 3 {
			select {
			case f := <-got:
				if f != `{"type":"queue","arena":"connect4"}` {
					t.Fatalf("frame %d: %s, want a queue frame", i, f)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("queue frame %d never came: the agent gave up queueing after a refusal", i)
			}
		}
	})
	t.Run("ends the agent when the arena does not exist", func(t *testing.T) {
		url, _ := scripted(t, "not_found")
		a := &agent{servers: []string{url}, key: "ara_x", arena: "connect44", log: quiet}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := a.run(ctx)
		if !errors.Is(err, errFatal) || !strings.Contains(err.Error(), `arena "connect44" does not exist`) {
			t.Fatalf("run: %v; want it to give up naming the arena", err)
		}
	})
}
