// Package pythonwsagent_test runs agent.py against a scripted arena that
// writes its frames byte by byte, to reach the parts of the agent's
// RFC 6455 client that a short game against a real node does not: a
// message in fragments with a ping between them, 16- and 64-bit lengths,
// a close from the server, a handshake with a wrong Sec-WebSocket-Accept,
// a dead node and a 421 redirect; the answers it builds for the real
// prompt and verifiable games; and a refused key, which it must not retry.
// (examples/examples_test.go plays the agent against a real node.)
package pythonwsagent_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/games/verifiable"
)

const key = "ara_codec0test0key"

// lockedBuffer collects the agent's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// frame encodes one unmasked server frame with the shortest length form,
// as RFC 6455 section 5.2 lays it out.
func frame(fin bool, opcode byte, payload []byte) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	out := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		out = append(out, byte(n))
	case n < 1<<16:
		out = append(out, 126)
		out = binary.BigEndian.AppendUint16(out, uint16(n))
	default:
		out = append(out, 127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	return append(out, payload...)
}

// session is one accepted agent connection: raw writes, gorilla reads
// (which also refuse an unmasked client frame).
type session struct {
	t     *testing.T
	conn  *websocket.Conn
	pongs chan string
}

func (s *session) write(frames ...[]byte) {
	s.t.Helper()
	if _, err := s.conn.UnderlyingConn().Write(bytes.Join(frames, nil)); err != nil {
		s.t.Fatal(err)
	}
}

