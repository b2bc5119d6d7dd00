package web_test

import (
	"fmt"
	"testing"
	"time"
)

// TestDeletedDefaultArenaSurvivesLeaderChange: an operator deletes a
// default arena through a follower; the next leader seeds the defaults
// that are missing, and used to create it again (with its bots queueing)
// as if never deleted. It stays deleted until a PUT creates it again.
func TestDeletedDefaultArenaSurvivesLeaderChange(t *testing.T) {
	c, nodes := plCluster(t, 3, plOptions{})
	leader := c.Leader()
	var follower *plNode
	for _, n := range nodes {
		if n.node != leader {
			follower = n
			break
		}
	}
	if code := plHTTP(t, "DELETE", follower.url+"/v1/arenas/verifiable?abort=true", plOperator, nil, nil); code != 204 {
		t.Fatalf("delete through a follower: %d", code)
	}
	c.Eventually(10*time.Second, func() error {
		for _, n := range nodes {
			if _, err := n.node.Arena("verifiable"); err == nil {
				return fmt.Errorf("%s still has the arena", n.url)
			}
		}
		return nil
	})

	if err := leader.Raft().LeadershipTransfer().Error(); err != nil {
		t.Fatalf("transfer leadership: %v", err)
	}
	var next *plNode
	c.Eventually(10*time.Second, func() error {
		for _, n := range nodes {
			if n.node != leader && n.node.IsLeader() && n.node.LeaderReady() {
				next = n
				return nil
			}
		}
		return fmt.Errorf("no new leader yet")
	})
	// The new leader's runner proposes its seed as it starts leading; give
	// it time to land everywhere.
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, n := range nodes {
			if _, err := n.node.Arena("verifiable"); err == nil {
				t.Fatalf("after the leader change %s has the deleted arena again", n.url)
			}
		}
	}
	if code := plHTTP(t, "GET", next.url+"/v1/arenas/verifiable", "", nil, nil); code != 404 {
		t.Fatalf("GET the deleted arena on the new leader: %d", code)
	}

	// A PUT creates it again, and the next leader leaves it be.
	def := map[string]any{"game": "verifiable", "seats": 2, "stake": 100}
	if code := plHTTP(t, "PUT", follower.url+"/v1/arenas/verifiable", plOperator, def, nil); code != 200 {
		t.Fatalf("put: %d", code)
	}
	c.WaitConverged()
	for _, n := range nodes {
		if _, err := n.node.Arena("verifiable"); err != nil {
			t.Fatalf("%s: the arena created again: %v", n.url, err)
		}
	}
}
