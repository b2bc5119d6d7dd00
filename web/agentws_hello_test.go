package web_test

import (
	"testing"
	"time"
)

// TestHelloListsTheAgentsQueueTickets: an agent that connects while
// queued (its owner queued it, keep or not) learns it from hello, and
// need not queue again or wonder why a contest starts.
func TestHelloListsTheAgentsQueueTickets(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	ids := plAgents(t, base, "queued", "idle")
	for _, q := range []struct {
		arena string
		keep  bool
	}{{"connect4", true}, {"prompt", false}} {
		if code := plHTTP(t, "POST", base+"/v1/agents/"+ids[0].agentID+"/queue", ids[0].ownerKey, map[string]any{"arena": q.arena, "keep": q.keep}, nil); code != 200 {
			t.Fatalf("queue in %s: %d", q.arena, code)
		}
	}
	type hello struct {
		Queued []struct {
			Arena string `json:"arena"`
			Keep  bool   `json:"keep"`
		} `json:"queued"`
	}
	var h hello
	plDial(t, base+"/v1/agents/connect", ids[0].agentKey).expect("hello", 5*time.Second).decode(t, &h)
	if len(h.Queued) != 2 || h.Queued[0].Arena != "connect4" || !h.Queued[0].Keep || h.Queued[1].Arena != "prompt" || h.Queued[1].Keep {
		t.Fatalf("hello's queued %+v, want connect4 (keep) and prompt", h.Queued)
	}
	var idle struct {
		Queued []any `json:"queued"`
	}
	plDial(t, base+"/v1/agents/connect", ids[1].agentKey).expect("hello", 5*time.Second).decode(t, &idle)
	if idle.Queued == nil || len(idle.Queued) != 0 {
		t.Fatalf("hello's queued %v for an agent with no ticket, want []", idle.Queued)
	}
}