func (s *session) json(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

// read returns the agent's next text frame, decoded.
func (s *session) read() map[string]any {
	s.t.Helper()
	_ = s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	mt, data, err := s.conn.ReadMessage()
	if err != nil {
		s.t.Fatalf("reading the agent's frame: %v", err)
	}
	var m map[string]any
	if mt != websocket.TextMessage || json.Unmarshal(data, &m) != nil {
		s.t.Fatalf("the agent sent %d %q, want one JSON object in a text frame", mt, data)
	}
	return m
}

func (s *session) pong() string {
	s.t.Helper()
	select {
	case p := <-s.pongs:
		return p
	default:
		s.t.Fatal("the agent did not answer the ping before its next frame")
		return ""
	}
}

func TestAgentFrameCodec(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: the Python websocket agent is not run")
	}

	// The arena: every upgrade becomes a session for the test to script.
	sessions := make(chan *session, 4)
	arena := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/agents/connect" || r.Header.Get("Authorization") != "Bearer "+key {
			http.Error(w, `{"error":{"code":"unauthorized"}}`, http.StatusUnauthorized)
			return
		}
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil) // checks the agent's handshake
		if err != nil {
			return
		}
		s := &session{t: t, conn: conn, pongs: make(chan string, 4)}
		conn.SetPongHandler(func(p string) error { s.pongs <- p; return nil })
		sessions <- s
	}))
	defer arena.Close()
	// A follower: it names the leader, as PROTOCOL.md's 421 does.
	var redirected atomic.Int32
	follower := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirected.Add(1)
		w.Header().Set("X-Arena-Leader", arena.URL)
		w.WriteHeader(http.StatusMisdirectedRequest)
		_, _ = io.WriteString(w, `{"error":{"code":"not_leader","message":"agents connect to the leader"}}`)
	}))
	defer follower.Close()
	// Not a websocket server: it answers 101 with the wrong accept value
	// and a hello the agent must not believe (it must not queue).
	impostor, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer impostor.Close()
	impostorGot := make(chan string, 1)
	go func() {
		c, err := impostor.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 4096)
		n, _ := c.Read(buf)
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
		_, _ = c.Write(frame(true, websocket.TextMessage, []byte(`{"type":"hello","protocol":1}`)))
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		after, _ := io.ReadAll(c) // what the agent sent after the handshake: nothing
		if !strings.HasPrefix(string(buf[:n]), "GET /v1/agents/connect HTTP/1.1\r\n") {
			after = append([]byte("bad request: "), buf[:n]...)
		}
		impostorGot <- string(after)
	}()
	// A dead node: nothing listens there any more.
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead.Close()

	// The agent tries them in order, one per attempt: impostor, dead
	// node, follower (which redirects to the arena), then the arena.
	servers := []string{"http://" + impostor.Addr().String(), "http://" + dead.Addr().String(), follower.URL, arena.URL}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-u", "agent.py", "--server", strings.Join(servers, ","), "--key", key, "--queue-retry", "0.05")
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() || testing.Verbose() {
			t.Logf("agent.py output:\n%s", out.String())
		}
	}()
	next := func() *session {
		t.Helper()
		select {
		case s := <-sessions:
			return s
		case <-ctx.Done():
			t.Fatal("the agent did not connect to the arena")
			return nil
		}
	}

	s := next()
	defer s.conn.Close()
	if got := <-impostorGot; got != "" {
		t.Errorf("after a handshake with a wrong Sec-WebSocket-Accept the agent sent %q, want nothing", got)
	}
	if redirected.Load() != 1 {
		t.Errorf("the follower was dialled %d times before the session, want 1", redirected.Load())
	}

	t.Run("a fragmented hello with a ping between its parts", func(t *testing.T) {
		s.t = t
		hello := `{"type":"hello","protocol":1,"agent_id":"ag_codec","name":"codec","node":"node1","contests":[]}`
		s.write(frame(false, websocket.TextMessage, []byte(hello[:20])),
			frame(true, websocket.PingMessage, []byte("are-you-there")),
			frame(false, 0, []byte(hello[20:50])),
			frame(true, 0, []byte(hello[50:])))
		q := s.read()
		if q["type"] != "queue" || q["arena"] != "connect4" || len(q) != 2 {
			t.Errorf("after hello the agent sent %v, want {type: queue, arena: connect4}", q)
		}
		if p := s.pong(); p != "are-you-there" {
			t.Errorf("pong payload %q, want the ping's", p)
		}
	})

	t.Run("a turn with a 16-bit length", func(t *testing.T) {
		s.t = t
		// PROTOCOL.md's connect4 view: seat 1 has three in column 3.
		turn := `{"type":"turn","contest":"c_codec","seq":7,"seat":0,"deadline":"2026-11-30T04:44:03Z","deadline_ms":4979,
 "view":{"game":"connect4","board":[[-1,-1,-1,-1,-1,-1,-1],[-1,-1,-1,-1,-1,-1,-1],[-1,-1,-1,-1,-1,-1,-1],
 [-1,-1,-1,1,-1,-1,-1],[-1,0,-1,1,-1,-1,-1],[0,0,-1,1,-1,0,-1]],
 "you":0,"to_move":0,"legal":[0,1,2,3,4,5,6],"moves":7,"last_move":3,"winner":-1,"winning_cells":[]}}`
		if n := len(turn); n < 126 || n >= 1<<16 {
			t.Fatalf("the turn is %d bytes, not a 16-bit length", n)
		}
		s.write(frame(true, websocket.TextMessage, []byte(turn)))
		m := s.read()
		if m["type"] != "move" || m["contest"] != "c_codec" || m["seq"] != 7.0 || m["move"] != 3.0 || len(m) != 4 {
			t.Errorf("the agent answered %v, want the move 3 (the block) quoting seq 7", m)
		}
	})

	t.Run("a verifiable turn with a 64-bit length", func(t *testing.T) {
		s.t = t
		text := "How many boxes are there?\n" + strings.Repeat("Padding to pass 64 KiB. ", 3000) +
			"\nAnswer format: end your reply with one line that starts with \"ANSWER:\" followed by a bare integer, " +
			"digits only with an optional leading minus (no units, no separators), e.g. ANSWER: 42. " +
			"Anything before that line is ignored; nothing may follow the value."
		turn := s.json(map[string]any{"type": "turn", "contest": "c_big", "seq": 0, "seat": 1, "deadline_ms": 30000,
			"view": map[string]any{"game": "verifiable", "prompt_id": "arithmetic-1-1", "prompt": text,
				"task": map[string]any{"id": "arithmetic-1-1", "family": "arithmetic", "level": 1, "text": text,
					"data": map[string]any{}, "answer_kind": "integer"},
				"max_answer_bytes": 4096, "you": 1, "final": false, "answer": ""}})
		if len(turn) < 1<<16 {
			t.Fatalf("the turn is %d bytes, not a 64-bit length", len(turn))
		}
		s.write(frame(true, websocket.TextMessage, turn))
		m := s.read()
		answer, _ := m["text"].(string)
		if m["type"] != "final" || m["contest"] != "c_big" || len(m) != 3 || !strings.HasSuffix(answer, "\nANSWER: 42") {
			t.Errorf("the agent answered %v, want a final frame in the task's format (its example, \"ANSWER: 42\")", m)
		}
	})

	t.Run("contest_end and error frames are printed, and it queues again", func(t *testing.T) {
		s.t = t
		s.write(frame(true, websocket.TextMessage, []byte(`{"type":"error","code":"stale_turn","message":"move answers turn 1 but the contest is at turn 2","ref":"move"}`)),
			frame(true, websocket.TextMessage, []byte(`{"type":"contest_end","contest":"c_codec","status":"settled","reason":"four in a row","ranks":[0,1],"rank":0,"rating_delta":14.97,"payout":200}`)))
		if q := s.read(); q["type"] != "queue" || q["arena"] != "connect4" {
			t.Errorf("after contest_end the agent sent %v, want a queue frame", q)
		}
		// The output reaches the buffer through a pipe: give it a moment.
		for _, want := range []string{"error frame: stale_turn", "contest c_codec settled: won (four in a row)"} {
			for start := time.Now(); !strings.Contains(out.String(), want); time.Sleep(20 * time.Millisecond) {
				if time.Since(start) > 5*time.Second {
					t.Errorf("the agent's output lacks %q", want)
					break
				}
			}
		}
	})

	t.Run("prompt and verifiable views of the real games get a valid final answer", func(t *testing.T) {
		s.t = t
		var states []games.State
		for seed := range uint64(3) {
			st, err := prompt.New(prompt.DefaultSet()).Start(games.Setup{Seats: 2, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			states = append(states, st)
		}
		for _, family := range verifiable.Families() {
			for level := 1; level <= verifiable.MaxLevel; level++ {
				opts, _ := json.Marshal(verifiable.Options{Families: []string{family}, Levels: []int{level}})
				st, err := verifiable.New().Start(games.Setup{Seats: 2, Seed: uint64(level), Options: opts})
				if err != nil {
					t.Fatal(err)
				}
				states = append(states, st)
			}
		}
		for i, st := range states {
			view := s.json(st.View(1))
			var id struct {
				PromptID string `json:"prompt_id"`
			}
			_ = json.Unmarshal(view, &id)
			s.write(frame(true, websocket.TextMessage, s.json(map[string]any{"type": "turn", "contest": "c_text",
				"seq": i, "seat": 1, "deadline_ms": 30000, "view": json.RawMessage(view)})))
			m := s.read()
			text, _ := m["text"].(string)
			if m["type"] != "final" || m["contest"] != "c_text" || len(m) != 3 {
				t.Fatalf("the agent answered %s with %v, want a final frame", id.PromptID, m)
			}
			if err := st.Apply(1, s.json(map[string]any{"text": text, "final": true})); err != nil {
				t.Errorf("the answer %q to %s is refused: %v", text, id.PromptID, err)
			}
			if v, ok := st.(*verifiable.State); ok && v.Results()[1].FormatError != "" {
				t.Errorf("the answer %q to %s is a format error: %s", text, id.PromptID, v.Results()[1].FormatError)
			}
		}
	})

	// It sat connected and idle for good after a refused queue: an owner
	// whose wallet could not pay the stake saw one line, and a grant
	// later did not bring the agent back.
	t.Run("a queue refused for want of funds is sent again later", func(t *testing.T) {
		s.t = t
		s.write(frame(true, websocket.TextMessage, []byte(`{"type":"error","code":"insufficient_funds","message":"owner ow_1 has 0.50 ARC","ref":"queue","arena":"connect4"}`)))
		if q := s.read(); q["type"] != "queue" || q["arena"] != "connect4" {
			t.Errorf("after the refusal the agent sent %v, want the queue frame again", q)
		}
		s.write(frame(true, websocket.TextMessage, []byte(`{"type":"error","code":"conflict","message":"agent already plays 1 contest(s)","ref":"queue","arena":"connect4"}`)),
			frame(true, websocket.TextMessage, []byte(`{"type":"contest_end","contest":"c_q","status":"settled","reason":"draw","ranks":[0,0],"rank":0,"rating_delta":0,"payout":100}`)))
		// A conflict is not retried: the next frame is contest_end's queue
		// (and the next subtest reads the close echo, not a stray queue).
		if q := s.read(); q["type"] != "queue" {
			t.Errorf("after contest_end the agent sent %v, want a queue frame", q)
		}
	})

	t.Run("a close is answered, then it reconnects", func(t *testing.T) {
		s.t = t
		reason := "this node is no longer the leader; reconnect"
		s.write(frame(true, websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, reason)))
		_ = s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, _, err := s.conn.ReadMessage()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
			t.Errorf("after the server's close the agent sent %v, want its close frame echoing 1001", err)
		}
		s2 := next()
		defer s2.conn.Close()
		s2.t = t
		s2.write(frame(true, websocket.TextMessage, []byte(`{"type":"hello","protocol":1,"agent_id":"ag_codec","contests":[]}`)))
		if q := s2.read(); q["type"] != "queue" {
			t.Errorf("after reconnecting the agent sent %v, want a queue frame", q)
		}
	})
}

