package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/client/clienttest"
)

// TestBackupAndTokenRotationAgainstARealNode: an operator saves a backup
// it can restore from, and replaces the operator token, with arenactl
// alone (no curl).
func TestBackupAndTokenRotationAgainstARealNode(t *testing.T) {
	srv := clienttest.NewServer(t)
	env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken}
	cli := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
		return out.String(), errb.String(), code
	}
	if _, errOut, code := cli("owner", "create", "--name", "backed-up-owner"); code != 0 {
		t.Fatalf("owner create: %d %s", code, errOut)
	}

	file := filepath.Join(t.TempDir(), "backup.db")
	out, errOut, code := cli("cluster", "backup", file)
	if code != 0 || !strings.Contains(out, "saved "+file) || !strings.Contains(out, "(checked)") {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, mode %v; want 0600", err, fi.Mode())
	}
	if _, err := os.Stat(file + ".partial"); !os.IsNotExist(err) {
		t.Fatalf("the partial copy was left behind: %v", err)
	}
	db, err := bolt.Open(file, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
			return b.ForEach(func(_, v []byte) error {
				found = found || bytes.Contains(v, []byte("backed-up-owner"))
				return nil
			})
		})
	})
	db.Close()
	if !found {
		t.Fatal("the backup does not hold the owner created before it")
	}
	if _, errOut, code := cli("cluster", "backup", file); code != 2 || !strings.Contains(errOut, "--force") {
		t.Fatalf("a second backup onto the file: exit %d, %q; want it refused, naming --force", code, errOut)
	}
	if _, errOut, code := cli("cluster", "backup", file, "--force"); code != 0 {
		t.Fatalf("backup --force: exit %d %s", code, errOut)
	}

	mine := "operator-token-from-the-vault-0123456789"
	if out, errOut, code := cli("cluster", "rotate-token", "--token", mine); code != 0 || !strings.Contains(out, mine) {
		t.Fatalf("rotate-token: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := cli("cluster", "backup", file, "--force"); code != 1 || !strings.Contains(errOut, "unauthorized") {
		t.Fatalf("the old token after the rotation: exit %d, %q; want unauthorized", code, errOut)
	}
	env["ARENA_OPERATOR_TOKEN"] = mine
	if _, errOut, code := cli("cluster", "backup", file, "--force"); code != 0 {
		t.Fatalf("the new token: exit %d %s", code, errOut)
	}
}

// `cluster status` on a member removed while it runs printed STATE
// Shutdown and a member table without it, and nothing else: the
// operator was left to guess. It now says the node was removed and what
// to do, as the node's /readyz does.
func TestClusterStatusSaysANodeWasRemoved(t *testing.T) {
	srv := clienttest.NewServer(t)
	srv.Cluster.Add()
	srv.Cluster.WaitConverged()
	env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken}
	const note = "Node node0 was removed from the cluster and takes no further part in it"
	if r := runCLI(t, env, "cluster", "status"); r.code != 0 || strings.Contains(r.stdout, note) {
		t.Fatalf("a member's status: exit %d, %s%s", r.code, r.stdout, r.stderr)
	}
	// node1 is not polled over HTTP, so only --force removes node0.
	if r := runCLI(t, env, "cluster", "remove", "node0", "--force"); r.code != 0 {
		t.Fatalf("remove node0: exit %d %s", r.code, r.stderr)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := runCLI(t, env, "cluster", "status")
		if r.code == 0 && strings.Contains(r.stdout, note) && strings.Contains(r.stdout, "start it with --join to add it again") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("status of the removed node0 does not say so: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A follower removed while it runs keeps serving with state Follower, no
// leader, and a configuration without it (as a real one answered on
// loopback); its status says it was removed too, and a member between
// leaders, still listed, says nothing of the kind.
func TestClusterStatusSaysAFollowerWasRemoved(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		removed    bool
	}{
		{"a removed follower", `{"node_id":"n4","state":"Follower","leader":null,"nodes":[{"id":"n1","suffrage":"Voter"},{"id":"n2","suffrage":"Voter"}]}`, true},
		{"a member between leaders", `{"node_id":"n2","state":"Candidate","leader":null,"nodes":[{"id":"n1","suffrage":"Voter"},{"id":"n2","suffrage":"Voter"}]}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tc.body))
			}))
			defer node.Close()
			r := runCLI(t, map[string]string{"ARENA_SERVER": node.URL}, "cluster", "status")
			if got := strings.Contains(r.stdout, "was removed from the cluster"); r.code != 0 || got != tc.removed {
				t.Fatalf("exit %d, says removed: %v, want %v\n%s%s", r.code, got, tc.removed, r.stdout, r.stderr)
			}
		})
	}
}

// `cluster remove` refused for the quorum's sake named only the API's
// ?force=true; arenactl now names its own flag. (The refusal is a
// node's answer as web sends it: a loopback cluster in one process has
// no HTTP poller to refuse with.)
func TestClusterRemoveRefusalNamesTheFlag(t *testing.T) {
	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		_, _ = w.Write([]byte(`{"error":{"code":"conflict","message":"removing n1 would leave 2 voters of which 1 (n3) do not answer this node, and a leader needs 2 of them: the cluster would lose its quorum. Bring n3 back (or remove it instead, if it is gone for good) first; to remove n1 anyway, send DELETE /v1/cluster/nodes/n1?force=true"}}`))
	}))
	defer node.Close()
	env := map[string]string{"ARENA_SERVER": node.URL, "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken}
	r := runCLI(t, env, "cluster", "remove", "n1")
	if r.code != 1 || !strings.Contains(r.stderr, "force=true (with arenactl: cluster remove n1 --force)") {
		t.Fatalf("exit %d, stderr %q; want the refusal naming --force", r.code, r.stderr)
	}
}
