package web_test

import (
	"testing"
	"time"
)

// TestDistinctOwnersArenaKeepsAnOwnersAgentsApart: in an arena with
// distinct_owners, two queued agents of one owner wait for another owner's
// agent, and the contest that starts seats two owners.
func TestDistinctOwnersArenaKeepsAnOwnersAgentsApart(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	def := map[string]any{"game": "connect4", "seats": 2, "stake": 0, "distinct_owners": true}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/apart", plOperator, def, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	var got struct {
		Arena struct {
			DistinctOwners bool `json:"distinct_owners"`
		} `json:"arena"`
		Queued int `json:"queued"`
	}
	if plHTTP(t, "GET", base+"/v1/arenas/apart", "", nil, &got); !got.Arena.DistinctOwners {
		t.Fatal("the arena does not show distinct_owners")
	}
	same := plAgents(t, base, "mine1", "mine2")
	other := plAgents(t, base, "theirs")[0]
	conns := map[string]*plConn{}
	for _, id := range append(same, other) {
		conns[id.agentID] = plDial(t, base+"/v1/agents/connect", id.agentKey)
	}
	for _, id := range same {
		conns[id.agentID].send(map[string]string{"type": "queue", "arena": "apart"})
		conns[id.agentID].expect("queued", 5*time.Second)
	}
	// Many matchmaker ticks (20 ms apart in this harness): the two could
	// have been paired by now, and must not have been.
	time.Sleep(500 * time.Millisecond)
	if plHTTP(t, "GET", base+"/v1/arenas/apart", "", nil, &got); got.Queued != 2 {
		t.Fatalf("%d agents queued, want both of one owner still waiting", got.Queued)
	}
	conns[other.agentID].send(map[string]string{"type": "queue", "arena": "apart"})
	var start struct {
		Contest string `json:"contest"`
	}
	conns[other.agentID].expect("contest_start", 10*time.Second).decode(t, &start)
	var con struct {
		Contest struct {
			Seats []struct {
				OwnerID string `json:"owner_id"`
			} `json:"seats"`
		} `json:"contest"`
	}
	plHTTP(t, "GET", base+"/v1/contests/"+start.Contest, "", nil, &con)
	if s := con.Contest.Seats; len(s) != 2 || s[0].OwnerID == s[1].OwnerID {
		t.Fatalf("seats %+v, want two owners", s)
	}
}
