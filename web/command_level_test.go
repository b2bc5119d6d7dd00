package web_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

// TestClusterLevelRisesOnceEveryMemberIsUpgraded walks a rolling upgrade:
// three nodes on data dirs an older release wrote (command level 0) keep
// the level, and refuse what only the new release can read, until the last
// member reports the new release over /v1/cluster/progress; then the
// leader's poller raises it on every node. A node of an older release is
// then refused at the door.
func TestClusterLevelRisesOnceEveryMemberIsUpgraded(t *testing.T) {
	lv := make([]atomic.Int64, 3)
	e := newEnv(t, 3, envConfig{node: func(i int, c *arena.Config) {
		c.Level = func() int { return int(lv[i].Load()) }
	}})
	op := arenatest.OperatorToken
	leader, _ := e.leader()
	e.do(t, leader, req{method: "PUT", path: "/v1/arenas/old", key: op, body: `{"game":"prompt","seats":2}`}).want(t, 200)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for _, tn := range e.nodes {
		wg.Add(1)
		go func() { defer wg.Done(); tn.web.Run(ctx) }()
	}

	levelsSeen := func(n *testNode) (int, string) {
		var st arena.Status
		e.do(t, n, req{method: "GET", path: "/v1/cluster"}).want(t, 200).decode(t, &st)
		var members []string
		for _, m := range st.Nodes {
			l := "?"
			if m.CommandLevel != nil {
				l = fmt.Sprint(*m.CommandLevel)
			}
			members = append(members, m.ID+"="+l)
		}
		return st.CommandLevel, strings.Join(members, " ")
	}

	lv[0].Store(arena.CommandLevel)
	lv[1].Store(arena.CommandLevel)
	eventually(t, 10*time.Second, func() error {
		if _, members := levelsSeen(leader); members != fmt.Sprintf("node0=%d node1=%d node2=0", arena.CommandLevel, arena.CommandLevel) {
			return fmt.Errorf("members' levels %q", members)
		}
		return nil
	})
	time.Sleep(1500 * time.Millisecond) // three polls with node2 still old
	if got, members := levelsSeen(leader); got != 0 {
		t.Fatalf("cluster level %d with a member still old (%s), want 0", got, members)
	}
	e.do(t, leader, req{method: "DELETE", path: "/v1/arenas/old", key: op}).
		wantError(t, 409, "conflict", "needs cluster command level 1 and the cluster is at 0")

	lv[2].Store(arena.CommandLevel)
	for _, n := range e.nodes {
		eventually(t, 15*time.Second, func() error {
			if got, members := levelsSeen(n); got != arena.CommandLevel {
				return fmt.Errorf("cluster level %d (%s)", got, members)
			}
			return nil
		})
	}
	e.do(t, leader, req{method: "DELETE", path: "/v1/arenas/old", key: op}).want(t, 204)

	for _, body := range []string{
		`{"node_id":"old1","raft_addr":"127.0.0.1:7999","http_addr":"http://127.0.0.1:9"}`,
		`{"node_id":"old2","raft_addr":"127.0.0.1:7999","http_addr":"http://127.0.0.1:9","command_level":0}`,
	} {
		e.do(t, leader, req{method: "POST", path: "/v1/cluster/join", key: op, body: body}).
			wantError(t, 409, "conflict", fmt.Sprintf("at command level 0 and this cluster is at level %d", arena.CommandLevel))
	}
	if got, members := levelsSeen(leader); strings.Contains(members, "old") {
		t.Fatalf("a refused join added a member: level %d, %s", got, members)
	}
}
