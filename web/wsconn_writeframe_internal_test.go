package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentarena/arena/agents/protocol"
)

// TestWriteFrameSendsWhatWriteJSONSent: writeFrame encodes into a pooled
// buffer instead of gorilla's WriteJSON; an agent must read the same bytes
// (json.Encoder's, HTML escaped, with the trailing newline), frames larger
// than the connection's write buffer included, and a frame written after
// a large one must not carry any of its bytes. A value that cannot be
// encoded is an error and sends nothing.
func TestWriteFrameSendsWhatWriteJSONSent(t *testing.T) {
	seq := uint64(7)
	frames := []struct {
		name  string
		frame any
	}{
		{"an ack", protocol.Ack{Type: protocol.TypeAck, Ref: protocol.TypeMove, Contest: "c_1", Seq: seq}},
		{"html and unicode", protocol.Error{Type: protocol.TypeError, Code: "bad_frame", Message: "<b>&</b> \u2028 é 😀"}},
		{"larger than the write buffer", protocol.Error{Type: protocol.TypeError, Code: "x", Message: strings.Repeat("abc<", 40000)}},
		{"small after large", map[string]any{"type": "pong"}},
		{"null", nil},
	}
	type result struct {
		got, want []byte
		err       error
	}
	results := make(chan result, 2*len(frames)+1)
	up := websocket.Upgrader{WriteBufferSize: 1024}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for _, f := range frames {
			if err := conn.WriteJSON(f.frame); err != nil {
				results <- result{err: err}
				return
			}
			if err := writeFrame(conn, f.frame); err != nil {
				results <- result{err: err}
				return
			}
		}
		// An unencodable frame: an error, and nothing on the wire.
		if err := writeFrame(conn, map[string]any{"bad": make(chan int)}); err == nil {
			results <- result{err: errUnexpected("an unencodable frame was written")}
			return
		}
		conn.WriteMessage(websocket.TextMessage, []byte("end"))
	}))
	defer srv.Close()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	read := func() []byte {
		t.Helper()
		select {
		case r := <-results:
			t.Fatalf("server: %v", r.err)
		default:
		}
		mt, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if mt != websocket.TextMessage {
			t.Fatalf("message type %d, want text", mt)
		}
		return data
	}
	for _, f := range frames {
		want, got := read(), read()
		if !bytes.Equal(got, want) {
			t.Errorf("%s: writeFrame sent %d bytes %.80q, WriteJSON %d bytes %.80q", f.name, len(got), got, len(want), want)
		}
	}
	if end := read(); string(end) != "end" {
		t.Errorf("after the unencodable frame the agent read %.80q, want the next message", end)
	}
}

type errUnexpected string

func (e errUnexpected) Error() string { return string(e) }

// BenchmarkWriteFrame: an agent's ack and turn frames written with
// gorilla's WriteJSON and with writeFrame, to a loopback peer that
// discards them (-benchmem: the allocations per frame are the server's
// and the reading peer's together; the peer's are the same in both).
func BenchmarkWriteFrame(b *testing.B) {
	seq := uint64(12)
	view := json.RawMessage(`{"board":[[0,0,0,0,0,0,0],[0,0,0,0,0,0,0],[0,0,0,0,0,0,0],[0,0,0,1,0,0,0],[0,0,0,2,0,0,0],[0,0,1,2,1,0,0]],"you":1,"to_move":1}`)
	frames := []any{
		protocol.Ack{Type: protocol.TypeAck, Ref: protocol.TypeMove, Contest: "c_18000000000000000abcdef01", Seq: seq},
		protocol.Turn{Type: protocol.TypeTurn, Contest: "c_18000000000000000abcdef01", Seq: seq, Seat: 1, Deadline: time.Unix(1_700_000_000, 0).UTC(), DeadlineMS: 30000, View: view},
	}
	for _, w := range []struct {
		name  string
		write func(*websocket.Conn, any) error
	}{
		{"WriteJSON", func(c *websocket.Conn, f any) error { return c.WriteJSON(f) }},
		{"writeFrame", writeFrame},
	} {
		b.Run(w.name, func(b *testing.B) {
			var pool sync.Pool
			up := websocket.Upgrader{WriteBufferPool: &pool}
			done := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				conn, err := up.Upgrade(rw, r, nil)
				if err != nil {
					return
				}
				defer conn.Close()
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := w.write(conn, frames[i%len(frames)]); err != nil {
						b.Error(err)
						break
					}
				}
				b.StopTimer()
				conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
				close(done)
			}))
			defer srv.Close()
			conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			go func() {
				for {
					_, r, err := conn.NextReader()
					if err != nil {
						return
					}
					io.Copy(io.Discard, r)
				}
			}()
			<-done
		})
	}
}
