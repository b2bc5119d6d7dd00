// Package conformance_test plays a scripted websocket agent against a real
// node and holds the server to docs/PROTOCOL.md: each frame gets the
// answer the document promises, and every error code and close code the
// server uses is one of the document's tables. It was written from the
// document alone, as an agent author would, so a server that drifts from
// it (a new code, a renamed one) fails here before an author meets it.
package conformance_test

import (
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/client/clienttest"
	"github.com/agentarena/arena/web"
)

// wait bounds every read; generous, since the suite runs on loaded
// machines. No assertion depends on how long anything takes.
const wait = 20 * time.Second

// docTables reads the codes of PROTOCOL.md's Errors table (`code` in the
// first column) and the numeric codes of its close-code table.
func docTables(t *testing.T) (errorCodes, closeCodes map[string]bool) {
	t.Helper()
	b, err := os.ReadFile("../../docs/PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	section := func(heading string) string {
		i := strings.Index(doc, heading+"\n")
		if i < 0 {
			t.Fatalf("PROTOCOL.md has no %q section", heading)
		}
		rest := doc[i+len(heading):]
		if j := strings.Index(rest, "\n#"); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	errorCodes, closeCodes = map[string]bool{}, map[string]bool{}
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+)`(?:, `([a-z_]+)`)? \\|")
	for _, m := range row.FindAllStringSubmatch(section("## Errors"), -1) {
		errorCodes[m[1]] = true
		if m[2] != "" {
			errorCodes[m[2]] = true
		}
	}
	for _, m := range regexp.MustCompile(`(?m)^\| \*\*(\d{4})\*\*`).FindAllStringSubmatch(section("### Close codes"), -1) {
		closeCodes[m[1]] = true
	}
	if len(errorCodes) < 10 || len(closeCodes) < 4 {
		t.Fatalf("read %d error codes and %d close codes from PROTOCOL.md; its tables changed shape", len(errorCodes), len(closeCodes))
	}
	return errorCodes, closeCodes
}

// node starts one real node with its contest runner and no bots, so that
// only this test's agents are matched.
func node(t *testing.T) string {
	t.Helper()
	c := arenatest.NewCluster(t, 1)
	r := runner.New(runner.Config{Node: c.Nodes[0], Tick: 20 * time.Millisecond, SeedDefaults: true})
	url := clienttest.ServeWithRunner(t, r, web.Config{Node: c.Nodes[0]})
	c.Eventually(10*time.Second, func() error {
		_, err := c.Nodes[0].Arena("connect4")
		return err
	})
	return url
}

// frame is any frame from the server.
type frame map[string]any

func (f frame) str(k string) string { s, _ := f[k].(string); return s }
func (f frame) num(k string) int    { n, _ := f[k].(float64); return int(n) }

// agent is one scripted session. It records the code of every error frame
// it reads, for the check against the document's Errors table.
type agent struct {
	t    *testing.T
	base string // the node's base URL
	name string
	key  string
	conn *websocket.Conn
	// held keeps frames read while waiting for another kind.
	held  []frame
	codes *[]string
}

func (a *agent) dial() {
	a.t.Helper()
	u := "ws" + strings.TrimPrefix(a.base, "http") + "/v1/agents/connect"
	conn, resp, err := websocket.DefaultDialer.Dial(u, http.Header{"Authorization": {"Bearer " + a.key}})
	if err != nil {
		a.t.Fatalf("%s: dial: %v (%v)", a.name, err, resp)
	}
	a.conn, a.held = conn, nil
	if f := a.next("hello"); f.num("protocol") != 1 {
		a.t.Fatalf("%s: hello %v, want protocol 1", a.name, f)
	}
}

func (a *agent) send(v any) {
	a.t.Helper()
	var err error
	if s, ok := v.(string); ok {
		err = a.conn.WriteMessage(websocket.TextMessage, []byte(s))
	} else {
		err = a.conn.WriteJSON(v)
	}
	if err != nil {
		a.t.Fatalf("%s: send: %v", a.name, err)
	}
}

// read returns the next frame, held ones first.
func (a *agent) read() frame {
	a.t.Helper()
	if len(a.held) > 0 {
		f := a.held[0]
		a.held = a.held[1:]
		return f
	}
	a.conn.SetReadDeadline(time.Now().Add(wait))
	var f frame
	if err := a.conn.ReadJSON(&f); err != nil {
		a.t.Fatalf("%s: read: %v", a.name, err)
	}
	if f.str("type") == "error" {
		*a.codes = append(*a.codes, f.str("code"))
	}
	return f
}

// next returns the next frame of one of the given types, holding others.
func (a *agent) next(types ...string) frame {
	a.t.Helper()
	var skipped []frame
	defer func() { a.held = append(skipped, a.held...) }()
	for i := 0; i < 1000; i++ {
		f := a.read()
		for _, typ := range types {
			if f.str("type") == typ {
				return f
			}
		}
		skipped = append(skipped, f)
	}
	a.t.Fatalf("%s: no %v frame", a.name, types)
	return nil
}

// answer sends a frame and returns the frame that answers it (ack, error,
// queued, unqueued or pong); turns and contest frames meanwhile are held.
func (a *agent) answer(v any) frame {
	a.t.Helper()
	a.send(v)
	return a.next("ack", "error", "queued", "unqueued", "pong")
}

// closed reads until the server closes the session and returns the close.
func (a *agent) closed() *websocket.CloseError {
	a.t.Helper()
	a.conn.SetReadDeadline(time.Now().Add(wait))
	for {
		if _, _, err := a.conn.ReadMessage(); err != nil {
			ce, ok := err.(*websocket.CloseError)
			if !ok {
				a.t.Fatalf("%s: the session ended with %v, not a close frame", a.name, err)
			}
			return ce
		}
	}
}

func TestServerAnswersAsProtocolMDSays(t *testing.T) {
	errorCodes, closeCodes := docTables(t)
	baseURL := node(t)
	for _, ar := range []struct {
		name string
		body map[string]any
	}{
		// Deadlines and grace far beyond the test: nothing times out.
		{"cf-c4", map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 600000, "grace_ms": 600000}},
		{"cf-prompt", map[string]any{"game": "prompt", "seats": 2, "move_deadline_ms": 600000, "grace_ms": 600000,
			"options": map[string]any{"max_answer_bytes": 16}}},
		{"cf-rich", map[string]any{"game": "connect4", "seats": 2, "stake": int64(1) << 50}},
		{"cf-one", map[string]any{"game": "connect4", "seats": 2, "max_queued_per_owner": 1}},
	} {
		clienttest.JSON(t, "PUT", baseURL+"/v1/arenas/"+ar.name, arenatest.OperatorToken, ar.body, nil)
	}
	var owner struct {
		APIKey string `json:"api_key"`
	}
	clienttest.JSON(t, "POST", baseURL+"/v1/owners", "", map[string]string{"name": "conformance"}, &owner)
	var codes []string
	newAgent := func(name string) *agent {
		var res struct {
			AgentKey string `json:"agent_key"`
		}
		clienttest.JSON(t, "POST", baseURL+"/v1/agents", owner.APIKey, map[string]string{"name": name}, &res)
		a := &agent{t: t, base: baseURL, name: name, key: res.AgentKey, codes: &codes}
		a.dial()
		return a
	}
	a, b, c := newAgent("cf-a"), newAgent("cf-b"), newAgent("cf-c")

	expect := func(who *agent, what string, v any, want string) frame {
		t.Helper()
		f := who.answer(v)
		got := f.str("type")
		if got == "error" {
			got = f.str("code")
		}
		if got != want {
			t.Errorf("%s: got %v, want %s (PROTOCOL.md)", what, f, want)
		}
		return f
	}

	// Frames refused before anything is looked up.
	expect(a, "ping", map[string]string{"type": "ping"}, "pong")
	expect(a, "not JSON", `{"type":`, "bad_frame")
	expect(a, "an unknown field", `{"type":"ping","x":1}`, "bad_frame")
	expect(a, "a field twice", `{"type":"queue","arena":"cf-c4","arena":"cf-c4"}`, "bad_frame")
	expect(a, "a null field", `{"type":"final","contest":"c_1","text":null}`, "bad_frame")
	expect(a, "a move without seq", `{"type":"move","contest":"c_1","move":3}`, "bad_frame")
	expect(a, "half a surrogate pair", `{"type":"chunk","contest":"c_1","text":"\ud83d"}`, "bad_frame")
	expect(a, "an unknown type", `{"type":"dance"}`, "unknown_type")
	expect(a, "an unknown contest", `{"type":"move","contest":"c_nope","seq":0,"move":3}`, "unknown_contest")
	expect(a, "an unknown arena", `{"type":"queue","arena":"nope"}`, "not_found")
	expect(a, "unqueue when not queued", `{"type":"unqueue","arena":"cf-c4"}`, "unqueued")
	expect(a, "a stake the owner cannot pay", `{"type":"queue","arena":"cf-rich"}`, "insufficient_funds")
	expect(a, "queue", `{"type":"queue","arena":"cf-one"}`, "queued")
	expect(b, "a second agent past max_queued_per_owner", `{"type":"queue","arena":"cf-one"}`, "rate_limited")
	expect(a, "unqueue", `{"type":"unqueue","arena":"cf-one"}`, "unqueued")

	// A connect4 contest of a and b.
	expect(a, "queue", `{"type":"queue","arena":"cf-c4"}`, "queued")
	expect(b, "queue", `{"type":"queue","arena":"cf-c4"}`, "queued")
	start := a.next("contest_start")
	contest := start.str("contest")
	first, second := a, b
	if start.num("seat") == 1 {
		first, second = b, a
	}
	turn := first.next("turn")
	if turn.num("seq") != 0 {
		t.Fatalf("seat 0's first turn %v, want seq 0", turn)
	}
	move := func(seq int, m any) map[string]any {
		return map[string]any{"type": "move", "contest": contest, "seq": seq, "move": m}
	}
	expect(a, "queue while seated", `{"type":"queue","arena":"cf-c4"}`, "conflict")
	expect(c, "a move in another's contest", move(0, 3), "not_in_contest")
	expect(second, "a move on the other seat's turn", move(0, 3), "not_your_turn")
	expect(first, `the move "3"`, move(0, "3"), "bad_move")
	expect(first, "column 7", move(0, 7), "illegal_move")
	expect(first, "a seq ahead of the contest", move(2, 3), "stale_turn")
	ack := expect(first, "a legal move", move(0, 3), "ack")
	if ack.num("seq") != 1 || ack.str("ref") != "move" || ack.str("contest") != contest {
		t.Errorf("ack %v, want ref move, the contest and seq 1", ack)
	}
	expect(first, "the same move again", move(0, 3), "stale_turn")
	expect(first, "resign", map[string]string{"type": "resign", "contest": contest}, "ack")
	for _, p := range []*agent{first, second} {
		end := p.next("contest_end")
		if end.str("status") != "settled" || end.str("reason") != "forfeit" {
			t.Errorf("%s: contest_end %v, want settled by forfeit", p.name, end)
		}
	}
	expect(second, "a move once the contest ended", move(1, 3), "game_over")

	// A prompt contest of a and b: answers are capped at 16 bytes.
	expect(a, "queue", `{"type":"queue","arena":"cf-prompt"}`, "queued")
	expect(b, "queue", `{"type":"queue","arena":"cf-prompt"}`, "queued")
	contest = a.next("contest_start").str("contest")
	a.next("turn")
	chunk := func(text string) map[string]string {
		return map[string]string{"type": "chunk", "contest": contest, "text": text}
	}
	expect(a, "a chunk past max_answer_bytes", chunk("seventeen bytes!!"), "too_large")
	expect(a, "a chunk", chunk("short"), "ack")
	expect(a, "final", map[string]string{"type": "final", "contest": contest}, "ack")
	expect(a, "a chunk after final", chunk("more"), "not_your_turn")
	expect(a, "resign after final", map[string]string{"type": "resign", "contest": contest}, "not_your_turn")
	expect(b, "resign", map[string]string{"type": "resign", "contest": contest}, "ack")

	// Closes.
	closes := map[string]int{}
	old := c.conn
	c.dial()
	replaced := &agent{t: t, name: "cf-c (replaced)", conn: old, codes: &codes}
	if ce := replaced.closed(); ce.Code != websocket.CloseGoingAway || ce.Text != "replaced by a newer connection of the same agent" {
		t.Errorf("replaced session: close %d %q, want 1001 and PROTOCOL.md's reason", ce.Code, ce.Text)
	}
	closes["replaced"] = websocket.CloseGoingAway
	c.send(`{"type":"ping","pad":"` + strings.Repeat("x", 70000) + `"}`)
	ce := c.closed()
	if ce.Code != websocket.CloseMessageTooBig || !strings.HasPrefix(ce.Text, "too_large: ") {
		t.Errorf("an oversized frame: close %d %q, want 1009 too_large", ce.Code, ce.Text)
	}
	closes["too large"] = ce.Code
	c.dial()
	for i := 0; i < web.DefaultLimits.FrameBurst+10; i++ {
		if c.conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`)) != nil {
			break
		}
	}
	ce = c.closed()
	if ce.Code != websocket.ClosePolicyViolation || !strings.HasPrefix(ce.Text, "rate_limited: ") {
		t.Errorf("a burst past the frame rate: close %d %q, want 1008 rate_limited", ce.Code, ce.Text)
	}
	closes["frame rate"] = ce.Code
	c.dial()
	// An unmasked frame, written past the library, which masks them all.
	if _, err := c.conn.UnderlyingConn().Write([]byte{0x81, 0x0f, '{', '"', 't', 'y', 'p', 'e', '"', ':', '"', 'p', 'i', 'n', 'g', '"', '}'}); err != nil {
		t.Fatal(err)
	}
	ce = c.closed()
	if ce.Code != websocket.CloseProtocolError {
		t.Errorf("an unmasked frame: close %d %q, want 1002", ce.Code, ce.Text)
	}
	closes["unmasked"] = ce.Code
	// The agent's own close is echoed with its code.
	c.dial()
	if err := c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4000, "done"), time.Now().Add(wait)); err != nil {
		t.Fatal(err)
	}
	if ce = c.closed(); ce.Code != 4000 {
		t.Errorf("the agent's close 4000: the server answered %d %q, want its code echoed", ce.Code, ce.Text)
	}

	for _, code := range codes {
		if !errorCodes[code] {
			t.Errorf("the server answered an error frame with code %q, which PROTOCOL.md's Errors table does not list", code)
		}
	}
	for what, code := range closes {
		if !closeCodes[strconv.Itoa(code)] {
			t.Errorf("%s: the server closed with %d, which PROTOCOL.md's close-code table does not list", what, code)
		}
	}
}
