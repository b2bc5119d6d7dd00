package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

type plTurn struct {
	Contest string          `json:"contest"`
	Seq     uint64          `json:"seq"`
	Seat    int             `json:"seat"`
	View    json.RawMessage `json:"view"`
}

type plEnd struct {
	Contest     string  `json:"contest"`
	Status      string  `json:"status"`
	Ranks       []int   `json:"ranks"`
	Rank        int     `json:"rank"`
	RatingDelta float64 `json:"rating_delta"`
	Payout      int64   `json:"payout"`
	Reason      string  `json:"reason"`
}

// autoplay answers every turn with moves[seq] until the contest ends.
func autoplay(t *testing.T, c *plConn, moves []int, ended chan<- plEnd) {
	go func() {
		// Every exit reports, so a test never waits forever on an agent
		// whose connection closed before its contest_end (a 3-node
		// cluster's leader can move under load and disconnect its agents).
		end := plEnd{Status: plDisconnected}
		defer func() {
			if end.Status == plDisconnected {
				select {
				case err := <-c.err:
					end.Reason = err.Error()
				default:
				}
			}
			ended <- end
		}()
		sent := map[uint64]bool{} // turns this agent moved on
		for f := range c.frames {
			switch f.Type {
			case "turn":
				var tr plTurn
				if err := json.Unmarshal(f.Raw, &tr); err != nil || int(tr.Seq) >= len(moves) {
					t.Errorf("bad turn %s", f.Raw)
					end.Reason = "bad turn"
					return
				}
				sent[tr.Seq] = true
				if err := c.conn.WriteJSON(map[string]any{"type": "move", "contest": tr.Contest, "seq": tr.Seq, "move": moves[tr.Seq]}); err != nil {
					t.Errorf("send move: %v", err)
					end.Reason = "send move: " + err.Error()
					return
				}
			case "ack":
				// A move's ack quotes the turn after it (PROTOCOL.md).
				var ack struct {
					Ref string `json:"ref"`
					Seq uint64 `json:"seq"`
				}
				if err := json.Unmarshal(f.Raw, &ack); err != nil || ack.Ref != "move" || ack.Seq == 0 || !sent[ack.Seq-1] {
					t.Errorf("ack %s does not follow a move of this agent (moved on %v)", f.Raw, sent)
				}
			case "error":
				t.Errorf("error frame during play: %s", f.Raw)
			case "contest_end":
				_ = json.Unmarshal(f.Raw, &end)
				return
			}
		}
	}()
}

// plDisconnected is the status autoplay reports for an agent whose play
// ended without a contest_end frame; Reason says why.
const plDisconnected = "agent disconnected"

// waitEnd takes one autoplay report, failing the test (rather than hanging
// it) when none arrives in time.
func waitEnd(t *testing.T, ended <-chan plEnd) plEnd {
	t.Helper()
	select {
	case e := <-ended:
		return e
	case <-time.After(2 * time.Minute):
		t.Fatal("no contest_end within 2 minutes")
		return plEnd{}
	}
}

type plBoardRow struct {
	AgentID string `json:"agent_id"`
	Rating  int64  `json:"rating"`
	Wins    int    `json:"wins"`
	Draws   int    `json:"draws"`
	Losses  int    `json:"losses"`
}

func plLeaderboard(t *testing.T, base string) map[string]plBoardRow {
	t.Helper()
	var lb struct {
		Entries []plBoardRow `json:"entries"`
	}
	if code := plHTTP(t, "GET", base+"/v1/arenas/connect4/leaderboard", "", nil, &lb); code != 200 {
		t.Fatalf("leaderboard: %d", code)
	}
	out := map[string]plBoardRow{}
	for _, e := range lb.Entries {
		out[e.AgentID] = e
	}
	return out
}

// plStart queues both agents and returns which agent got seat 0.
func plStart(t *testing.T, a, b *plConn) (contest string, seat0 int) {
	t.Helper()
	for _, c := range []*plConn{a, b} {
		c.send(map[string]string{"type": "queue", "arena": "connect4"})
		c.expect("queued", 5*time.Second)
	}
	var sa, sb struct {
		Contest string `json:"contest"`
		Seat    int    `json:"seat"`
	}
	a.expect("contest_start", 5*time.Second).decode(t, &sa)
	b.expect("contest_start", 5*time.Second).decode(t, &sb)
	if sa.Contest != sb.Contest || sa.Seat == sb.Seat {
		t.Fatalf("agents were not seated together: %+v %+v", sa, sb)
	}
	if sa.Seat == 0 {
		return sa.Contest, 0
	}
	return sa.Contest, 1
}

