package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentarena/arena/arena/arenatest"
)

// TestWritesWaitOutALeaderRemovingItself: a leader that removes itself
// stops its Raft as soon as the new configuration commits, and the
// others elect a leader only after their election timeout. A write sent
// to a follower in that gap was answered 421 (the leader's entry had no
// HTTP address any more, or the old leader said it no longer leads);
// nothing had been applied, so the follower now holds it until the new
// leader takes it. The removed node says what it is.
func TestWritesWaitOutALeaderRemovingItself(t *testing.T) {
	t.Parallel() // three nodes mostly wait on elections; overlap them
	e := newEnv(t, 3, envConfig{leaderWait: 20 * time.Second})
	leader, followers := e.leader()
	e.do(t, leader, req{method: "DELETE", path: "/v1/cluster/nodes/" + leader.node.ID(), key: arenatest.OperatorToken}).want(t, 204)
	// Once each follower holds the configuration without the old leader
	// (before that it still forwards to it, which may accept a write into
	// its log just before it stops, an outcome no one can know: 503
	// leader_changed, as it should be), and before their election timeout
	// on an idle machine: each write waits for the new leader and is taken.
	for _, f := range followers {
		eventually(t, 10*time.Second, func() error {
			fut := f.node.Raft().GetConfiguration()
			if err := fut.Error(); err != nil {
				return err
			}
			for _, s := range fut.Configuration().Servers {
				if string(s.ID) == leader.node.ID() {
					return fmt.Errorf("%s still lists %s", f.node.ID(), s.ID)
				}
			}
			return nil
		})
	}
	start := time.Now()
	var wg sync.WaitGroup
	answers := make([]resp, 2*len(followers))
	errs := make([]error, len(answers))
	for i := range answers {
		f := followers[i%len(followers)]
		wg.Go(func() {
			answers[i], errs[i] = e.try(t, f, req{method: "POST", path: "/v1/owners", body: fmt.Sprintf(`{"name":"after-%d"}`, i)})
		})
	}
	wg.Wait()
	for i, r := range answers {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if r.status != http.StatusCreated {
			t.Errorf("write %d through %s after the leader removed itself: %d %s, want 201", i, followers[i%len(followers)].node.ID(), r.status, r.body)
		}
	}
	t.Logf("writes through the followers were answered within %v of the removal", time.Since(start).Round(time.Millisecond))

	t.Run("the removed node refuses writes and is not ready, saying why", func(t *testing.T) {
		e.do(t, leader, req{method: "POST", path: "/v1/owners", body: `{"name":"late"}`}).
			wantError(t, http.StatusMisdirectedRequest, "not_leader", "removed from the cluster", "another member")
		var h map[string]any
		e.do(t, leader, req{method: "GET", path: "/readyz"}).want(t, 503).decode(t, &h)
		if r, _ := h["reason"].(string); !strings.Contains(r, "removed from the cluster") {
			t.Errorf("readyz reason %q, want one saying the node was removed", h["reason"])
		}
	})
}

// TestAFollowerRemovedThroughItself: the leader stops replicating to a
// member it removes, so a member asked to remove itself never learned
// that the removal committed, and waited out the request timeout before
// answering; it now answers once the leader has. Then, knowing no leader
// and listed nowhere in its configuration, it says it was removed.
func TestAFollowerRemovedThroughItself(t *testing.T) {
	t.Parallel() // three nodes mostly wait on elections; overlap them
	e := newEnv(t, 3, envConfig{requestTimeout: 30 * time.Second})
	_, followers := e.leader()
	gone := followers[0]
	start := time.Now()
	e.do(t, gone, req{method: "DELETE", path: "/v1/cluster/nodes/" + gone.node.ID(), key: arenatest.OperatorToken}).want(t, 204)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the removal through the removed member took %v: it waited for an index it will never learn is committed", took)
	}
	eventually(t, 20*time.Second, func() error {
		if r := e.do(t, gone, req{method: "GET", path: "/readyz"}); r.status != 503 || !strings.Contains(string(r.body), "removed from the cluster") {
			return fmt.Errorf("readyz %d %s, want 503 saying it was removed", r.status, r.body)
		}
		return nil
	})
	e.do(t, gone, req{method: "POST", path: "/v1/owners", body: `{"name":"late"}`}).
		wantError(t, http.StatusMisdirectedRequest, "not_leader", "removed from the cluster")
	e.do(t, followers[1], req{method: "POST", path: "/v1/owners", body: `{"name":"others"}`}).want(t, 201)
}
