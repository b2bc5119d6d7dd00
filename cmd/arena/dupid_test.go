package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A node started elsewhere with a running member's --node-id used to be
// taken for that member moving: the leader re-added the id at the new
// address and the running member was evicted ("this node was removed").
// The join is refused while the member answers at its own address; a
// member that is stopped first still moves.
func TestAJoinTakingALiveMembersIDIsRefused(t *testing.T) {
	api := apiClient{t}
	root := t.TempDir()
	procs := startTrio(t, root, "--no-bots")
	type member struct {
		ID       string `json:"id"`
		RaftAddr string `json:"raft_addr"`
		Suffrage string `json:"suffrage"`
	}
	members := func() map[string]member {
		var v struct {
			Nodes []member `json:"nodes"`
		}
		if code := api.do("GET", procs["n1"].m.URL+"/v1/cluster", "", nil, &v); code != 200 {
			t.Fatalf("GET /v1/cluster: %d", code)
		}
		out := map[string]member{}
		for _, n := range v.Nodes {
			out[n.ID] = n
		}
		return out
	}
	eventually(t, 20*time.Second, func() error {
		for id, n := range members() {
			if n.Suffrage != "Voter" {
				return fmt.Errorf("%s is %s", id, n.Suffrage)
			}
		}
		return nil
	})
	n3Raft := procs["n3"].m.Node.RaftAddr()

	dup := NewMain()
	dup.Stdout, dup.LogOutput, dup.FastTimeouts = io.Discard, io.Discard, true
	if err := dup.ParseFlags([]string{"--node-id", "n3", "--data-dir", filepath.Join(root, "dup"), "--http-addr", "127.0.0.1:0",
		"--raft-addr", "127.0.0.1:0", "--operator-token", testToken, "--no-bots", "--join", procs["n2"].m.URL}, noEnv); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err := dup.Run(ctx)
	cancel()
	dup.Close()
	if err == nil || !strings.Contains(err.Error(), "409") || !strings.Contains(err.Error(), "belongs to a running member") {
		t.Fatalf("a second n3 joining while n3 runs: %v, want 409 conflict", err)
	}
	if got := members()["n3"]; got.RaftAddr != n3Raft {
		t.Fatalf("n3 after the refused join: %+v, want it still at %s", got, n3Raft)
	}
	var ready struct{ Status string }
	if code := api.do("GET", procs["n3"].m.URL+"/readyz", "", nil, &ready); code != 200 {
		t.Errorf("the running n3 is not ready after the refused join: %d %+v", code, ready)
	}

	// Moving n3: stopped first, it comes back from its data dir at a new
	// Raft address, and the leader re-adds it there.
	procs["n3"].m.Close()
	delete(procs, "n3")
	procs["n3"] = startNode(t, "n3", filepath.Join(root, "n3"), "127.0.0.1:0", "127.0.0.1:0", procs["n1"].m.URL, "--no-bots")
	moved := procs["n3"].m.Node.RaftAddr()
	eventually(t, 20*time.Second, func() error {
		if got := members()["n3"]; got.RaftAddr != moved {
			return fmt.Errorf("n3 at %s, want %s", got.RaftAddr, moved)
		}
		return nil
	})
}
