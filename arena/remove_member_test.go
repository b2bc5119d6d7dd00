package arena_test

import (
	"context"
	"testing"
	"time"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena/arenatest"
)

// Removing the last voter is refused before anything changes: the removal
// failed in Raft after the member's metadata was already gone, leaving a
// leader whose HTTP address nobody knew (followers and replicas answered
// 503 and refused writes until it restarted).
func TestRemovingTheLastVoterIsRefusedAndChangesNothing(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	n := c.Leader()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before, err := n.Members()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Remove(ctx, n.ID()); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("removing the only voter: %v, want a conflict", err)
	}
	after, err := n.Members()
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 1 || after[0].HTTPAddr != before[0].HTTPAddr || after[0].HTTPAddr == "" {
		t.Fatalf("members %+v after the refused removal, want %+v", after, before)
	}
}