// drawLine fills the board without four in a row for either side.
var drawLine = []int{3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 4, 4, 4, 4, 4, 4, 0, 1, 1, 1, 1, 1, 1, 5, 5, 5, 5, 5, 5, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6}

func TestWebsocketAgentsPlayConnect4ToAWinAndADraw(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	ids := plAgents(t, base, "alpha", "beta")
	conns := []*plConn{plDial(t, base+"/v1/agents/connect", ids[0].agentKey), plDial(t, base+"/v1/agents/connect", ids[1].agentKey)}
	for _, c := range conns {
		c.expect("hello", 5*time.Second)
	}

	// Game 1: seat 0 stacks column 3 and wins on its fourth stone.
	contest, s0 := plStart(t, conns[0], conns[1])
	ended := make(chan plEnd, 2)
	for _, c := range conns {
		autoplay(t, c, []int{3, 4, 3, 4, 3, 4, 3}, ended)
	}
	e1, e2 := waitEnd(t, ended), waitEnd(t, ended)
	for _, e := range []plEnd{e1, e2} {
		if e.Contest != contest || e.Status != "settled" || e.Ranks[s0] != 0 || e.Ranks[1-s0] != 1 {
			t.Fatalf("game 1 ended %+v, want seat %d first", e, s0)
		}
	}
	winner, loser := ids[s0].agentID, ids[1-s0].agentID
	t.Run("contest_end carries the payout the ledger made", func(t *testing.T) {
		var cr struct {
			Contest struct {
				Payouts []int64 `json:"payouts"`
			} `json:"contest"`
		}
		plHTTP(t, "GET", base+"/v1/contests/"+contest, "", nil, &cr)
		if len(cr.Contest.Payouts) != 2 || cr.Contest.Payouts[s0] <= 0 {
			t.Fatalf("contest payouts = %v, want the winner paid", cr.Contest.Payouts)
		}
		for _, e := range []plEnd{e1, e2} {
			if want := cr.Contest.Payouts[s0]; e.Rank == 0 && e.Payout != want {
				t.Errorf("winner's contest_end payout %d, ledger paid %d", e.Payout, want)
			}
			if want := cr.Contest.Payouts[1-s0]; e.Rank == 1 && e.Payout != want {
				t.Errorf("loser's contest_end payout %d, ledger paid %d", e.Payout, want)
			}
		}
	})
	t.Run("the winner's rating history records the step", func(t *testing.T) {
		var h struct {
			History []struct {
				Contest       string `json:"contest"`
				Before, After int64
				Rank          int `json:"rank"`
			} `json:"history"`
		}
		plHTTP(t, "GET", base+"/v1/agents/"+winner+"/ratings?arena=connect4", "", nil, &h)
		if len(h.History) != 1 || h.History[0].Before != 1_000_000 || h.History[0].After != 1_016_000 || h.History[0].Contest != contest {
			t.Fatalf("history = %+v", h.History)
		}
		var latest struct {
			History  []json.RawMessage `json:"history"`
			Contests map[string]int    `json:"contests"`
		}
		if code := plHTTP(t, "GET", base+"/v1/agents/"+winner+"/ratings?limit=1", "", nil, &latest); code != 200 || len(latest.History) != 1 || latest.Contests["connect4"] != 1 {
			t.Fatalf("?limit=1: %d %+v", code, latest)
		}
		if code := plHTTP(t, "GET", base+"/v1/agents/"+winner+"/ratings?limit=0", "", nil, nil); code != 400 {
			t.Fatalf("?limit=0: %d, want 400", code)
		}
	})
	t.Run("the win-rate matrix counts the game", func(t *testing.T) {
		var wr struct {
			Agents []string     `json:"agents"`
			Rates  [][]*float64 `json:"rates"`
			Games  [][]int      `json:"games"`
		}
		plHTTP(t, "GET", base+"/v1/arenas/connect4/winrates", "", nil, &wr)
		if len(wr.Agents) != 2 || wr.Games[0][1] != 1 || wr.Rates[0][0] != nil {
			t.Fatalf("win rates = %+v", wr)
		}
		w := 0
		if wr.Agents[1] == winner {
			w = 1
		}
		if r := wr.Rates[w][1-w]; r == nil || *r != 1 {
			t.Fatalf("winner's rate against the loser = %v, want 1", r)
		}
	})
	t.Run("a rule-judged contest has the referee's verdict", func(t *testing.T) {
		var v struct {
			Verdict struct {
				Judge     string `json:"judge"`
				Rationale string `json:"rationale"`
			} `json:"verdict"`
		}
		if code := plHTTP(t, "GET", base+"/v1/contests/"+contest+"/verdict", "", nil, &v); code != 200 || v.Verdict.Judge != "referee" || v.Verdict.Rationale == "" {
			t.Fatalf("status %d verdict %+v", code, v)
		}
	})
	lb := plLeaderboard(t, base)
	// Both start at 1000: expected score 1/(1+10^0) = 0.5, K = 32, so the
	// winner gains 32 × 0.5 = 16 points and the loser gives 16.
	if lb[winner].Rating != 1_016_000 || lb[loser].Rating != 984_000 || lb[winner].Wins != 1 || lb[loser].Losses != 1 {
		t.Fatalf("after game 1: winner %+v loser %+v", lb[winner], lb[loser])
	}

	// Game 2: the winner meets a fresh agent (an instant rematch is
	// avoided by matchmaking) and they fill the board with no four in a
	// row: a draw.
	gamma := plAgents(t, base, "gamma")[0]
	g := plDial(t, base+"/v1/agents/connect", gamma.agentKey)
	g.expect("hello", 5*time.Second)
	w := conns[s0]
	contest, _ = plStart(t, w, g)
	for _, c := range []*plConn{w, g} {
		autoplay(t, c, drawLine, ended)
	}
	e1, e2 = waitEnd(t, ended), waitEnd(t, ended)
	if e1.Ranks[0] != 0 || e1.Ranks[1] != 0 || e1.Reason != "draw" || e2.Reason != "draw" {
		var raw json.RawMessage
		plHTTP(t, "GET", base+"/v1/contests/"+contest, "", nil, &raw)
		t.Fatalf("game 2 ended %+v, want a draw; contest %s", e1, raw)
	}
	// Draw between 1016 and 1000: E(1016) = 1/(1+10^(−16/400)) =
	// 1/(1+0.9120108) = 0.5230096; Δ = 32 × (0.5 − 0.5230096) = −0.73631,
	// stored in thousandths rounding half away from zero: −0.736.
	lb = plLeaderboard(t, base)
	if lb[winner].Rating != 1_015_264 || lb[gamma.agentID].Rating != 1_000_736 || lb[winner].Draws != 1 || lb[gamma.agentID].Draws != 1 {
		t.Fatalf("after the draw: %+v / %+v, want 1015.264 / 1000.736", lb[winner], lb[gamma.agentID])
	}
	if lb[loser].Rating != 984_000 {
		t.Fatalf("the idle loser's rating moved: %+v", lb[loser])
	}
	_ = contest
}

