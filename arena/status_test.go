package arena_test

import (
	"context"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena/arenatest"
)

func TestRecentStatusReusesAHashButReportsCurrentIndexes(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	n := c.Leader()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	before, err := n.Status()
	if err != nil {
		t.Fatal(err)
	}
	if before.StateHashIndex != before.AppliedIndex {
		t.Fatalf("fresh status: hash index %d, applied %d", before.StateHashIndex, before.AppliedIndex)
	}
	if _, err := n.CreateOwner(ctx, agents.Owner{ID: "ow_s", Name: "sam"}, agents.HashKey("aro_status")); err != nil {
		t.Fatal(err)
	}

	recent, err := n.RecentStatus(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if recent.StateHash != before.StateHash || recent.StateHashIndex != before.StateHashIndex {
		t.Errorf("recent status re-hashed: %s@%d, want %s@%d", recent.StateHash, recent.StateHashIndex, before.StateHash, before.StateHashIndex)
	}
	if recent.AppliedIndex <= before.AppliedIndex {
		t.Errorf("recent status applied index %d, want past %d: only the hash may be old", recent.AppliedIndex, before.AppliedIndex)
	}

	after, err := n.Status()
	if err != nil {
		t.Fatal(err)
	}
	if after.StateHash == before.StateHash || after.StateHashIndex != after.AppliedIndex || after.AppliedIndex < recent.AppliedIndex {
		t.Errorf("fresh status after a write: %s@%d (applied %d), before %s@%d",
			after.StateHash, after.StateHashIndex, after.AppliedIndex, before.StateHash, before.StateHashIndex)
	}
	if again, _ := n.RecentStatus(0); again.StateHash != after.StateHash || again.StateHashIndex != after.StateHashIndex {
		t.Errorf("RecentStatus(0) is a fresh status: %s@%d, want %s@%d", again.StateHash, again.StateHashIndex, after.StateHash, after.StateHashIndex)
	}
}
