package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/secrets"
)

// A node started with its own secrets key must not become a member of a
// cluster that seals with another: as leader it could not open the
// cluster's sealed model-endpoint keys.
func TestJoiningWithADifferentSecretsKeyIsRefused(t *testing.T) {
	root := t.TempDir()
	n1 := startNode(t, "n1", filepath.Join(root, "n1"), "127.0.0.1:0", "127.0.0.1:0", "")
	defer n1.m.Close()

	other, err := secrets.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain()
	m.Stdout, m.LogOutput, m.FastTimeouts = io.Discard, io.Discard, true
	args := []string{"--node-id", "n2", "--data-dir", filepath.Join(root, "n2"), "--http-addr", "127.0.0.1:0",
		"--raft-addr", "127.0.0.1:0", "--operator-token", testToken, "--join", n1.m.URL, "--secrets-key", other}
	if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = m.Run(ctx)
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "different secrets key") {
		t.Fatalf("join with another secrets key: %v, want a refusal naming the secrets key", err)
	}

	var v clusterView
	apiClient{t}.do("GET", n1.m.URL+"/v1/cluster", testToken, nil, &v)
	if len(v.Nodes) != 1 {
		t.Errorf("cluster has %d members after the refused join, want 1", len(v.Nodes))
	}

	// The same key as the cluster's is welcome.
	n2 := startNode(t, "n2b", filepath.Join(root, "n2b"), "127.0.0.1:0", "127.0.0.1:0", n1.m.URL, "--secrets-key", n1.m.SecretsKey)
	defer n2.m.Close()
}
