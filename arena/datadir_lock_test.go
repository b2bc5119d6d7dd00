package arena_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

// TestASecondProcessCannotOpenALiveDataDir: a second node on a data dir in
// use fails before touching anything in it (the crash recovery it would
// run rewrites state.db's meta pages, which corrupted the live node), and
// the dir opens again once its owner has stopped.
func TestASecondProcessCannotOpenALiveDataDir(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	n := c.Leader()
	addCounter(t, n, "locked", 1)
	dir := c.Dirs[0]
	state := filepath.Join(dir, "state.db")
	before, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}

	_, err = arena.Open(arena.Config{NodeID: "intruder", DataDir: dir})
	if err == nil || !strings.Contains(err.Error(), "is in use by another process") || !strings.Contains(err.Error(), "pid ") {
		t.Fatalf("second open: %v, want an in-use error naming the pid", err)
	}
	after, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the refused open changed state.db")
	}
	addCounter(t, n, "locked", 1)

	c.Stop(0)
	c.Start(0)
	if got, _ := c.Leader().Counter("locked"); got != 2 {
		t.Errorf("counter after restart = %d, want 2", got)
	}
}

// TestATruncatedStateFileIsRefusedAtStart: bbolt maps the state file and
// would fault reading past a cut-off end (SIGBUS, an unrecoverable crash);
// the node names the problem instead.
func TestATruncatedStateFileIsRefusedAtStart(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	for i := 0; i < 200; i++ {
		addCounter(t, c.Leader(), "cut", 1)
	}
	c.Stop(0)
	state := filepath.Join(c.Dirs[0], "state.db")
	fi, err := os.Stat(state)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(state, min(fi.Size()/2, 3*4096)); err != nil {
		t.Fatal(err)
	}
	_, tr := raft.NewInmemTransport("node0")
	_, err = arena.Open(arena.Config{NodeID: "node0", DataDir: c.Dirs[0], Transport: tr})
	if err == nil || !strings.Contains(err.Error(), "is truncated") {
		t.Fatalf("open with state.db cut short: %v, want an error saying it is truncated", err)
	}
}
