package arena_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
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

// addOnce adds delta to counter name exactly once, through whichever of
// nodes leads (any node when none is named), riding out elections: under
// load 150 ms Raft timeouts see them, and a write that failed (leadership
// lost while committing, a timeout) may or may not have been applied. The
// test is the counter's only writer and says what it holds after this
// write; a failed attempt is settled before any retry by reading the
// counter on a leader that has applied every entry in its log (the first
// entry of its term included, so a stale entry of an old term can no
// longer commit), and retried only if it did not take effect.
func addOnce(t *testing.T, c *arenatest.Cluster, name string, delta, after int64, nodes ...int) {
	t.Helper()
	if len(nodes) == 0 {
		for i := range c.Nodes {
			nodes = append(nodes, i)
		}
	}
	unsure := false
	c.Eventually(30*time.Second, func() error {
		leader := c.LeaderAmong(nodes...)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if unsure {
			v, err := settledCounter(ctx, leader, name)
			if err != nil {
				return fmt.Errorf("settling an unsure write on %s: %w", leader.ID(), err)
			}
			switch v {
			case after:
				return nil
			case after - delta:
				unsure = false
			default:
				t.Fatalf("counter %s = %d after an unsure write, want %d or %d", name, v, after-delta, after)
			}
		}
		if _, err := leader.AddCounter(ctx, name, delta); err != nil {
			unsure = true
			return err
		}
		return nil
	})
}

// settledCounter reads counter name on leader once it has applied its
// read index and every entry its log holds.
func settledCounter(ctx context.Context, leader *arena.Node, name string) (int64, error) {
	idx, err := leader.ReadIndex(ctx)
	if err != nil {
		return 0, err
	}
	_, last, err := leader.LogSpan()
	if err != nil {
		return 0, err
	}
	if err := leader.WaitApplied(ctx, max(idx, last)); err != nil {
		return 0, err
	}
	return leader.Counter(name)
}

func TestThreeNodeCluster(t *testing.T) {
	c := arenatest.NewCluster(t, 3)

	t.Run("writes on the leader reach every node with equal state hashes", func(t *testing.T) {
		for i := 0; i < 50; i++ {
			addOnce(t, c, "hits", 1, int64(i+1))
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
		addOnce(t, c, "hits", 10, 60, others(c, oldIdx)...)
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
	// Raft records the installed snapshot only after the state machine has
	// restored it, so the hashes can agree a moment before the index shows
	// (1 run in 10 under -race on a busy machine).
	c.Eventually(10*time.Second, func() error {
		if got := joined.Raft().Stats()["last_snapshot_index"]; got == "0" {
			return fmt.Errorf("joined node installed no snapshot (last_snapshot_index=%s)", got)
		}
		return nil
	})
	if h, _, _ := joined.FSM().StateHash(); h != hash {
		t.Errorf("joined node hash %s, want %s", h, hash)
	}
}

// seedPlayers seeds the default arenas on leader n and makes owner (funded
// with funds more than its sign-up grant) with the given websocket agents.
func seedPlayers(t *testing.T, n *arena.Node, owner string, funds int64, agentIDs ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.Seed(ctx, arena.DefaultArenas(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := n.CreateOwner(ctx, agents.Owner{ID: owner, Name: owner}, agents.HashKey("key-"+owner)); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Grant(ctx, "tx_"+owner, owner, funds, "grant", "test funds"); err != nil {
		t.Fatal(err)
	}
	for _, id := range agentIDs {
		if _, err := n.CreateAgent(ctx, agents.Agent{ID: id, OwnerID: owner, Name: id, Kind: agents.KindWebsocket}, agents.HashKey(id)); err != nil {
			t.Fatal(err)
		}
	}
}
