package web_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// TestAMoveIsAckedBeforeTheNextTurn: PROTOCOL.md's session reads
// move → ack → turn. The ack comes from the frame's handler once the move
// is applied; the next turn comes from the runner once the opponent has
// moved, and an opponent that answers at once (another websocket agent,
// a fast program) may beat the handler. An agent that reads a turn before
// the ack of its last move cannot tell whether that move counted.
func TestAMoveIsAckedBeforeTheNextTurn(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	duel := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 30000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/blitz", plOperator, duel, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
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
