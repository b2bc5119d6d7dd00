package web_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

func TestOperatorMembership(t *testing.T) {
	t.Parallel() // three nodes mostly wait on elections; overlap them
	e := newEnv(t, 3, envConfig{})
	leader, followers := e.leader()
	op := arenatest.OperatorToken

	members := func(t *testing.T, n *testNode) []string {
		t.Helper()
		var st arena.Status
		e.do(t, n, req{method: "GET", path: "/v1/cluster?consistency=linearizable"}).want(t, 200).decode(t, &st)
		var ids []string
		for _, m := range st.Nodes {
			ids = append(ids, m.ID)
		}
		return ids
	}

	t.Run("re-joining a member through a follower only refreshes it", func(t *testing.T) {
		f := followers[0]
		body := mustJSON(t, map[string]any{"node_id": f.node.ID(), "raft_addr": f.node.RaftAddr(), "http_addr": f.srv.URL, "command_level": arena.CommandLevel})
		var got struct {
			Nodes []arena.Member `json:"nodes"`
		}
		e.do(t, followers[1], req{method: "POST", path: "/v1/cluster/join", key: op, body: body}).want(t, 200).decode(t, &got)
		if len(got.Nodes) != 3 {
			t.Errorf("join answered %d members, want 3: %+v", len(got.Nodes), got.Nodes)
		}
	})

	t.Run("a join naming another member's raft address is refused and evicts nobody", func(t *testing.T) {
		taken := followers[0]
		body := mustJSON(t, map[string]any{"node_id": "impostor", "raft_addr": taken.node.RaftAddr(), "http_addr": "http://127.0.0.1:9", "command_level": arena.CommandLevel})
		e.do(t, leader, req{method: "POST", path: "/v1/cluster/join", key: op, body: body}).
			wantError(t, 409, "conflict", "belongs to member "+taken.node.ID())
		if got := members(t, leader); len(got) != 3 || !slices.Contains(got, taken.node.ID()) {
			t.Errorf("members %v after the refused join, want the three, %s among them", got, taken.node.ID())
		}
	})

	t.Run("removing a member through a follower takes it out everywhere", func(t *testing.T) {
		gone := followers[0]
		e.do(t, followers[1], req{method: "DELETE", path: "/v1/cluster/nodes/" + gone.node.ID(), key: op}).want(t, 204)
		want := []string{leader.node.ID(), followers[1].node.ID()}
		slices.Sort(want)
		for _, n := range []*testNode{leader, followers[1]} {
			if got := members(t, n); !slices.Equal(got, want) {
				t.Errorf("%s lists members %v, want %v", n.node.ID(), got, want)
			}
		}
		e.cluster.Stop(e.cluster.Index(gone.node))
	})

	t.Run("removing it again is not found", func(t *testing.T) {
		e.do(t, leader, req{method: "DELETE", path: "/v1/cluster/nodes/" + followers[0].node.ID(), key: op}).
			wantError(t, 404, "not_found", "not a member")
	})
}

func TestConcurrentWritesThroughEveryNode(t *testing.T) {
	t.Parallel() // three nodes mostly wait on elections; overlap them
	e := newEnv(t, 3, envConfig{})
	leader, _ := e.leader()
	_, key := e.createOwner(t, leader, "Many")
	const workers, each = 6, 8
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			n := e.nodes[w%len(e.nodes)]
			for i := range each {
				r, err := e.try(t, n, req{method: "POST", path: "/v1/agents", key: key,
					body: fmt.Sprintf(`{"name":"w%d-%d"}`, w, i)})
				if err != nil {
					t.Error(err)
					return
				}
				if r.status != http.StatusCreated {
					t.Errorf("worker %d via %s: status %d: %s", w, n.node.ID(), r.status, r.body)
				}
			}
		})
	}
	wg.Wait()
	for _, n := range e.nodes {
		var l agentList
		e.do(t, n, req{method: "GET", path: "/v1/agents?owner=me&limit=500&consistency=linearizable", key: key}).want(t, 200).decode(t, &l)
		if len(l.Agents) != workers*each {
			t.Errorf("%s lists %d agents, want %d", n.node.ID(), len(l.Agents), workers*each)
		}
	}
	e.cluster.WaitConverged()
}
