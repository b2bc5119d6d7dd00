package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/internal/blackhole"
	"github.com/agentarena/arena/web"
)

// lagging is a real follower whose applied index a test may pin (0: the
// node's own).
type lagging struct {
	web.Node
	applied *atomic.Uint64
}

func (l lagging) AppliedIndex() uint64 {
	if a := l.applied.Load(); a > 0 {
		return a
	}
	return l.Node.AppliedIndex()
}

// replaying is a real node whose state is still catching up on its log
// after an unclean stop (arena.Node.Replaying).
type replaying struct{ web.Node }

func (replaying) Replaying() bool { return true }

// runServer serves cfg on a loopback server and runs its background work
// (the progress poller) until the test ends.
func runServer(t *testing.T, cfg web.Config) string {
	t.Helper()
	srv, url := serve(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return url
}

// freezeHTTP replaces n's HTTP server by a listener that accepts
// connections and never answers: a leader whose process is frozen (or
// whose HTTP port is blackholed) while its Raft still leads.
func freezeHTTP(t *testing.T, n *testNode) {
	t.Helper()
	addr := n.srv.Listener.Addr().String()
	n.srv.CloseClientConnections()
	n.srv.Close()
	var ln net.Listener
	eventually(t, 5*time.Second, func() error {
		var err error
		ln, err = net.Listen("tcp", addr)
		return err
	})
	blackhole.Hold(t, ln)
}

type readyBody struct {
	Status       string `json:"status"`
	Reason       string `json:"reason"`
	Applied      uint64 `json:"applied_index"`
	LeaderCommit uint64 `json:"leader_commit_index"`
	Lag          uint64 `json:"lag"`
}

// TestReadyzOnAFollowerJudgesByTheLastAnswerWhenThePollFails: when the
// progress poller's last call to the leader failed (a frozen leader), a
// follower's /readyz answers at once from the leader's last answer
// instead of asking again and waiting out the timeout, as long as a load
// balancer's check; it still judges the lag by that answer, and gives up
// on it after 10 s.
func TestReadyzOnAFollowerJudgesByTheLastAnswerWhenThePollFails(t *testing.T) {
	t.Parallel() // mostly waits: on elections, then on the last answer's age
	e := newEnv(t, 3, envConfig{})
	leader, followers := e.leader()
	for i := range 5 {
		e.do(t, leader, req{method: "POST", path: "/v1/owners", body: fmt.Sprintf(`{"name":"r%d"}`, i)}).want(t, 201)
	}
	const interval = time.Second // asking the frozen leader would take 2 s
	const maxLag = 3
	pinned := new(atomic.Uint64)
	url := runServer(t, web.Config{Node: lagging{followers[0].node, pinned}, ProgressInterval: interval, ReadyMaxLag: maxLag})
	var before readyBody
	eventually(t, 10*time.Second, func() error {
		if st := getJSON(t, url+"/readyz", &before); st != 200 {
			return fmt.Errorf("readyz %d: %+v", st, before)
		}
		return nil
	})
	commit := leader.node.Progress().CommitIndex // nothing writes from here on

	freezeHTTP(t, leader)
	lastGood := time.Now()
	eventually(t, 10*time.Second, func() error {
		var st arena.Status
		getJSON(t, url+"/v1/cluster", &st)
		for _, m := range st.Nodes {
			if m.ID == leader.node.ID() && m.Reachable != nil && !*m.Reachable {
				return nil
			}
		}
		return fmt.Errorf("the poller has not failed to reach the leader yet: %+v", st.Nodes)
	})

	t.Run("ready at once, by the leader's last commit index", func(t *testing.T) {
		var got readyBody
		start := time.Now()
		st := getJSON(t, url+"/readyz", &got)
		took := time.Since(start)
		if st != 200 || got.Status != "ready" {
			t.Fatalf("readyz %d %+v, want 200 ready", st, got)
		}
		if took >= 3*interval/2 {
			t.Errorf("readyz took %v: it asked the frozen leader (that waits 2x the %v poll interval) instead of using the last answer", took, interval)
		}
		if got.LeaderCommit < before.LeaderCommit || got.LeaderCommit > commit {
			t.Errorf("leader_commit_index %d, want the leader's last answer (between %d and %d)", got.LeaderCommit, before.LeaderCommit, commit)
		}
	})

	t.Run("the lag is still judged by that answer", func(t *testing.T) {
		pinned.Store(commit - maxLag - 1)
		defer pinned.Store(0)
		var got readyBody
		if st := getJSON(t, url+"/readyz", &got); st != 503 || !strings.Contains(got.Reason, "catching up") || got.Lag != maxLag+1 {
			t.Errorf("readyz %d %+v, want 503 catching up with a lag of %d", st, got, maxLag+1)
		}
	})

	t.Run("after 10 s the last answer no longer counts", func(t *testing.T) {
		time.Sleep(time.Until(lastGood.Add(10 * time.Second)))
		eventually(t, 10*time.Second, func() error {
			var got readyBody
			if st := getJSON(t, url+"/readyz", &got); st != 503 || !strings.Contains(got.Reason, "cannot learn leader "+leader.node.ID()) {
				return fmt.Errorf("readyz %d %+v, want 503 naming the leader it cannot ask", st, got)
			}
			return nil
		})
	})
}

// TestClusterViewsAnswerWhileReplayingWithoutQuorum: a node restarted
// after an unclean stop serves reads linearizably until it has replayed
// its log, and with no quorum those fail; but GET /v1/cluster and
// /v1/cluster/progress still answer from the node itself, since an
// operator needs them most then (the member list, to write peers.json).
// What it says about the missing leader names the voters it cannot reach.
func TestClusterViewsAnswerWhileReplayingWithoutQuorum(t *testing.T) {
	t.Parallel() // three nodes mostly wait on elections; overlap them
	e := newEnv(t, 3, envConfig{})
	leader, followers := e.leader()
	e.createOwner(t, leader, "Kept")
	lone := followers[1]
	eventually(t, 10*time.Second, func() error {
		if a, c := lone.node.AppliedIndex(), leader.node.Progress().CommitIndex; a < c {
			return fmt.Errorf("%s applied %d of %d", lone.node.ID(), a, c)
		}
		return nil
	})
	for _, gone := range []*testNode{followers[0], leader} { // two of the three processes die
		gone.srv.Close()
		e.cluster.Stop(e.cluster.Index(gone.node))
	}
	url := runServer(t, web.Config{Node: replaying{lone.node}, ProgressInterval: 100 * time.Millisecond, LeaderWait: 20 * time.Second})
	eventually(t, 10*time.Second, func() error {
		if _, ok := lone.node.Leader(); ok {
			return fmt.Errorf("%s still knows a leader", lone.node.ID())
		}
		var h readyBody
		if st := getJSON(t, url+"/readyz", &h); st != 503 || !strings.Contains(h.Reason, "do not answer") {
			return fmt.Errorf("readyz %d %+v, want 503 naming the voters it cannot reach", st, h)
		}
		return nil
	})

	t.Run("GET /v1/cluster answers from the node", func(t *testing.T) {
		var st arena.Status
		if code := getJSON(t, url+"/v1/cluster", &st); code != 200 {
			t.Fatalf("/v1/cluster %d", code)
		}
		if st.NodeID != lone.node.ID() || st.Leader != nil || len(st.Nodes) != 3 || st.AppliedIndex == 0 || st.StateHash == "" {
			t.Errorf("/v1/cluster %+v: want this node's view, no leader, the 3 members, its applied index and state hash", st)
		}
		for _, m := range st.Nodes {
			if m.ID != lone.node.ID() && (m.Reachable == nil || *m.Reachable) {
				t.Errorf("member %s is shown reachable", m.ID)
			}
		}
	})

	t.Run("GET /v1/cluster/progress answers from the node", func(t *testing.T) {
		var p api.Progress
		if code := getJSON(t, url+"/v1/cluster/progress", &p); code != 200 {
			t.Fatalf("/v1/cluster/progress %d", code)
		}
		if p.NodeID != lone.node.ID() || p.LeaderID != "" || p.AppliedIndex != lone.node.AppliedIndex() {
			t.Errorf("progress %+v, want %s with no leader at applied index %d", p, lone.node.ID(), lone.node.AppliedIndex())
		}
	})

	t.Run("other reads, and a linearizable cluster view, fail retryably", func(t *testing.T) {
		for _, path := range []string{"/v1/arenas", "/v1/contests", "/v1/cluster?consistency=linearizable"} {
			r, err := http.Get(url + path)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			if r.StatusCode != http.StatusMisdirectedRequest {
				t.Errorf("GET %s while replaying without a leader: %d, want 421", path, r.StatusCode)
			}
		}
	})

	t.Run("a write is refused at once, saying the quorum is gone", func(t *testing.T) {
		// No election can succeed: holding the write for LeaderWait would
		// only delay the answer (and again at each retry of a client).
		start := time.Now()
		resp, err := http.Post(url+"/v1/owners", "application/json", strings.NewReader(`{"name":"Late"}`))
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("the write was answered after %v, held for a leader that cannot be elected", took)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var eb web.ErrorBody
		if err := json.NewDecoder(resp.Body).Decode(&eb); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusMisdirectedRequest || !strings.Contains(eb.Error.Message, "a leader needs 2") ||
			!strings.Contains(eb.Error.Message, "peers.json") {
			t.Errorf("write: %d %+v, want 421 saying a leader needs 2 of the 3 voters and pointing to peers.json", resp.StatusCode, eb)
		}
	})

	t.Run("liveness is unaffected", func(t *testing.T) {
		var h map[string]any
		if code := getJSON(t, url+"/healthz", &h); code != 200 {
			t.Errorf("/healthz %d", code)
		}
	})
}
