package arena_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

func addCounter(t *testing.T, n *arena.Node, name string, delta int64) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := n.AddCounter(ctx, name, delta)
	if err != nil {
		t.Fatalf("add counter on %s: %v", n.ID(), err)
	}
	return v
}

// addOnLeader adds delta to counter name through whichever node leads,
// retrying while leadership moves: under load, 150 ms Raft timeouts see
// elections. A write retried after "leadership lost while committing" may
// have been applied as well, so callers compare with what the cluster
// holds afterwards, never with a count of calls.
func addOnLeader(t *testing.T, c *arenatest.Cluster, name string, delta int64) {
	t.Helper()
	c.Eventually(30*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := c.Leader().AddCounter(ctx, name, delta)
		return err
	})
}

func TestThreeNodeCluster(t *testing.T) {
	c := arenatest.NewCluster(t, 3)

	t.Run("writes on the leader reach every node with equal state hashes", func(t *testing.T) {
		leader := c.Leader()
		for i := 0; i < 50; i++ {
			addCounter(t, leader, "hits", 1)
		}
		c.WaitConverged()
		for i, n := range c.Nodes {
			if v, _ := n.Counter("hits"); v != 50 {
				t.Errorf("node %d counter = %d, want 50", i, v)
			}
		}
	})

	t.Run("a follower refuses to propose", func(t *testing.T) {
		leader := c.Leader()
		for _, n := range c.Nodes {
			if n == leader {
				continue
			}
			_, err := n.AddCounter(context.Background(), "hits", 1)
			if err == nil {
				t.Fatalf("follower %s accepted a proposal", n.ID())
			}
		}
	})

	t.Run("stopping the leader elects another and writes continue", func(t *testing.T) {
		old := c.Leader()
		oldIdx := c.Index(old)
		c.Stop(oldIdx)
		leader := c.Leader()
		if leader == old {
			t.Fatal("stopped leader still leads")
		}
		addCounter(t, leader, "hits", 10)
		c.Start(oldIdx)
		c.WaitConverged()
		for i, n := range c.Nodes {
			if v, _ := n.Counter("hits"); v != 60 {
				t.Errorf("node %d counter = %d, want 60 after restart and catch-up", i, v)
			}
		}
	})
}

func TestJoinAfterSnapshotRestoresFromIt(t *testing.T) {
	c := arenatest.NewCluster(t, 1, arenatest.WithConfig(func(i int, cfg *arena.Config) {
		cfg.TrailingLogs = 5
		cfg.SnapshotThreshold = 1 << 30 // only explicit snapshots
	}))
	leader := c.Leader()
	for i := 0; i < 100; i++ {
		addCounter(t, leader, fmt.Sprintf("k%d", i%7), int64(i))
	}
	if err := leader.Snapshot(); err != nil {
		t.Fatal(err)
	}
	i := c.Add()
	hash := c.WaitConverged()
	joined := c.Nodes[i]
	if got := joined.Raft().Stats()["last_snapshot_index"]; got == "0" {
		t.Errorf("joined node installed no snapshot (last_snapshot_index=%s)", got)
	}
	if h, _, _ := joined.FSM().StateHash(); h != hash {
		t.Errorf("joined node hash %s, want %s", h, hash)
	}
}
