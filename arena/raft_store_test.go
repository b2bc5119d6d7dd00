package arena_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

// TestRaftLogStores runs a node on each log store through a snapshot and
// restarts, then restarts it asking for the other store: a data dir keeps
// the store it was created with, and nothing is lost or applied twice.
func TestRaftLogStores(t *testing.T) {
	for _, tt := range []struct {
		name, create, later, want string
	}{
		{"default", "", arena.RaftLogBolt, arena.DefaultRaftLog},
		{"wal", arena.RaftLogWAL, arena.RaftLogBolt, arena.RaftLogWAL},
		{"bolt", arena.RaftLogBolt, arena.RaftLogWAL, arena.RaftLogBolt},
	} {
		t.Run(tt.name, func(t *testing.T) {
			requested := tt.create
			c := arenatest.NewCluster(t, 1, arenatest.WithConfig(func(i int, cfg *arena.Config) {
				cfg.RaftLog = requested
				cfg.SnapshotThreshold = 1 << 30 // only the explicit snapshot below
				cfg.TrailingLogs = 5
			}))
			want := int64(0)
			for round := range 3 {
				leader := c.Leader()
				for range 20 {
					want++
					addCounter(t, leader, "stores", 1)
				}
				if round == 0 {
					if err := leader.Snapshot(); err != nil {
						t.Fatal(err)
					}
				}
				c.Stop(0)
				if got, err := arena.RaftLogOf(c.Dirs[0]); err != nil || got != tt.want {
					t.Fatalf("round %d: data dir holds %q (%v), want %q", round, got, err, tt.want)
				}
				requested = tt.later
				c.Start(0)
				c.Leader()
				if got, _ := c.Nodes[0].Counter("stores"); got != want {
					t.Fatalf("round %d: counter = %d after restart, want %d", round, got, want)
				}
			}
		})
	}
}

func TestRaftLogStoreRefusals(t *testing.T) {
	t.Run("unknown store", func(t *testing.T) {
		_, err := arena.Open(arena.Config{NodeID: "n1", DataDir: t.TempDir(), RaftLog: "sqlite", Bootstrap: true})
		if err == nil || !strings.Contains(err.Error(), `unknown raft log store "sqlite"`) {
			t.Fatalf("err = %v", err)
		}
	})
	for _, tt := range []struct {
		name, dir, file, want string
	}{
		{"both stores in one data dir", "log", "meta", "both a bolt Raft log"},
		{"a raft-wal log of a development build", "wal", "wal-meta.db", "raft-wal format"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := arenatest.NewCluster(t, 1, arenatest.WithConfig(func(i int, cfg *arena.Config) { cfg.RaftLog = arena.RaftLogBolt }))
			addCounter(t, c.Leader(), "both", 1)
			c.Stop(0)
			dir := filepath.Join(c.Dirs[0], "raft", tt.dir)
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, tt.file), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := arena.Open(arena.Config{NodeID: "node0", DataDir: c.Dirs[0]})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v", err)
			}
			if _, err := arena.RaftLogOf(c.Dirs[0]); err == nil {
				t.Fatal("RaftLogOf accepted the data dir")
			}
		})
	}
}
