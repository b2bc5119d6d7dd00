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
	duel := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 30000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/resigns", plOperator, duel, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
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
