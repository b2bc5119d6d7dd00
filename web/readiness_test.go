package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/web"
)

// behind is a real follower that reports an applied index of its choosing:
// a node still catching up, seen by /readyz.
type behind struct {
	web.Node
	applied uint64
}

func (b behind) AppliedIndex() uint64 { return b.applied }

// neverApplies is a real follower whose state machine never reaches a
// forwarded write within the wait: a follower far behind the leader.
type neverApplies struct{ web.Node }

func (neverApplies) WaitApplied(ctx context.Context, idx uint64) error {
	return apperr.New(apperr.Unavailable, "timed out waiting for index %d", idx)
}

// serve puts a web.Server over node on a loopback server for the test.
func serve(t *testing.T, cfg web.Config) (*web.Server, string) {
	t.Helper()
	srv := web.New(cfg)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return srv, hs.URL
}

func getJSON(t *testing.T, url string, out any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("decode %s: %v", url, err)
	}
	return resp.StatusCode
}

// TestReadyzMeansCaughtUp: a follower is ready only while its applied
// index is within ReadyMaxLag of the leader's commit index, which it asks
// the leader for; a draining node is never ready; /livez stays up.
func TestReadyzMeansCaughtUp(t *testing.T) {
	e := newEnv(t, 3, envConfig{})
	leader, followers := e.leader()
	for i := range 12 {
		e.do(t, leader, req{method: "POST", path: "/v1/owners", body: fmt.Sprintf(`{"name":"o%d"}`, i)}).want(t, 201)
	}
	f := followers[0]
	eventually(t, 10*time.Second, func() error {
		if a, c := f.node.AppliedIndex(), leader.node.Progress().CommitIndex; a < c {
			return fmt.Errorf("follower at %d, leader commit %d", a, c)
		}
		return nil
	})
	commit := leader.node.Progress().CommitIndex
	const maxLag = 5
	tests := []struct {
		name     string
		applied  uint64
		drain    bool
		want     int
		inReason string
	}{
		{name: "caught up", applied: commit, want: 200},
		{name: "within the lag", applied: commit - maxLag, want: 200},
		{name: "beyond the lag", applied: commit - maxLag - 1, want: 503, inReason: "catching up"},
		{name: "a fresh member at index 0", applied: 0, want: 503, inReason: "catching up"},
		{name: "draining", applied: commit, drain: true, want: 503, inReason: "shutting down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, url := serve(t, web.Config{Node: behind{f.node, tt.applied}, ReadyMaxLag: maxLag})
			if tt.drain {
				srv.SetDraining()
			}
			var body struct {
				Status string `json:"status"`
				Reason string `json:"reason"`
				Lag    uint64 `json:"lag"`
			}
			if got := getJSON(t, url+"/readyz", &body); got != tt.want {
				t.Fatalf("readyz %d (%+v), want %d", got, body, tt.want)
			}
			if !strings.Contains(body.Reason, tt.inReason) {
				t.Errorf("reason %q, want it to say %q", body.Reason, tt.inReason)
			}
			if tt.want == 503 && !tt.drain && body.Lag < commit-tt.applied {
				t.Errorf("lag %d, want at least %d", body.Lag, commit-tt.applied)
			}
			var live map[string]any
			if got := getJSON(t, url+"/livez", &live); got != 200 {
				t.Errorf("livez %d while readyz %d", got, tt.want)
			}
		})
	}
}

// TestForwardedWriteNotYetAppliedHere: a write the leader applied but the
// forwarding follower did not reach within its wait is not a silent 200:
// it answers 202 with the leader's body and says which index is missing.
func TestForwardedWriteNotYetAppliedHere(t *testing.T) {
	e := newEnv(t, 3, envConfig{requestTimeout: time.Second})
	leader, followers := e.leader()
	_, url := serve(t, web.Config{Node: neverApplies{followers[0].node}, RequestTimeout: time.Second})
	resp, err := http.Post(url+"/v1/owners", "application/json", strings.NewReader(`{"name":"Lagging"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Owner struct{ ID string } `json:"owner"`
		Key   string              `json:"api_key"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d, want 202", resp.StatusCode)
	}
	if resp.Header.Get("X-Arena-Not-Applied-Here") == "" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("headers %v lack X-Arena-Not-Applied-Here or Retry-After", resp.Header)
	}
	if out.Owner.ID == "" {
		t.Fatalf("the leader's answer was not relayed: %+v", out)
	}
	if out.Key == "" {
		t.Fatal("the owner's one-time key was lost")
	}
	// It was applied on the leader.
	e.do(t, leader, req{method: "GET", path: "/v1/owners/me", key: out.Key}).want(t, 200)
}

