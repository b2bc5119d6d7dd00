package arena_test

import (
	"context"
	"fmt"
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

// TestLeaderStaysReadyUnderWrites: a busy leader always has entries between
// commit and apply; that is not lag, and readiness must not flap with it
// (load balancers would drop the busiest node). Its status stays one
// consistent moment meanwhile.
func TestLeaderStaysReadyUnderWrites(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	n := c.Leader()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	for w := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; ctx.Err() == nil; i++ {
				id := fmt.Sprintf("ow_r%d_%d", w, i)
				if _, err := n.CreateOwner(ctx, agents.Owner{ID: id, Name: id}, agents.HashKey("aro_"+id)); err != nil && ctx.Err() == nil {
					t.Errorf("write %s: %v", id, err)
					return
				}
			}
		}()
	}
	for end := time.Now().Add(time.Second); time.Now().Before(end); {
		if ok, why := n.Ready(); !ok {
			t.Errorf("leader not ready while writing: %s", why)
			break
		}
		// One status is one moment: never more applied than committed, or
		// more committed than logged.
		st, err := n.RecentStatus(time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if st.AppliedIndex > st.CommitIndex || st.CommitIndex > st.LastLogIndex {
			t.Errorf("status while writing: applied %d, commit %d, last log %d", st.AppliedIndex, st.CommitIndex, st.LastLogIndex)
			break
		}
	}
	cancel()
	for range 8 {
		<-done
	}
}
