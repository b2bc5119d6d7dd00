package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/agentarena/arena/api"
)

// A leaderboard row names the agent as it is called now (a rename showed
// only after its next settled contest), and marks an agent deleted since
// it played instead of linking spectators to a 404.
func TestLeaderboardRowsNameAgentsAsTheyAreNow(t *testing.T) {
	c, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	ids := plAgents(t, base, "first-name", "doomed")
	a, b := ids[0], ids[1]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.Leader().CreateContest(ctx, "ct_names", "connect4", []string{a.agentID, b.agentID}, 1); err != nil {
		t.Fatal(err)
	}
	if err := c.Leader().Resign(ctx, "ct_names", b.agentID, "test"); err != nil {
		t.Fatal(err)
	}
	if code := plHTTP(t, "PATCH", base+"/v1/agents/"+a.agentID, a.ownerKey, map[string]any{"name": "second-name"}, nil); code != 200 {
		t.Fatalf("rename: %d", code)
	}
	if code := plHTTP(t, "DELETE", base+"/v1/agents/"+b.agentID, b.ownerKey, nil, nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	var lb api.Leaderboard
	if code := plHTTP(t, "GET", base+"/v1/arenas/connect4/leaderboard", "", nil, &lb); code != 200 {
		t.Fatalf("leaderboard: %d", code)
	}
	rows := map[string]api.LeaderboardRow{}
	for _, r := range lb.Entries {
		rows[r.AgentID] = r
	}
	if r := rows[a.agentID]; r.Name != "second-name" || r.Deleted {
		t.Errorf("renamed agent's row: name %q deleted %v, want second-name, not deleted", r.Name, r.Deleted)
	}
	if r, ok := rows[b.agentID]; !ok || r.Name != "doomed" || !r.Deleted {
		t.Errorf("deleted agent's row %+v (present %v): want it kept, named doomed, deleted", r, ok)
	}
}
