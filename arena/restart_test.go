package arena_test

import (
	"context"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

// TestNothingIsAppliedTwiceAcrossRestarts restarts a node many times, with a
// snapshot in between, and checks a counter: raft replays the log after the
// last snapshot on every start, so a missing skip would double-count.
func TestNothingIsAppliedTwiceAcrossRestarts(t *testing.T) {
	c := arenatest.NewCluster(t, 1, arenatest.WithConfig(func(i int, cfg *arena.Config) {
		cfg.SnapshotThreshold = 1 << 30 // only the explicit snapshot below
		cfg.TrailingLogs = 10
	}))
	want := int64(0)
	for round := 0; round < 4; round++ {
		leader := c.Leader()
		for i := 0; i < 25; i++ {
			want += int64(round + 1)
			addCounter(t, leader, "restarts", int64(round+1))
		}
		if round == 1 {
			if err := leader.Snapshot(); err != nil {
				t.Fatal(err)
			}
		}
		c.Stop(0)
		c.Start(0)
		// Replay is only complete once the restarted node leads again and
		// has applied its new term's first command.
		c.Leader()
		if got, _ := c.Nodes[0].Counter("restarts"); got != want {
			t.Fatalf("after restart %d: counter = %d, want %d", round+1, got, want)
		}
	}
}

func TestOwnersAndAgentsSurviveRestart(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := c.Leader()
	o, err := n.CreateOwner(ctx, agents.Owner{ID: "ow_1", Name: "ann"}, agents.HashKey("aro_k1"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := n.CreateAgent(ctx, agents.Agent{ID: "ag_1", OwnerID: o.ID, Name: "bot", Kind: agents.KindWebsocket}, agents.HashKey("ara_k1"))
	if err != nil {
		t.Fatal(err)
	}

	c.Stop(0)
	c.Start(0)
	n = c.Leader()
	got, err := n.GetAgent(a.ID)
	if err != nil || got.Name != "bot" || got.OwnerID != o.ID {
		t.Fatalf("agent after restart = %+v, %v", got, err)
	}
	if p, ok, _ := n.LookupKey(agents.HashKey("ara_k1")); !ok || p.ID != a.ID {
		t.Fatalf("agent key after restart resolves to %+v, %v", p, ok)
	}
	if _, err := n.GetOwner(o.ID); err != nil {
		t.Fatalf("owner after restart: %v", err)
	}
}
