package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runJoining runs `arena serve` for a node with the given flags on top
// of a fresh loopback node's, and returns its start's error.
func runJoining(t *testing.T, args ...string) error {
	t.Helper()
	m := NewMain()
	m.Stdout, m.LogOutput, m.FastTimeouts = io.Discard, io.Discard, true
	base := []string{"--http-addr", "127.0.0.1:0", "--operator-token", testToken, "--no-bots"}
	if err := m.ParseFlags(append(base, args...), noEnv); err != nil {
		t.Fatal(err)
	}
	// Well below the join's minute of patience: the refusals under test
	// come from the answers, not from giving up.
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	err := m.Run(ctx)
	m.Close()
	return err
}

// Mistakes an operator makes when starting a node with --join, against
// real members over loopback: each used to get advice that did not fit.
//
//   - --join naming a member's Raft address (an etcd operator's peer URL)
//     waited a silent minute, then said "no answer within 1m0s ...
//     connection reset by peer"; it now says --join takes the member's
//     HTTP URL, not its --raft-addr.
//   - a second node under a running voter's id and Raft address (a unit
//     file copied with its flags) was told the voter's disk was lost and
//     to remove it, which takes a healthy member out; it now says the
//     voter runs and this node needs its own id.
//   - a removed member restarted on its old dir was told the dir might
//     be another cluster's and to start it without --join; it now says
//     the node was removed and to empty its dir.
func TestJoinMistakesGetAdviceThatFits(t *testing.T) {
	api := apiClient{t}
	root := t.TempDir()
	procs := startTrio(t, root, "--no-bots")
	n1, n3 := procs["n1"], procs["n3"]
	eventually(t, 20*time.Second, func() error {
		var v clusterView
		if code := api.do("GET", n1.m.URL+"/v1/cluster", "", nil, &v); code != 200 {
			return fmt.Errorf("GET /v1/cluster: %d", code)
		}
		for _, n := range v.Nodes {
			if n.Suffrage != "Voter" {
				return fmt.Errorf("%s is %s", n.ID, n.Suffrage)
			}
		}
		return nil
	})

	err := runJoining(t, "--node-id", "n4", "--data-dir", filepath.Join(root, "n4"), "--raft-addr", "127.0.0.1:0",
		"--join", "http://"+n1.m.Node.RaftAddr())
	if err == nil || !strings.Contains(err.Error(), "does not answer HTTP") || !strings.Contains(err.Error(), "not its --raft-addr") {
		t.Errorf("--join at a member's Raft address: %v, want it named as such", err)
	}

	err = runJoining(t, "--node-id", "n3", "--data-dir", filepath.Join(root, "n3-copy"), "--raft-addr", n3.m.Node.RaftAddr(),
		"--join", n1.m.URL)
	if err == nil || !strings.Contains(err.Error(), "is a running voter") || strings.Contains(err.Error(), "Remove it first") {
		t.Errorf("a second node under running n3's id and Raft address: %v, want it told n3 runs", err)
	}

	if code := api.do("DELETE", n1.m.URL+"/v1/cluster/nodes/n3", testToken, nil, nil); code != 204 {
		t.Fatalf("remove n3: %d", code)
	}
	raftAddr := n3.m.Node.RaftAddr()
	if err := n3.m.Close(); err != nil {
		t.Fatal(err)
	}
	delete(procs, "n3")
	err = runJoining(t, "--node-id", "n3", "--data-dir", n3.dir, "--raft-addr", raftAddr, "--join", n1.m.URL)
	if err == nil || !strings.Contains(err.Error(), "it was removed") || !strings.Contains(err.Error(), "empty its data dir") {
		t.Errorf("a removed member restarted on its old dir: %v, want it told it was removed", err)
	}
	if _, err := os.Stat(filepath.Join(n3.dir, "state.db")); err != nil {
		t.Errorf("the refused start touched the removed member's dir: %v", err)
	}
}
