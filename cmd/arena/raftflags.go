package main

import (
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/agentarena/arena/arena"
)

// RaftTuning holds the snapshot and log-compaction knobs of `arena serve`
// (zero: raft's defaults, 8192 entries, 2 min, 10240 entries).
type RaftTuning struct {
	// SnapshotThreshold is how many new log entries make a snapshot due.
	SnapshotThreshold uint64
	// SnapshotInterval is how often raft checks the threshold (jittered
	// between 1x and 2x).
	SnapshotInterval time.Duration
	// TrailingLogs is how many entries a snapshot leaves in the log, so a
	// briefly lagging follower catches up from the log instead.
	TrailingLogs uint64
	// Timeout is raft's heartbeat and election timeout (DefaultRaftTimeout
	// unless set; 0: raft's own 1 s): how long followers go without
	// hearing from a leader before electing another, which bounds write
	// unavailability after a leader freezes.
	Timeout time.Duration
	// Log is the Raft log store of a new data dir (arena.RaftLogWAL or
	// arena.RaftLogBolt); a data dir keeps the one it was created with.
	Log string
	// StateSync is arena.StateSyncCheckpoint or arena.StateSyncCommit.
	StateSync string
}

// DefaultRaftTimeout is short enough that a frozen leader is replaced and
// writes flow again within 2 s (followers wait 1-2x this, then one
// election), and long enough for the 75 ms heartbeats to keep a leader on
// a loaded two-core machine: raft's own 1 s default left writes
// unavailable for 2.2 s (median) after a SIGSTOP of the leader.
const DefaultRaftTimeout = 750 * time.Millisecond

// registerFlags adds the --snapshot-threshold, --snapshot-interval and
// --trailing-logs flags with their ARENA_* fallbacks.
func (r *RaftTuning) registerFlags(fs *flag.FlagSet, env func(name, def string) string) error {
	uintFlag := func(dst *uint64, name, envName, help string) error {
		set := func(s string) error {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return fmt.Errorf("%s must be a whole number, got %q", name, s)
			}
			*dst = v
			return nil
		}
		if v := env(envName, ""); v != "" {
			if err := set(v); err != nil {
				return err
			}
		}
		fs.Func(name, help+" ["+envName+"]", set)
		return nil
	}
	if err := uintFlag(&r.SnapshotThreshold, "snapshot-threshold", "ARENA_SNAPSHOT_THRESHOLD",
		"new log entries that make a snapshot due (default 8192)"); err != nil {
		return err
	}
	if err := uintFlag(&r.TrailingLogs, "trailing-logs", "ARENA_TRAILING_LOGS",
		"log entries kept after a snapshot (default 10240)"); err != nil {
		return err
	}
	setInterval := func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return fmt.Errorf("snapshot-interval must be a positive duration such as 2m, got %q", s)
		}
		r.SnapshotInterval = d
		return nil
	}
	if v := env("ARENA_SNAPSHOT_INTERVAL", ""); v != "" {
		if err := setInterval(v); err != nil {
			return err
		}
	}
	fs.Func("snapshot-interval", "how often to check whether a snapshot is due (default 10s) [ARENA_SNAPSHOT_INTERVAL]", setInterval)
	setTimeout := func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d < 100*time.Millisecond {
			return fmt.Errorf("raft-timeout must be a duration of at least 100ms such as 1s, got %q", s)
		}
		r.Timeout = d
		return nil
	}
	r.Timeout = DefaultRaftTimeout
	if v := env("ARENA_RAFT_TIMEOUT", ""); v != "" {
		if err := setTimeout(v); err != nil {
			return err
		}
	}
	fs.Func("raft-timeout", "raft heartbeat and election timeout: a frozen leader is replaced after 1-2x this (default 750ms) [ARENA_RAFT_TIMEOUT]", setTimeout)
	setLog := func(s string) error {
		if s == "" || !arena.ValidRaftLog(s) {
			return fmt.Errorf("raft-log must be %s or %s, got %q", arena.RaftLogWAL, arena.RaftLogBolt, s)
		}
		r.Log = s
		return nil
	}
	r.Log = arena.DefaultRaftLog
	if v := env("ARENA_RAFT_LOG", ""); v != "" {
		if err := setLog(v); err != nil {
			return err
		}
	}
	setStateSync := func(s string) error {
		if !arena.ValidStateSync(s) {
			return fmt.Errorf("state-sync must be %s or %s, got %q", arena.StateSyncCheckpoint, arena.StateSyncCommit, s)
		}
		r.StateSync = s
		return nil
	}
	r.StateSync = arena.StateSyncCheckpoint
	if v := env("ARENA_STATE_SYNC", ""); v != "" {
		if err := setStateSync(v); err != nil {
			return err
		}
	}
	fs.Func("state-sync", "when state.db is fsynced: checkpoint (every 100ms and before each snapshot; the Raft log replays the rest after a crash) or commit (every applied batch) (default checkpoint) [ARENA_STATE_SYNC]", setStateSync)
	fs.Func("raft-log", "Raft log store of a new data dir: wal (append-only segments) or bolt (raft-boltdb); an existing data dir keeps its own (default wal) [ARENA_RAFT_LOG]", setLog)
	return nil
}
