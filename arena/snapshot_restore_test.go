package arena_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

func waitReady(t *testing.T, n *arena.Node) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if ok, _ := n.Ready(); ok && n.IsLeader() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not become a ready leader", n.ID())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBackupRestoresIntoNewCluster takes a backup from a running cluster,
// restores it into an empty data dir, starts a one-node cluster on it and
// checks the state and that new writes apply (none is skipped as already
// applied); a node joining the restored cluster catches up by snapshot.
func TestBackupRestoresIntoNewCluster(t *testing.T) {
	c := arenatest.NewCluster(t, 3)
	for i := 0; i < 30; i++ {
		addOnce(t, c, "b", 2, int64(2*(i+1)))
	}
	c.WaitConverged() // a backup is a local read: let the follower catch up
	var buf bytes.Buffer
	var info arena.BackupInfo
	if err := c.Nodes[1].Backup(&buf, func(bi arena.BackupInfo) { info = bi }); err != nil {
		t.Fatal(err)
	}
	if int64(buf.Len()) != info.Size || info.Index == 0 {
		t.Fatalf("backup of %d bytes, info %+v", buf.Len(), info)
	}
	oldID := c.Nodes[1].ClusterID()
	if oldID == "" {
		t.Fatal("the cluster has no id")
	}
	c.Close()

	dir := t.TempDir()
	r, err := arena.RestoreDataDir(dir, "r1", "r1", "", &buf)
	if err != nil {
		t.Fatal(err)
	}
	if r.Index != info.Index {
		t.Fatalf("restored index %d, backup index %d", r.Index, info.Index)
	}
	// A restore starts a new cluster: the backed-up cluster's dirs must
	// not pass for its members.
	if r.ClusterID == "" || r.ClusterID == oldID {
		t.Fatalf("restored cluster id %q, backed-up cluster's %q", r.ClusterID, oldID)
	}
	_, t1 := raft.NewInmemTransport("r1")
	n1, err := arena.Open(arena.Config{NodeID: "r1", DataDir: dir, Transport: t1, FastTimeouts: true, HTTPAddr: "http://r1.invalid"})
	if err != nil {
		t.Fatal(err)
	}
	defer n1.Close()
	waitReady(t, n1)
	if v := counterOn(t, n1, "b"); v != 60 {
		t.Fatalf("restored counter = %d, want 60", v)
	}
	before := counterOn(t, n1, "b")
	addCounter(t, n1, "b", 1)
	if v := counterOn(t, n1, "b"); v != before+1 {
		t.Fatalf("write after restore: counter %d, want %d", v, before+1)
	}

	_, t2 := raft.NewInmemTransport("r2")
	t1.Connect("r2", t2)
	t2.Connect("r1", t1)
	n2, err := arena.Open(arena.Config{NodeID: "r2", DataDir: t.TempDir(), Transport: t2, FastTimeouts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer n2.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n1.Join(ctx, arena.NodeMeta{ID: "r2", RaftAddr: "r2"}); err != nil {
		t.Fatal(err)
	}
	addCounter(t, n1, "b", 1)
	deadline := time.Now().Add(20 * time.Second)
	for {
		h1, i1, _ := n1.FSM().StateHash()
		h2, i2, _ := n2.FSM().StateHash()
		if h1 == h2 && i1 == i2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("joined node at %d hash %.12s, restored leader at %d hash %.12s", i2, h2, i1, h1)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if v := counterOn(t, n2, "b"); v != before+2 {
		t.Fatalf("joined node counter %d, want %d", v, before+2)
	}
	if n1.ClusterID() != r.ClusterID || n2.ClusterID() != r.ClusterID {
		t.Fatalf("cluster ids: restored node %q, joined node %q, restore said %q", n1.ClusterID(), n2.ClusterID(), r.ClusterID)
	}
}

// TestPeersJSONRecoversLostQuorum loses two of three nodes for good and
// brings the survivor back alone with a peers.json naming only itself.
func TestPeersJSONRecoversLostQuorum(t *testing.T) {
	c := arenatest.NewCluster(t, 3)
	for i := 0; i < 25; i++ {
		addOnLeader(t, c, "s", 1)
	}
	c.WaitConverged()
	// 25, or more if a write retried after a lost leadership was applied twice.
	want := counterOn(t, c.Nodes[0], "s")
	c.Close() // all down; nodes 1 and 2 never come back
	path := filepath.Join(c.Dirs[0], "raft", arena.PeersFile)
	// A file that does not list this node, or lists it at another address
	// than it listens on, is refused before it is used up.
	for _, bad := range []struct{ peers, wantErr string }{
		{`[{"id": "node0", "address": "node9", "non_voter": false}]`, "lists this node (node0) at node9"},
		{`[{"id": "zz", "address": "node0", "non_voter": false}]`, "does not list this node (node0)"},
	} {
		if err := os.WriteFile(path, []byte(bad.peers), 0o600); err != nil {
			t.Fatal(err)
		}
		_, tr := raft.NewInmemTransportWithTimeout("node0", time.Second)
		n, err := arena.Open(arena.Config{NodeID: "node0", DataDir: c.Dirs[0], FastTimeouts: true, Transport: tr,
			OperatorTokenHash: arenatest.OperatorTokenHash, HTTPAddr: "http://node0.invalid"})
		if err == nil {
			n.Close()
			t.Fatalf("peers.json %s was accepted", bad.peers)
		}
		if !strings.Contains(err.Error(), bad.wantErr) {
			t.Fatalf("peers.json %s: %v, want an error containing %q", bad.peers, err, bad.wantErr)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("a refused peers.json was set aside: %v", err)
		}
	}
	peers := `[{"id": "node0", "address": "node0", "non_voter": false}]`
	if err := os.WriteFile(path, []byte(peers), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Start(0)
	n := c.Leader()
	if n.ID() != "node0" {
		t.Fatalf("leader %s", n.ID())
	}
	if v := counterOn(t, n, "s"); v != want {
		t.Fatalf("counter after recovery = %d, want %d", v, want)
	}
	addCounter(t, n, "s", 1)
	if v := counterOn(t, n, "s"); v != want+1 {
		t.Fatalf("counter after a write = %d, want %d", v, want+1)
	}
	if _, err := os.Stat(path + ".applied"); err != nil {
		t.Errorf("peers.json was not set aside: %v", err)
	}
	st, err := n.Status()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Nodes) != 1 {
		t.Errorf("configuration after recovery has %d members, want 1", len(st.Nodes))
	}
}

// TestRestoreRefusesADamagedBackup: a backup that is empty, cut short or
// has damaged pages is refused before a node is built on it (a truncated
// file used to panic the restore, a damaged one to SIGBUS the node later),
// and the failed restore leaves the dir empty, so a good backup can be
// restored into it next.
func TestRestoreRefusesADamagedBackup(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	for i := 0; i < 300; i++ {
		addCounter(t, c.Leader(), fmt.Sprintf("k%d", i%50), 1)
	}
	var buf bytes.Buffer
	if err := c.Nodes[0].Backup(&buf, nil); err != nil {
		t.Fatal(err)
	}
	c.Close()
	good := buf.Bytes()
	const ps = 4096
	damaged := bytes.Clone(good)
	for off := 2 * ps; off+16 < len(damaged); off += ps {
		damaged[off+8], damaged[off+9] = 0x5a, 0x5a // every page's type, after the two meta pages
	}
	dir := t.TempDir()
	for _, tt := range []struct {
		name, backup, want string
	}{
		{"empty", "", "empty"},
		// Advice for a backup, not for a member's own file.
		{"cut short", string(good[:len(good)/2]), "the backup was cut short"},
		{"damaged pages", string(damaged), "damaged"},
		{"not a state file", strings.Repeat("arena", 5000), "not a state file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := arena.RestoreDataDir(dir, "r1", "r1", "", strings.NewReader(tt.backup))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("restore: %v, want an error saying %q", err, tt.want)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Fatalf("a failed restore left %d entries in the dir (first %s)", len(left), left[0].Name())
			}
		})
	}
	if _, err := arena.RestoreDataDir(dir, "r1", "r1", "", bytes.NewReader(good)); err != nil {
		t.Fatalf("restoring the good backup after the failures: %v", err)
	}
}
