package web_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentarena/arena/web"
)

type plEvent struct {
	Seq  uint64          `json:"seq"`
	Type string          `json:"type"`
	Turn uint64          `json:"turn"`
	Move json.RawMessage `json:"move"`
}

// collect reads event frames until the contest's settled event.
func collect(t *testing.T, c *plConn, max int) []plEvent {
	t.Helper()
	var out []plEvent
	deadline := time.After(20 * time.Second)
	for len(out) < max {
		select {
		case f, ok := <-c.frames:
			if !ok {
				t.Fatalf("stream closed after %d events: %v", len(out), <-c.err)
			}
			if f.Type != "event" {
				continue
			}
			var fr struct {
				Event plEvent `json:"event"`
			}
			f.decode(t, &fr)
			out = append(out, fr.Event)
			if fr.Event.Type == "settled" {
				return out
			}
		case <-deadline:
			t.Fatalf("stream stalled after %d events", len(out))
		}
	}
	return out
}

func leaderIndex(nodes []*plNode) (leader, follower int) {
	leader = -1
	for i, n := range nodes {
		if n.node.IsLeader() {
			leader = i
		}
	}
	return leader, (leader + 1) % len(nodes)
}

func TestSpectatorsOnFollowerAndLeaderSeeTheSameEvents(t *testing.T) {
	_, nodes := plCluster(t, 3, plOptions{})
	li, fi := leaderIndex(nodes)
	leader, follower := nodes[li].url, nodes[fi].url
	ids := plAgents(t, leader, "alpha", "beta")
	a := plDial(t, leader+"/v1/agents/connect", ids[0].agentKey)
	b := plDial(t, leader+"/v1/agents/connect", ids[1].agentKey)
	contest, _ := plStart(t, a, b)

	onLeader := plDial(t, leader+"/v1/contests/"+contest+"/stream?since=0", "")
	onFollower := plDial(t, follower+"/v1/contests/"+contest+"/stream?since=0&consistency=linearizable", "")
	partial := plDial(t, follower+"/v1/contests/"+contest+"/stream?since=0&consistency=linearizable", "")
	ended := make(chan plEnd, 2)
	autoplay(t, a, drawLine, ended)
	autoplay(t, b, drawLine, ended)

	got := collect(t, onLeader, 1000)
	moves := 0
	for _, e := range got {
		if e.Type == "move" {
			moves++
		}
	}
	leaderMoved := false
	for range 2 {
		switch e := waitEnd(t, ended); {
		case e.Status != plDisconnected:
		case strings.Contains(e.Reason, "no longer the leader"):
			// Under load the leader can move mid-game and disconnect its
			// agents; the contest then ends on the new leader without
			// their moves (by forfeit). Every spectator must still see
			// the same sequence.
			leaderMoved = true
			t.Logf("the leader moved during the game (%s): %d of %d moves played", e.Reason, moves, len(drawLine))
		default:
			t.Fatalf("an agent's play ended without contest_end: %s", e.Reason)
		}
	}
	if got[0].Type != "created" || got[len(got)-1].Type != "settled" {
		t.Fatalf("leader stream %v, want created first and settled last", got)
	}
	if !leaderMoved && (moves != len(drawLine) || len(got) != moves+2) {
		t.Fatalf("leader stream has %d events with %d moves, want created + %d moves + settled", len(got), moves, len(drawLine))
	}
	t.Run("a spectator on a follower sees the same sequence", func(t *testing.T) {
		fromFollower := collect(t, onFollower, 1000)
		if fmt.Sprint(fromFollower) != fmt.Sprint(got) {
			t.Fatalf("follower stream differs:\n%v\n%v", fromFollower, got)
		}
	})
	t.Run("a spectator reconnecting with since gets exactly the missed events", func(t *testing.T) {
		first := collect(t, partial, 10)
		partial.conn.Close()
		again := plDial(t, follower+"/v1/contests/"+contest+fmt.Sprintf("/stream?since=%d", first[len(first)-1].Seq), "")
		rest := collect(t, again, 1000)
		if fmt.Sprint(append(first, rest...)) != fmt.Sprint(got) {
			t.Fatalf("first %d + resumed %d events differ from the full stream", len(first), len(rest))
		}
	})
	t.Run("a spectator without since gets the full state first", func(t *testing.T) {
		s := plDial(t, follower+"/v1/contests/"+contest+"/stream", "")
		var st struct {
			Seq  uint64 `json:"seq"`
			View struct {
				Moves int `json:"moves"`
			} `json:"view"`
		}
		s.expect("state", 5*time.Second).decode(t, &st)
		if st.Seq != got[len(got)-1].Seq || st.View.Moves != moves {
			t.Fatalf("state frame %+v", st)
		}
	})
}

