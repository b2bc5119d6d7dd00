package web_test

import (
	"testing"
	"time"
)

// TestUnqueueFrameLeavesTheQueueAndStopsKeep: a websocket agent leaves an
// arena's queue with an unqueue frame, answered by unqueued, without
// closing its connection (which would also drop its other tickets and
// put its running seats on the grace clock). As the owner's DELETE does,
// it also stops a keep ticket that is playing now from coming back.
func TestUnqueueFrameLeavesTheQueueAndStopsKeep(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	ids := plAgents(t, base, "leaver", "stayer")
	a := plDial(t, base+"/v1/agents/connect", ids[0].agentKey)
	b := plDial(t, base+"/v1/agents/connect", ids[1].agentKey)
	a.expect("hello", 5*time.Second)
	b.expect("hello", 5*time.Second)
	queued := func() int {
		var ar struct {
			Queued int `json:"queued"`
		}
		plHTTP(t, "GET", base+"/v1/arenas/connect4", "", nil, &ar)
		return ar.Queued
	}
	unqueue := func() {
		t.Helper()
		a.send(map[string]string{"type": "unqueue", "arena": "connect4"})
		var u struct {
			Type  string `json:"type"`
			Arena string `json:"arena"`
		}
		a.expect("unqueued", 5*time.Second).decode(t, &u)
		if u.Arena != "connect4" {
			t.Fatalf("unqueued %+v, want arena connect4", u)
		}
	}

	a.send(map[string]string{"type": "queue", "arena": "connect4"})
	a.expect("queued", 5*time.Second)
	unqueue()
	if n := queued(); n != 0 {
		t.Fatalf("%d tickets in connect4 after unqueue, want 0", n)
	}

	a.send(map[string]string{"type": "unqueue", "arena": "nosuch"})
	var e struct {
		Code  string `json:"code"`
		Arena string `json:"arena"`
	}
	a.expect("error", 5*time.Second).decode(t, &e)
	if e.Code != "not_found" || e.Arena != "nosuch" {
		t.Fatalf("unqueue from an unknown arena: %+v, want not_found naming it", e)
	}

	// The owner keeps the agent queued; the agent stops that itself
	// while it plays.
	if code := plHTTP(t, "POST", base+"/v1/agents/"+ids[0].agentID+"/queue", ids[0].ownerKey, map[string]any{"arena": "connect4", "keep": true}, nil); code != 200 {
		t.Fatalf("keep-queue: %d", code)
	}
	b.send(map[string]string{"type": "queue", "arena": "connect4"})
	var start struct {
		Contest string `json:"contest"`
	}
	a.expect("contest_start", 10*time.Second).decode(t, &start)
	unqueue()
	a.send(map[string]string{"type": "resign", "contest": start.Contest})
	a.expect("ack", 5*time.Second)
	a.expect("contest_end", 5*time.Second)
	if n := queued(); n != 0 {
		t.Fatalf("%d tickets in connect4 after the contest, want 0: the unqueue frame must stop the keep ticket", n)
	}
}
