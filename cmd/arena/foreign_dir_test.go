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

// A data dir of another cluster (here one bootstrapped on its own with the
// same token and secrets key, as a cluster restored from this one's
// backup is) used to join through --join: the leader added it, grafted
// its log onto the node's, and the node's state machine, holding indexes
// it never re-applies, served a state of its own (state hashes differed
// at equal indexes, balances too), and its higher term deposed the
// leader. The node is now refused before the cluster hears of it, also
// when the other cluster named the node as this one names a member (n2:
// every quick start names its nodes n1, n2, n3), which the member list
// alone let through while that member was down (the join re-added n2 at
// the other dir's address): the clusters' ids differ.
func TestADataDirOfAnotherClusterIsRefusedWhenJoining(t *testing.T) {
	api := apiClient{t}
	root := t.TempDir()
	procs := startTrio(t, root, "--no-bots")
	key, err := os.ReadFile(filepath.Join(root, "n1", "secrets-key"))
	if err != nil {
		t.Fatal(err)
	}
	secretsKey := strings.TrimSpace(string(key))
	var before clusterView
	eventually(t, 20*time.Second, func() error { // until n2 and n3 are promoted
		before = clusterView{}
		if code := api.do("GET", procs["n1"].m.URL+"/v1/cluster", "", nil, &before); code != 200 {
			return fmt.Errorf("GET /v1/cluster: %d", code)
		}
		if before.ClusterID == "" || strings.Count(members(before), "(Voter)") != 3 {
			return fmt.Errorf("cluster %q: %s", before.ClusterID, members(before))
		}
		return nil
	})

	for _, id := range []string{"b1", "n2"} {
		t.Run(id, func(t *testing.T) {
			// The other cluster: one node with a log of its own, then stopped.
			other := filepath.Join(root, "other-"+id)
			b := startNode(t, id, other, "127.0.0.1:0", "127.0.0.1:0", "", "--no-bots", "--secrets-key", secretsKey)
			eventually(t, 20*time.Second, func() error {
				if p := b.m.Node.Progress(); p.AppliedIndex == 0 || p.State != "Leader" || b.m.Node.ClusterID() == "" {
					return io.ErrNoProgress
				}
				return nil
			})
			otherID := b.m.Node.ClusterID()
			b.m.Close()
			if id == "n2" {
				// The member is down (a lost machine, a long outage): only
				// the cluster id now tells its dir from the other one.
				procs["n2"].m.Close()
			}

			m := NewMain()
			m.Stdout, m.LogOutput, m.FastTimeouts = io.Discard, io.Discard, true
			if err := m.ParseFlags([]string{"--node-id", id, "--data-dir", other, "--http-addr", "127.0.0.1:0",
				"--raft-addr", "127.0.0.1:0", "--operator-token", testToken, "--secrets-key", secretsKey, "--no-bots",
				"--join", procs["n3"].m.URL}, noEnv); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err = m.Run(ctx)
			cancel()
			m.Close()
			want := fmt.Sprintf("holds the state of cluster %s", otherID)
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "member of cluster "+before.ClusterID) ||
				!strings.Contains(err.Error(), "empty its data dir") {
				t.Fatalf("joining with another cluster's data dir: %v, want a refusal naming both clusters and saying to empty the data dir", err)
			}

			var after clusterView
			if code := api.do("GET", procs["n1"].m.URL+"/v1/cluster", "", nil, &after); code != 200 {
				t.Fatalf("GET /v1/cluster: %d", code)
			}
			if members(after) != members(before) || after.ClusterID != before.ClusterID {
				t.Fatalf("members changed: %s, were %s", members(after), members(before))
			}
		})
	}
}

// members lists a view's members with their addresses and votes.
func members(v clusterView) string {
	var b strings.Builder
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "%s@%s(%s) ", n.ID, n.RaftAddr, n.Suffrage)
	}
	return b.String()
}

// A voter whose disk was lost, started again with --join under its id and
// an empty data dir, used to come back as a voter at once: empty, it
// grants its vote to any candidate, and on loopback a follower that had
// missed 20 acknowledged grants was elected with it and dropped them. It
// is now refused until the member is removed, as a replacement is; then
// it joins as a non-voter and is promoted once caught up.
func TestAVoterWithAnEmptyDataDirMustBeRemovedFirst(t *testing.T) {
	api := apiClient{t}
	root := t.TempDir()
	procs := startTrio(t, root, "--no-bots")
	voters := func() error {
		var v clusterView
		if code := api.do("GET", procs["n1"].m.URL+"/v1/cluster", "", nil, &v); code != 200 {
			return fmt.Errorf("GET /v1/cluster: %d", code)
		}
		for _, n := range v.Nodes {
			if n.Suffrage != "Voter" {
				return fmt.Errorf("%s is %s", n.ID, n.Suffrage)
			}
		}
		if len(v.Nodes) != 3 {
			return fmt.Errorf("%d members", len(v.Nodes))
		}
		return nil
	}
	eventually(t, 20*time.Second, voters)
	n3 := procs["n3"]
	raftAddr := n3.m.Node.RaftAddr()
	n3.m.Close()
	delete(procs, "n3")
	if err := os.RemoveAll(n3.dir); err != nil {
		t.Fatal(err)
	}

	m := NewMain()
	m.Stdout, m.LogOutput, m.FastTimeouts = io.Discard, io.Discard, true
	if err := m.ParseFlags([]string{"--node-id", "n3", "--data-dir", n3.dir, "--http-addr", "127.0.0.1:0",
		"--raft-addr", raftAddr, "--operator-token", testToken, "--no-bots", "--join", procs["n1"].m.URL}, noEnv); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err := m.Run(ctx)
	cancel()
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "is a voter") || !strings.Contains(err.Error(), "cluster remove n3") {
		t.Fatalf("a voter restarted with an empty data dir: %v, want a refusal saying to remove it first", err)
	}

	if code := api.do("DELETE", procs["n1"].m.URL+"/v1/cluster/nodes/n3", testToken, nil, nil); code != 204 {
		t.Fatalf("remove n3: %d", code)
	}
	if err := os.RemoveAll(n3.dir); err != nil {
		t.Fatal(err)
	}
	procs["n3"] = startNode(t, "n3", n3.dir, "127.0.0.1:0", raftAddr, procs["n1"].m.URL, "--no-bots")
	eventually(t, 20*time.Second, voters)
}
