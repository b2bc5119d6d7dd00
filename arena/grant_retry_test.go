package arena_test

import (
	"context"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

// TestGrantRetriedAcrossALeaderChangePaysOnce proposes the same grant on
// the old and on the new leader: the transfer id makes the second a no-op.
func TestGrantRetriedAcrossALeaderChangePaysOnce(t *testing.T) {
	c := arenatest.NewCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	leader := c.Leader()
	if err := leader.Seed(ctx, arena.DefaultArenas(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := leader.CreateOwner(ctx, agents.Owner{ID: "ow_x", Name: "x"}, agents.HashKey("kx")); err != nil {
		t.Fatal(err)
	}
	if _, err := leader.Grant(ctx, "prize-42", "ow_x", 777, "grant", "tournament prize"); err != nil {
		t.Fatal(err)
	}
	before, _ := leader.Balance("ow_x")
	c.Stop(c.Index(leader))
	leader = c.Leader()
	if _, err := leader.Grant(ctx, "prize-42", "ow_x", 777, "grant", "tournament prize"); err != nil {
		t.Fatalf("the retry was refused: %v", err)
	}
	after, _ := leader.Balance("ow_x")
	if after.Balance != before.Balance {
		t.Fatalf("balance %d after the retry, %d before: paid twice", after.Balance, before.Balance)
	}
}