func TestBadFramesGetErrorFramesAndTheGameGoesOn(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	ids := plAgents(t, base, "alpha", "beta")
	a := plDial(t, base+"/v1/agents/connect", ids[0].agentKey)
	b := plDial(t, base+"/v1/agents/connect", ids[1].agentKey)
	contest, s0 := plStart(t, a, b)
	first, second := a, b
	if s0 == 1 {
		first, second = b, a
	}
	first.expect("turn", 5*time.Second)
	// A second contest that the first two agents have no seat in.
	others := plAgents(t, base, "gamma", "delta")
	other, _ := plStart(t, plDial(t, base+"/v1/agents/connect", others[0].agentKey), plDial(t, base+"/v1/agents/connect", others[1].agentKey))

	tests := []struct {
		name  string
		conn  *plConn
		frame string
		code  string
		msg   string // in the message, when set
	}{
		{"malformed JSON", first, `{"type":"move",`, "bad_frame", ""},
		{"an unknown frame type", first, `{"type":"dance"}`, "unknown_type", ""},
		{"a frame with an unknown field", first, `{"type":"ping","x":1}`, "bad_frame", ""},
		{"a move for another contest", first, `{"type":"move","contest":"c_nope","seq":0,"move":3}`, "unknown_contest", ""},
		{"a move in a contest the agent has no seat in", first, fmt.Sprintf(`{"type":"move","contest":%q,"seq":0,"move":3}`, other), "not_in_contest", ""},
		{"a move out of turn", second, fmt.Sprintf(`{"type":"move","contest":%q,"seq":0,"move":3}`, contest), "not_your_turn", ""},
		{"an illegal column", first, fmt.Sprintf(`{"type":"move","contest":%q,"seq":0,"move":9}`, contest), "illegal_move", ""},
		{"a move quoting a stale turn", first, fmt.Sprintf(`{"type":"move","contest":%q,"seq":7,"move":3}`, contest), "stale_turn", ""},
		{"a move without seq", first, fmt.Sprintf(`{"type":"move","contest":%q,"move":3}`, contest), "bad_frame", ""},
		// The game would have said "a move is a column number" of a
		// frame that sent no move.
		{"a chunk in connect4", first, fmt.Sprintf(`{"type":"chunk","contest":%q,"text":"3"}`, contest), "bad_move", "chunk frames are for text answers"},
		{"a final in connect4", first, fmt.Sprintf(`{"type":"final","contest":%q}`, contest), "bad_move", "final frames are for text answers"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" gets an error frame", func(t *testing.T) {
			tt.conn.sendRaw(tt.frame)
			var e struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			}
			tt.conn.expect("error", 5*time.Second).decode(t, &e)
			if e.Code != tt.code || e.Message == "" || !strings.Contains(e.Message, tt.msg) {
				t.Fatalf("got %+v, want code %s with a message saying %q", e, tt.code, tt.msg)
			}
		})
	}
	t.Run("a binary frame gets an error frame and is not played", func(t *testing.T) {
		// A valid move sent as a binary frame: if it were played, the text
		// move quoting seq 0 below would be stale.
		move := fmt.Sprintf(`{"type":"move","contest":%q,"seq":0,"move":3}`, contest)
		if err := first.conn.WriteMessage(websocket.BinaryMessage, []byte(move)); err != nil {
			t.Fatal(err)
		}
		var e struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		first.expect("error", 5*time.Second).decode(t, &e)
		if e.Code != "bad_frame" || !strings.Contains(e.Message, "binary") {
			t.Fatalf("got %+v, want bad_frame naming the binary frame", e)
		}
	})
	t.Run("the game goes on after the bad frames", func(t *testing.T) {
		first.send(map[string]any{"type": "move", "contest": contest, "seq": 0, "move": 3})
		first.expect("ack", 5*time.Second)
		var tr plTurn
		second.expect("turn", 5*time.Second).decode(t, &tr)
		if tr.Seq != 1 {
			t.Fatalf("second turn has seq %d", tr.Seq)
		}
	})
	t.Run("a frame over the size limit closes with 1009", func(t *testing.T) {
		big := fmt.Sprintf(`{"type":"chunk","contest":%q,"text":%q}`, contest, string(make([]byte, 70<<10)))
		_ = second.conn.WriteMessage(websocket.TextMessage, []byte(big))
		for range second.frames {
		}
		err := <-second.err
		if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
			t.Fatalf("connection ended with %v, want close 1009", err)
		}
	})
}

func TestMissedDeadlineForfeits(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	arenaDef := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 300, "forfeit": "lose"}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/blitz", "arop_testoperatortoken000000000000000", arenaDef, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "alpha", "beta")
	a := plDial(t, base+"/v1/agents/connect", ids[0].agentKey)
	b := plDial(t, base+"/v1/agents/connect", ids[1].agentKey)
	for _, c := range []*plConn{a, b} {
		c.send(map[string]string{"type": "queue", "arena": "blitz"})
	}
	// Nobody moves: seat 0 misses its deadline and loses.
	var e plEnd
	a.expect("contest_end", 10*time.Second).decode(t, &e)
	if e.Status != "settled" || len(e.Ranks) != 2 || e.Ranks[0] != 1 || e.Ranks[1] != 0 {
		t.Fatalf("contest ended %+v, want seat 0 forfeited", e)
	}
}
