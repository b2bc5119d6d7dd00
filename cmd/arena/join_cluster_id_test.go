package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/internal/loopport"
)

// A node joining with an empty data dir has no cluster id until the
// leader's snapshot reaches it, and took any Raft connection until then.
// Another cluster's node whose configuration names the joiner's address
// (a stray member of the cluster a restored one replaced, here a leader
// of its own that lists it) reached it first while the cluster it joined
// had no leader: the joiner took that cluster's state and id, and the
// cluster it joined, once it had a leader again, was refused by its own
// new member. The joiner now holds the id of the cluster it joins (asked
// before its Raft starts) and refuses the other cluster.
func TestAJoiningNodeRefusesAnotherCluster(t *testing.T) {
	api := apiClient{t}
	root := t.TempDir()
	view := func(url string) (v clusterView) {
		if code := api.do("GET", url+"/v1/cluster", "", nil, &v); code != 200 {
			t.Fatalf("GET %s/v1/cluster: %d", url, code)
		}
		return v
	}

	picker := loopport.NewPicker()
	addr := func() string {
		port, err := picker.Pick()
		if err != nil {
			t.Fatal(err)
		}
		return "127.0.0.1:" + strconv.Itoa(port)
	}

	// The cluster to join: two voters, then one stopped, so that the
	// join waits for a leader.
	r1 := startNode(t, "r1", filepath.Join(root, "r1"), "127.0.0.1:0", "127.0.0.1:0", "", "--no-bots")
	defer r1.m.Close()
	r2Raft := addr()
	r2 := startNode(t, "r2", filepath.Join(root, "r2"), "127.0.0.1:0", r2Raft, r1.m.URL, "--no-bots")
	eventually(t, 20*time.Second, func() error {
		v := view(r1.m.URL)
		if v.ClusterID == "" || strings.Count(members(v), "(Voter)") != 2 {
			return fmt.Errorf("cluster %q: %s", v.ClusterID, members(v))
		}
		return nil
	})
	ours := view(r1.m.URL).ClusterID
	r2.m.Close()

	// The other cluster, whose leader replicates to the joiner's address.
	joinRaft, joinHTTP := addr(), addr()
	joinURL := "http://" + joinHTTP
	b := startNode(t, "b1", filepath.Join(root, "b1"), "127.0.0.1:0", "127.0.0.1:0", "", "--no-bots")
	defer b.m.Close()
	eventually(t, 20*time.Second, func() error {
		if b.m.Node.ClusterID() == "" {
			return io.ErrNoProgress
		}
		return nil
	})
	theirs := b.m.Node.ClusterID()
	if err := b.m.Node.Join(t.Context(), arena.NodeMeta{ID: "j", RaftAddr: joinRaft, HTTPAddr: joinURL}); err != nil {
		t.Fatal(err)
	}

	m := NewMain()
	m.Stdout, m.LogOutput, m.FastTimeouts = io.Discard, io.Discard, true
	if err := m.ParseFlags([]string{"--node-id", "j", "--data-dir", filepath.Join(root, "j"), "--http-addr", joinHTTP,
		"--raft-addr", joinRaft, "--operator-token", testToken, "--no-bots", "--join", r1.m.URL}, noEnv); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer m.Close()

	// Until the other cluster's leader has reached the joiner: it took
	// that cluster's id, or it refused the connection.
	eventually(t, 30*time.Second, func() error {
		resp, err := http.Get(joinURL + "/v1/cluster") // refused until the joiner serves
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var v clusterView
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			return err
		}
		if v.ClusterID != "" || foreignRefused(joinURL) > 0 {
			return nil
		}
		return io.ErrNoProgress
	})
	if v := view(joinURL); v.ClusterID == theirs {
		t.Fatalf("the node joining cluster %s took the state of cluster %s, whose leader reached it first", ours, theirs)
	}

	// With a leader again, the cluster it joins is not refused by it.
	r2 = startNode(t, "r2", filepath.Join(root, "r2"), "127.0.0.1:0", r2Raft, r1.m.URL, "--no-bots")
	defer r2.m.Close()
	if err := <-done; err != nil {
		t.Fatalf("join: %v", err)
	}
	eventually(t, 20*time.Second, func() error {
		if v := view(joinURL); v.ClusterID != ours || v.AppliedIndex < view(r1.m.URL).AppliedIndex {
			return fmt.Errorf("the joiner is at cluster %q, index %d", v.ClusterID, v.AppliedIndex)
		}
		return nil
	})
}

// foreignRefused reads a node's count of Raft connections refused from
// another cluster (0 when it cannot tell).
func foreignRefused(url string) int {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "arena_raft_foreign_cluster_connections_total "); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return int(n)
		}
	}
	return 0
}
