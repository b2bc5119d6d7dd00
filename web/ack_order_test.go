package web_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// TestAResignIsAckedBeforeItsContestEnd: the ack comes from the frame's
// handler once the resign is applied, the contest_end from the runner,
// which hears of the same apply at the same moment; the agent must still
// read the ack first (PROTOCOL.md), every time.
func TestAResignIsAckedBeforeItsContestEnd(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	duelArena(t, base, "resigns")
	for round := range 10 {
		// A fresh pair each round: matchmaking avoids an instant rematch.
		ids := plAgents(t, base, fmt.Sprintf("quitter%d", round), fmt.Sprintf("stayer%d", round))
		a := plDial(t, base+"/v1/agents/connect", ids[0].agentKey)
		b := plDial(t, base+"/v1/agents/connect", ids[1].agentKey)
		for _, c := range []*plConn{a, b} {
			c.send(map[string]string{"type": "queue", "arena": "resigns"})
		}
		var start struct {
			Contest string `json:"contest"`
		}
		a.expect("contest_start", 10*time.Second).decode(t, &start)
		b.expect("contest_start", 10*time.Second)
		a.send(map[string]string{"type": "resign", "contest": start.Contest})
		var first string
		for first == "" {
			select {
			case f := <-a.frames:
				var head struct {
					Contest string `json:"contest"`
				}
				_ = json.Unmarshal(f.Raw, &head)
				if head.Contest == start.Contest && (f.Type == "ack" || f.Type == "contest_end" || f.Type == "error") {
					first = f.Type
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("round %d: no answer to the resign", round)
			}
		}
		if first != "ack" {
			t.Fatalf("round %d: the resigning agent read %s before its ack", round, first)
		}
		a.expect("contest_end", 10*time.Second)
		b.expect("contest_end", 10*time.Second)
	}
}

// duelArena creates a two-seat connect4 arena with a deadline long enough
// that only the order of frames, never a timeout, decides these tests.
func duelArena(t *testing.T, base, name string) {
	t.Helper()
	duel := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 30000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+name, plOperator, duel, nil); code != 200 {
		t.Fatalf("create arena %s: %d", name, code)
	}
}

// TestAMoveIsAckedBeforeTheNextTurn: PROTOCOL.md's session reads
// move → ack → turn. The ack comes from the frame's handler once the move
// is applied; the next turn comes from the runner once the opponent has
// moved, and an opponent that answers at once (another websocket agent,
// a fast program) may beat the handler. An agent that reads a turn before
// the ack of its last move cannot tell whether that move counted.
func TestAMoveIsAckedBeforeTheNextTurn(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	duelArena(t, base, "blitz")
	for round := range 3 {
		ids := plAgents(t, base, fmt.Sprintf("fast-a%d", round), fmt.Sprintf("fast-b%d", round))
		conns := []*plConn{plDial(t, base+"/v1/agents/connect", ids[0].agentKey), plDial(t, base+"/v1/agents/connect", ids[1].agentKey)}
		for _, c := range conns {
			c.send(map[string]string{"type": "queue", "arena": "blitz"})
		}
		done := make(chan error, 2)
		for _, c := range conns {
			go func() { done <- playFast(c) }()
		}
		for range conns {
			if err := <-done; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}

// playFast answers every turn at once with the leftmost legal column and
// reports a turn read while its last move was still unacknowledged.
func playFast(c *plConn) error {
	pending := false // a move sent, its ack not read yet
	timeout := time.After(60 * time.Second)
	for {
		var f plFrame
		select {
		case fr, ok := <-c.frames:
			if !ok {
				return fmt.Errorf("connection closed: %v", <-c.err)
			}
			f = fr
		case <-timeout:
			return fmt.Errorf("no contest_end within 60 s")
		}
		switch f.Type {
		case "ack":
			pending = false
		case "error":
			return fmt.Errorf("error frame: %s", f.Raw)
		case "contest_end":
			if pending {
				return fmt.Errorf("contest_end before the ack of the last move")
			}
			return nil
		case "turn":
			if pending {
				return fmt.Errorf("read a turn before the ack of the move before it: %s", f.Raw)
			}
			var tu struct {
				Contest string `json:"contest"`
				Seq     uint64 `json:"seq"`
				View    struct {
					Legal []int `json:"legal"`
				} `json:"view"`
			}
			if err := json.Unmarshal(f.Raw, &tu); err != nil || len(tu.View.Legal) == 0 {
				return fmt.Errorf("bad turn %s: %v", f.Raw, err)
			}
			pending = true
			if err := c.conn.WriteJSON(map[string]any{"type": "move", "contest": tu.Contest, "seq": tu.Seq, "move": tu.View.Legal[0]}); err != nil {
				return err
			}
		}
	}
}