// A mistyped arena name is refused not_found on every queue: the agent
// says so and exits rather than wait connected and idle.
func TestAgentStopsForAnArenaThatDoesNotExist(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: the Python websocket agent is not run")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		_ = conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"hello","protocol":1,"agent_id":"ag_1","contests":[],"queued":[]}`))
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
			_ = conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"error","code":"not_found","message":"arena connect44 not found","ref":"queue","arena":"connect44"}`))
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "agent.py", "--server", srv.URL, "--key", key, "--arena", "connect44").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "arena 'connect44' does not exist") {
		t.Errorf("agent.py queueing in an unknown arena: %v, output %q; want exit status 1 naming the arena", err, out)
	}
}

// TestAgentStopsOnARefusedKey: 401 and 403 are not retried (PROTOCOL.md,
// "Connecting"); the agent exits saying why.
func TestAgentStopsOnARefusedKey(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: the Python websocket agent is not run")
	}
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":{"code":"unauthorized","message":"unknown agent key"}}`)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "agent.py", "--server", srv.URL, "--key", "ara_wrong").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "unknown agent key") {
		t.Errorf("agent.py with a refused key: %v, output %q; want exit status 1 quoting the server's message", err, out)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("the agent dialled %d times, want 1: a refused key is not retried", n)
	}
}

// While a refused queue waits to be sent again, the agent waits for the
// next frame with select, which sees only the socket: behind TLS the
// socket may already hold decrypted bytes (pending), and a turn there
// would wait out the retry delay. ready counts them.
func TestReadyCountsBytesTLSHolds(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: the Python websocket agent is not run")
	}
	const script = `
import sys, time
sys.path.insert(0, ".")
import agent
class TLSHoldingBytes:  # select cannot wait on this: it has no fileno
    def pending(self):
        return 5
ws = agent.WebSocket(TLSHoldingBytes(), b"")
start = time.monotonic()
print(ws.ready(5), round(time.monotonic() - start))
`
	out, err := exec.Command(python, "-c", script).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "True 0" {
		t.Errorf("ready on a TLS socket holding bytes: %v, output %q; want True at once", err, out)
	}
}
