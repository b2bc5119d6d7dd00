package arena_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/games/verifiable"
	"github.com/agentarena/arena/ledger"
)

// levels stands in for the release each test node runs: node i proposes
// and reports levels[i], and storing into it upgrades the node in place.
type levels []atomic.Int64

func (l levels) option() arenatest.Option {
	return arenatest.WithConfig(func(i int, cfg *arena.Config) {
		cfg.Level = func() int { return int(l[i].Load()) }
	})
}

func wantCode(t *testing.T, err error, code apperr.Code, what string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != code {
		t.Fatalf("%s: %v, want %s", what, err, code)
	}
}

// TestClusterLevelGatesNewCommands: on a data dir an older release wrote
// (command level 0), the leader proposes only what that release can read
// (grants without the credit cap, no arena.delete, no distinct_owners),
// and the first start of the new release on a one-node cluster moves the
// level up and opens them.
func TestClusterLevelGatesNewCommands(t *testing.T) {
	lv := make(levels, 1)
	c := arenatest.NewCluster(t, 1, lv.option())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := c.Leader()
	if got := n.ClusterLevel(); got != 0 {
		t.Fatalf("cluster level %d on a cluster of level-0 nodes, want 0", got)
	}
	if err := n.Seed(ctx, arena.DefaultArenas(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := n.CreateOwner(ctx, agents.Owner{ID: "ow_x", Name: "x"}, agents.HashKey("kx")); err != nil {
		t.Fatal(err)
	}
	_, err := n.DeleteArena(ctx, "connect4", false)
	wantCode(t, err, apperr.Conflict, "arena delete at level 0")
	a, err := n.Arena("connect4")
	if err != nil {
		t.Fatal(err)
	}
	a.DistinctOwners = true
	_, err = n.PutArena(ctx, a)
	wantCode(t, err, apperr.Conflict, "distinct_owners at level 0")
	// Without max_credit in the command, the cap is not checked: what an
	// older release does with the same log.
	if _, err := n.Grant(ctx, "g1", "ow_x", ledger.MaxCredit, "grant", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Grant(ctx, "g2", "ow_x", 1, "grant", ""); err != nil {
		t.Fatalf("a grant over the cap at level 0 (an older release applies it): %v", err)
	}

	c.Stop(0)
	lv[0].Store(arena.CommandLevel)
	c.Start(0)
	n = c.Leader()
	c.Eventually(10*time.Second, func() error {
		if got := n.ClusterLevel(); got != arena.CommandLevel {
			return errors.New("level not raised yet")
		}
		return nil
	})
	_, err = n.Grant(ctx, "g3", "ow_x", 1, "grant", "")
	wantCode(t, err, apperr.Conflict, "a grant over the cap at the new level")
	if _, err := n.PutArena(ctx, a); err != nil {
		t.Fatalf("distinct_owners at the new level: %v", err)
	}
	if _, err := n.DeleteArena(ctx, "connect4", false); err != nil {
		t.Fatalf("arena delete at the new level: %v", err)
	}
}

// TestRaiseClusterLevelWaitsForEveryMember: the leader raises the level
// to the lowest any member reports, and not at all while a member's level
// is unknown; a follower cannot raise it; every node applies the raise.
func TestRaiseClusterLevelWaitsForEveryMember(t *testing.T) {
	lv := make(levels, 3)
	c := arenatest.NewCluster(t, 3, lv.option())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range lv {
		lv[i].Store(arena.CommandLevel) // every node upgraded in place
	}
	leader := c.Leader()
	var others []string
	var follower *arena.Node
	for i, n := range c.Nodes {
		if n != leader {
			others = append(others, n.ID())
			follower = c.Nodes[i]
		}
	}
	for _, tc := range []struct {
		name   string
		levels map[string]int
	}{
		{"one member unknown", map[string]int{others[0]: arena.CommandLevel}},
		{"one member still old", map[string]int{others[0]: arena.CommandLevel, others[1]: 0}},
	} {
		got, err := leader.RaiseClusterLevel(ctx, tc.levels)
		if err != nil || got != 0 {
			t.Fatalf("%s: level %d, %v; want 0", tc.name, got, err)
		}
	}
	_, err := follower.RaiseClusterLevel(ctx, map[string]int{others[0]: 1, others[1]: 1, leader.ID(): 1})
	wantCode(t, err, apperr.NotLeader, "raise on a follower")
	got, err := leader.RaiseClusterLevel(ctx, map[string]int{others[0]: arena.CommandLevel, others[1]: arena.CommandLevel + 5})
	if err != nil || got != arena.CommandLevel {
		t.Fatalf("every member upgraded: level %d, %v; want %d", got, err, arena.CommandLevel)
	}
	c.WaitConverged()
	for _, n := range c.Nodes {
		if got := n.ClusterLevel(); got != arena.CommandLevel {
			t.Errorf("%s: cluster level %d, want %d", n.ID(), got, arena.CommandLevel)
		}
	}
}

// TestNewerLevelRefusesToOpen: a release never opens a data dir a newer
// release has moved past its level (it would reject that release's
// commands while the other members apply them).
func TestNewerLevelRefusesToOpen(t *testing.T) {
	lv := make(levels, 1)
	lv[0].Store(arena.CommandLevel)
	c := arenatest.NewCluster(t, 1, lv.option())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lv[0].Store(arena.CommandLevel + 1)
	if got, err := c.Leader().RaiseClusterLevel(ctx, nil); err != nil || got != arena.CommandLevel+1 {
		t.Fatalf("raise to %d: %d, %v", arena.CommandLevel+1, got, err)
	}
	c.Stop(0)
	lv[0].Store(arena.CommandLevel)
	cfg := arena.Config{NodeID: "node0", DataDir: c.Dirs[0], Level: func() int { return int(lv[0].Load()) }}
	n, err := arena.Open(cfg)
	if err == nil {
		n.Close()
		t.Fatal("an older release opened a data dir at a newer command level")
	}
	t.Log(err)
}

// TestJoinAtLevel: a node of an older release is refused before it becomes
// a member; one at the cluster's level joins.
func TestJoinAtLevel(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := c.Leader()
	err := n.JoinAtLevel(ctx, arena.NodeMeta{ID: "old", RaftAddr: "old:7000", HTTPAddr: "http://old.invalid"}, 0)
	wantCode(t, err, apperr.Conflict, "a join at level 0")
	if err := n.JoinAtLevel(ctx, arena.NodeMeta{ID: "new", RaftAddr: "new:7000", HTTPAddr: "http://new.invalid"}, arena.CommandLevel); err != nil {
		t.Fatalf("a join at the cluster's level: %v", err)
	}
	st, err := n.Status()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range st.Nodes {
		ids = append(ids, m.ID)
	}
	if len(ids) != 2 || ids[0] != "new" || ids[1] != "node0" {
		t.Fatalf("members %v, want new and node0", ids)
	}
}

// TestLevelTwoGatesTaskRevisionsAndTokenRotation: a leader of the new
// release keeps starting contests on the generators every member runs
// (an older member would draw another task from the same seed, and the
// replicas' states would part) and moves to the revised ones with the
// level; an operator token rotation, which an older member would apply
// as a no-op, waits for the level too.
func TestLevelTwoGatesTaskRevisionsAndTokenRotation(t *testing.T) {
	lv := make(levels, 1)
	lv[0].Store(arena.LevelTaskRev - 1)
	c := arenatest.NewCluster(t, 1, lv.option())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := c.Leader()
	if err := n.Seed(ctx, arena.DefaultArenas(), nil); err != nil {
		t.Fatal(err)
	}
	a, err := n.Arena("verifiable")
	if err != nil {
		t.Fatal(err)
	}
	a.Options = json.RawMessage(`{"families":["logic"],"levels":[3]}`)
	if _, err := n.PutArena(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := n.CreateOwner(ctx, agents.Owner{ID: "ow_x", Name: "x"}, agents.HashKey("kx")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"ag_1", "ag_2", "ag_3", "ag_4"} {
		if _, err := n.CreateAgent(ctx, agents.Agent{ID: id, OwnerID: "ow_x", Name: id, Kind: agents.KindWebsocket}, agents.HashKey(id)); err != nil {
			t.Fatal(err)
		}
	}
	taskID := func(n *arena.Node, id string, seats []string) string {
		t.Helper()
		con, err := n.CreateContest(ctx, id, "verifiable", seats, 42)
		if err != nil {
			t.Fatal(err)
		}
		st, err := n.GameState(con)
		if err != nil {
			t.Fatal(err)
		}
		return st.(interface{ Task() verifiable.Task }).Task().ID
	}
	old := taskID(n, "c_old", []string{"ag_1", "ag_2"})
	if strings.HasSuffix(old, "-r1") {
		t.Fatalf("a contest at level %d drew revision 1's task %s", arena.LevelTaskRev-1, old)
	}
	newHash := agents.HashKey("arop_rotated")
	wantCode(t, n.RotateOperatorToken(ctx, newHash), apperr.Conflict, "rotating the operator token below its level")

	c.Stop(0)
	lv[0].Store(arena.LevelTaskRev)
	c.Start(0)
	n = c.Leader()
	c.Eventually(10*time.Second, func() error {
		if got := n.ClusterLevel(); got != arena.LevelTaskRev {
			return errors.New("level not raised yet")
		}
		return nil
	})
	if got := taskID(n, "c_new", []string{"ag_3", "ag_4"}); got != old+"-r1" {
		t.Fatalf("the same seed at level %d drew %s, want %s", arena.LevelTaskRev, got, old+"-r1")
	}
	if err := n.RotateOperatorToken(ctx, newHash); err != nil || n.OperatorTokenHash() != newHash {
		t.Fatalf("rotate at level %d: %v, hash %s", arena.LevelTokenRotation, err, n.OperatorTokenHash())
	}
}
