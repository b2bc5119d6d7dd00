package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/internal/loopport"
)

// A member restarted with its usual --join is a member already; the node
// its --join names may be the one that is down. Its start must not fail
// on the join (it did, after a minute of retries, and took a second
// member out of a cluster that had just lost one).
func TestAMemberRestartedWithJoinStartsWhenTheJoinTargetIsDown(t *testing.T) {
	root := t.TempDir()
	n1 := startNode(t, "n1", filepath.Join(root, "n1"), "127.0.0.1:0", "127.0.0.1:0", "")
	port, err := loopport.NewPicker().Pick()
	if err != nil {
		t.Fatal(err)
	}
	raftAddr := "127.0.0.1:" + strconv.Itoa(port)
	dir := filepath.Join(root, "n2")
	n2 := startNode(t, "n2", dir, "127.0.0.1:0", raftAddr, n1.m.URL)
	join := n1.m.URL
	eventually(t, 30*time.Second, func() error {
		var v clusterView
		// n2's own view: it must have stored the entry that added it.
		if st := (apiClient{t}).do("GET", n2.m.URL+"/v1/cluster", testToken, nil, &v); st != 200 || len(v.Nodes) != 2 {
			return fmt.Errorf("n2 sees %d members (status %d), want 2", len(v.Nodes), st)
		}
		return nil
	})
	if err := n2.m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n1.m.Close(); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	again := startNode(t, "n2", dir, "127.0.0.1:0", raftAddr, join)
	defer again.m.Close()

	if took := time.Since(start); took > 45*time.Second {
		t.Errorf("the restart took %s: a member's metadata refresh should give up well before a new node's join", took)
	}
	if !strings.Contains(again.logs.String(), "could not refresh this member's metadata") {
		t.Errorf("the failed refresh was not logged:\n%s", again.logs)
	}
}

// --read-replica without --join bootstrapped an ordinary voting cluster,
// the flag silently ignored.
func TestAReadReplicaNeedsJoin(t *testing.T) {
	m := NewMain()
	m.Stdout, m.LogOutput = io.Discard, io.Discard
	if err := m.ParseFlags([]string{"--data-dir", t.TempDir(), "--http-addr", "127.0.0.1:0", "--raft-addr", "127.0.0.1:0",
		"--read-replica", "--operator-token", testToken}, noEnv); err != nil {
		t.Fatal(err)
	}
	err := m.Run(context.Background())
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "--read-replica needs --join") {
		t.Fatalf("a read replica without --join: %v", err)
	}
}

// A new node stopped (SIGTERM, Ctrl-C) while its join is still retrying
// says so; it said only "context canceled".
func TestANodeStoppedWhileJoiningSaysSo(t *testing.T) {
	dead, err := loopport.NewPicker().Pick()
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain()
	m.Stdout, m.LogOutput = io.Discard, io.Discard
	join := "http://127.0.0.1:" + strconv.Itoa(dead)
	if err := m.ParseFlags([]string{"--node-id", "n2", "--data-dir", t.TempDir(), "--http-addr", "127.0.0.1:0",
		"--raft-addr", "127.0.0.1:0", "--operator-token", testToken, "--no-bots", "--join", join}, noEnv); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err = m.Run(ctx)
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "stopped while joining through "+join) {
		t.Fatalf("stopped while joining: %v, want it to say so", err)
	}
}