// TestForwardFailsFastOnLeaderChange: a follower forwarding a write to a
// leader that stops answering gives up as soon as it sees another leader,
// with a retryable 503 leader_changed, not after the forward timeout.
func TestForwardFailsFastOnLeaderChange(t *testing.T) {
	e := newEnv(t, 3, envConfig{forwardTimeout: time.Minute})
	leader, followers := e.leader()
	leader.stall(5 * time.Second) // longer than the test waits for the answer
	answer := make(chan resp, 1)
	go func() {
		r, err := e.try(t, followers[0], req{method: "POST", path: "/v1/owners", body: `{"name":"Stuck"}`})
		if err != nil {
			t.Error(err)
		}
		answer <- r
	}()
	eventually(t, 10*time.Second, func() error {
		if leader.forwardedIn.Load() == 0 {
			return fmt.Errorf("the write has not reached the leader")
		}
		return nil
	})
	if err := leader.node.Raft().LeadershipTransfer().Error(); err != nil {
		t.Fatalf("transfer leadership: %v", err)
	}
	select {
	case r := <-answer:
		r.wantError(t, http.StatusServiceUnavailable, "leader_changed", "may or may not have been applied")
		if r.header.Get("Retry-After") == "" {
			t.Error("no Retry-After on leader_changed")
		}
	case <-time.After(4 * time.Second): // still inside the old leader's stall
		t.Fatal("the forward kept waiting on the replaced leader")
	}
}

// TestLeaderPromotesCaughtUpNonVoters: the leader's poller promotes a
// non-voter that has caught up, and never a read replica.
func TestLeaderPromotesCaughtUpNonVoters(t *testing.T) {
	e := newEnv(t, 3, envConfig{})
	leader, followers := e.leader()
	learner, replica := followers[0], followers[1]
	if err := leader.node.Raft().DemoteVoter(rid(learner), 0, 5*time.Second).Error(); err != nil {
		t.Fatalf("demote: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	meta, _ := replicaMeta(t, leader, replica)
	meta.ReadReplica = true
	if err := leader.node.Join(ctx, meta); err != nil {
		t.Fatalf("re-join as read replica: %v", err)
	}
	suffrage := func(id string) (string, bool) {
		ms, err := leader.node.Members()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.ID == id {
				return m.Suffrage, m.ReadReplica
			}
		}
		return "", false
	}
	if s, _ := suffrage(learner.node.ID()); s != "Nonvoter" {
		t.Fatalf("demoted learner is a %s", s)
	}
	srv := web.New(web.Config{Node: leader.node, ProgressInterval: 50 * time.Millisecond})
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	eventually(t, 15*time.Second, func() error {
		if s, _ := suffrage(learner.node.ID()); s != "Voter" {
			return fmt.Errorf("learner is still a %s", s)
		}
		return nil
	})
	// The poll that promoted the learner saw the replica caught up too.
	if s, rr := suffrage(replica.node.ID()); s != "Nonvoter" || !rr {
		t.Errorf("read replica is a %s (read_replica %v), want a Nonvoter", s, rr)
	}
}

func rid(n *testNode) raft.ServerID { return raft.ServerID(n.node.ID()) }

// replicaMeta is n's membership entry as the leader knows it.
func replicaMeta(t *testing.T, leader, n *testNode) (arena.NodeMeta, bool) {
	t.Helper()
	ms, err := leader.node.Members()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.ID == n.node.ID() {
			return arena.NodeMeta{ID: m.ID, RaftAddr: m.RaftAddr, HTTPAddr: m.HTTPAddr}, true
		}
	}
	t.Fatalf("%s is not a member", n.node.ID())
	return arena.NodeMeta{}, false
}
