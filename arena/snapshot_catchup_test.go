package arena_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

// TestFollowerDownThroughSnapshotsRejoinsBySnapshot stops a follower, has
// the leader take several snapshots (each compacting the log to a few
// trailing entries) while writes continue, and restarts the follower: the
// entries it misses are gone from the leader's log, so it can only catch
// up by installing a snapshot, and it must end with the same state hash.
// The snapshot it installs is the leader's state when sent, past the
// leader's last snapshot.
func TestFollowerDownThroughSnapshotsRejoinsBySnapshot(t *testing.T) {
	c := arenatest.NewCluster(t, 3, arenatest.WithConfig(func(i int, cfg *arena.Config) {
		cfg.TrailingLogs = 10
		cfg.SnapshotThreshold = 1 << 30 // only the explicit snapshots below
	}))
	leader := c.Leader()
	down := others(c, c.Index(leader))[0]
	c.WaitConverged()
	_, behind, err := c.Nodes[down].LogSpan()
	if err != nil {
		t.Fatal(err)
	}
	c.Stop(down)

	const snapshots = 4
	var want int64
	var sums [5]int64
	for s := 0; s < snapshots; s++ {
		for i := 0; i < 40; i++ {
			want += int64(i)
			sums[i%5] += int64(i)
			addOnce(t, c, fmt.Sprintf("k%d", i%5), int64(i), sums[i%5], others(c, down)...)
		}
		// Every running node compacts, so whichever leads when the follower
		// returns has nothing but a snapshot to offer it.
		for _, n := range c.Nodes {
			if n == nil {
				continue
			}
			c.Eventually(10*time.Second, func() error { return n.Snapshot() })
		}
	}
	for _, n := range c.Nodes {
		if n == nil {
			continue
		}
		first, _, err := n.LogSpan()
		if err != nil {
			t.Fatal(err)
		}
		if first <= behind+1 {
			t.Fatalf("%s's log starts at %d; the follower (at %d) could catch up from the log, which proves nothing", n.ID(), first, behind)
		}
	}
	snapIdx, _, ok := c.LeaderAmong(others(c, down)...).LastSnapshot()
	if !ok {
		t.Fatal("leader reports no snapshot")
	}
	// Writes after the last snapshot: the snapshot the follower installs is
	// the state as it is when sent, so it must not need them from the log.
	for i := int64(1); i <= 10; i++ {
		want += i
		addOnce(t, c, "after", i, i*(i+1)/2, others(c, down)...)
	}

	c.Start(down)
	hash := c.WaitConverged()
	rejoined := c.Nodes[down]
	// Raft records the installed snapshot just after the state machine has
	// restored it, so the state can converge a moment before the stat.
	c.Eventually(10*time.Second, func() error {
		got, _ := strconv.ParseUint(rejoined.Raft().Stats()["last_snapshot_index"], 10, 64)
		if got <= snapIdx {
			return fmt.Errorf("rejoined follower's last snapshot index %d, leader's %d: it did not install the state as of the send", got, snapIdx)
		}
		return nil
	})
	if h, _, _ := rejoined.FSM().StateHash(); h != hash {
		t.Errorf("rejoined follower hash %.12s, cluster %.12s", h, hash)
	}
	var sum int64
	for _, k := range []string{"k0", "k1", "k2", "k3", "k4", "after"} {
		sum += counterOn(t, rejoined, k)
	}
	if sum != want {
		t.Errorf("rejoined follower counters sum to %d, want %d", sum, want)
	}
}

// TestLogStaysBoundedUnderLoad lets raft snapshot on its own threshold
// while writes keep coming: the log must be compacted again and again, not
// grow with the number of writes.
func TestLogStaysBoundedUnderLoad(t *testing.T) {
	const threshold, trailing = 64, 32
	c := arenatest.NewCluster(t, 3, arenatest.WithConfig(func(i int, cfg *arena.Config) {
		cfg.SnapshotThreshold = threshold
		cfg.TrailingLogs = trailing
		cfg.SnapshotInterval = 50 * time.Millisecond // raft checks the threshold this often (jittered)
	}))
	const writes = 1200
	for i := 0; i < writes; i++ {
		addOnLeader(t, c, "load", 1)
	}
	c.WaitConverged()
	// Snapshots run in the background: wait for the next check to compact.
	c.Eventually(30*time.Second, func() error {
		for i, n := range c.Nodes {
			first, last, err := n.LogSpan()
			if err != nil {
				return err
			}
			// Compaction keeps at most threshold entries past the last
			// snapshot plus the trailing ones; allow slack for the entries
			// written since the last check.
			if span := last - first; span > 4*(threshold+trailing) {
				return fmt.Errorf("node %d holds %d log entries after %d writes", i, span, writes)
			}
			if _, _, ok := n.LastSnapshot(); !ok {
				return fmt.Errorf("node %d has taken no snapshot", i)
			}
		}
		return nil
	})
}
