package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// With one of three members down, removing a live one would commit a
// two-voter configuration with one voter down: no quorum, and only
// peers.json recovery gets the cluster back. The removal is refused,
// naming the silent member, and nothing changes; removing the member
// that is down (replacing a dead node) still works.
func TestRemovingALiveMemberWhileAnotherIsDownIsRefused(t *testing.T) {
	api := apiClient{t}
	root := t.TempDir()
	procs := startTrio(t, root, "--no-bots")
	view := func(p *proc) clusterView {
		var v clusterView
		if code := api.do("GET", p.m.URL+"/v1/cluster", "", nil, &v); code != 200 {
			t.Fatalf("GET /v1/cluster on %s: %d", p.m.NodeID, code)
		}
		return v
	}
	var leader string
	eventually(t, 20*time.Second, func() error {
		v := view(procs["n1"])
		voters := 0
		for _, n := range v.Nodes {
			if n.Suffrage == "Voter" {
				voters++
			}
		}
		if v.Leader == nil || voters != 3 {
			return fmt.Errorf("leader %v, %d voters", v.Leader, voters)
		}
		leader = v.Leader.ID
		return nil
	})
	var followers []string
	for _, id := range []string{"n1", "n2", "n3"} {
		if id != leader {
			followers = append(followers, id)
		}
	}
	down, live := followers[0], followers[1]
	procs[down].m.Close()
	delete(procs, down)
	eventually(t, 20*time.Second, func() error {
		var v struct {
			Nodes []struct {
				ID        string `json:"id"`
				Reachable *bool  `json:"reachable"`
			} `json:"nodes"`
		}
		api.do("GET", procs[leader].m.URL+"/v1/cluster", "", nil, &v)
		for _, n := range v.Nodes {
			if n.ID == down && n.Reachable != nil && !*n.Reachable {
				return nil
			}
		}
		return fmt.Errorf("the leader does not see %s down yet: %+v", down, v.Nodes)
	})

	for _, via := range []string{live, leader} {
		for _, victim := range []string{live, leader} {
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			code := api.do("DELETE", procs[via].m.URL+"/v1/cluster/nodes/"+victim, testToken, nil, &e)
			if code != 409 || e.Error.Code != "conflict" || !strings.Contains(e.Error.Message, down) || !strings.Contains(e.Error.Message, "quorum") {
				t.Fatalf("removing %s through %s while %s is down: %d %+v, want 409 conflict naming %s", victim, via, down, code, e.Error, down)
			}
		}
	}
	if v := view(procs[leader]); len(v.Nodes) != 3 {
		t.Fatalf("members after the refused removals: %+v, want all three", v.Nodes)
	}
	// Writes still work: the cluster kept its quorum.
	eventually(t, 10*time.Second, func() error {
		if code := api.do("POST", procs[live].m.URL+"/v1/owners", "", map[string]string{"name": "still-here"}, nil); code != 201 {
			return fmt.Errorf("write through %s: %d", live, code)
		}
		return nil
	})
	// Replacing the dead node: removing it is allowed.
	if code := api.do("DELETE", procs[live].m.URL+"/v1/cluster/nodes/"+down, testToken, nil, nil); code != 204 {
		t.Fatalf("removing the member that is down: %d, want 204", code)
	}
	if v := view(procs[leader]); len(v.Nodes) != 2 {
		t.Errorf("members after removing %s: %+v, want two", down, v.Nodes)
	}
}