// smallBuffers shrinks the kernel socket buffers of accepted connections,
// so a client that stops reading blocks the server's writes quickly.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(2048)
	}
	return c, err
}

func TestASpectatorThatNeverReadsIsDropped(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{
		web:      func(c *web.Config) { c.StreamBuffer = 4; c.WriteTimeout = 300 * time.Millisecond },
		listener: func(l net.Listener) net.Listener { return smallBuffers{l} },
	})
	base := nodes[0].url
	duel := map[string]any{"game": "prompt", "seats": 2, "move_deadline_ms": 30000, "judges": []string{"rubric"}, "rewards": []int{100}}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/duel", "arop_testoperatortoken000000000000000", duel, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "alpha", "beta")
	a := plDial(t, base+"/v1/agents/connect", ids[0].agentKey)
	b := plDial(t, base+"/v1/agents/connect", ids[1].agentKey)
	for _, c := range []*plConn{a, b} {
		c.send(map[string]string{"type": "queue", "arena": "duel"})
	}
	var start struct {
		Contest string `json:"contest"`
	}
	a.expect("contest_start", 5*time.Second).decode(t, &start)
	b.expect("contest_start", 5*time.Second)

	// The silent spectator reads nothing, into a tiny socket buffer.
	d := websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
		c, err := net.Dial(network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetReadBuffer(2048)
		}
		return c, err
	}}
	silent, _, err := d.Dial("ws"+base[4:]+"/v1/contests/"+start.Contest+"/stream?since=0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	reader := plDial(t, base+"/v1/contests/"+start.Contest+"/stream?since=0", "")

	// Each agent streams its answer in many small chunks: hundreds of events.
	const chunks = 150
	for _, c := range []*plConn{a, b} {
		for i := 0; i < chunks; i++ {
			c.send(map[string]string{"type": "chunk", "contest": start.Contest, "text": "word "})
		}
		c.send(map[string]string{"type": "final", "contest": start.Contest})
	}
	// The reading spectator may be dropped too when the machine is busy
	// (its buffer is tiny here); it does what clients are told to do:
	// reconnect with ?since and carry on.
	got := collectResuming(t, reader, base+"/v1/contests/"+start.Contest+"/stream")
	if want := 1 + 2*chunks + 2 + 2; len(got) != want {
		t.Fatalf("reading spectator got %d events, want %d", len(got), want)
	}
	// The silent one was cut off: once it finally reads, what the kernel
	// still held drains and then the connection ends (closed by the server,
	// not by our read deadline), before the settled event.
	silent.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, data, err := silent.ReadMessage()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the silent spectator's stream is still open: %v", err)
			}
			break
		}
		var fr struct {
			Event plEvent `json:"event"`
		}
		_ = json.Unmarshal(data, &fr)
		if fr.Event.Type == "settled" {
			t.Fatal("the silent spectator was kept until the end")
		}
	}
}

// collectResuming reads events until settled, reconnecting with ?since
// whenever the server drops the stream for falling behind.
func collectResuming(t *testing.T, c *plConn, url string) []plEvent {
	t.Helper()
	var out []plEvent
	deadline := time.After(30 * time.Second)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				last := uint64(0)
				if len(out) > 0 {
					last = out[len(out)-1].Seq
				}
				c = plDial(t, fmt.Sprintf("%s?since=%d", url, last), "")
				continue
			}
			if f.Type != "event" {
				continue
			}
			var fr struct {
				Event plEvent `json:"event"`
			}
			f.decode(t, &fr)
			out = append(out, fr.Event)
			if fr.Event.Type == "settled" {
				return out
			}
		case <-deadline:
			t.Fatalf("stream stalled after %d events", len(out))
		}
	}
}
