package arena

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentarena/arena/arena/raftlog"
)

// The Raft log stores a node can keep in raft/. A data dir keeps the one
// it was created with: switching in place would need the log copied while
// the node is down, and a member is cheaper to replace (remove it, start
// it on an empty data dir, add it back: it installs the current state in
// seconds). docs/OPERATIONS.md gives the steps.
const (
	// RaftLogWAL is arena/raftlog: append-only segment files and one
	// fdatasync per append, as etcd's WAL does; a write through the front
	// door costs the cluster less CPU than on bolt (docs/BENCHMARKS.md).
	RaftLogWAL = "wal"
	// RaftLogBolt is hashicorp/raft-boltdb: a bbolt B+tree, two fsyncs per
	// append (data pages, then the meta page). Data dirs created before
	// the WAL store existed hold this one.
	RaftLogBolt = "bolt"
	// DefaultRaftLog is what a new data dir gets.
	DefaultRaftLog = RaftLogWAL
)

// raftStore is what raft needs of a log store: the log itself and the
// stable store for its term and vote.
type raftStore interface {
	raft.LogStore
	raft.StableStore
	io.Closer
}

// countedStore records each append's size in the node's metrics.
type countedStore struct {
	raftStore
	appends prometheus.Histogram
}

func (s countedStore) StoreLog(l *raft.Log) error { return s.StoreLogs([]*raft.Log{l}) }

func (s countedStore) StoreLogs(logs []*raft.Log) error {
	if err := s.raftStore.StoreLogs(logs); err != nil {
		return err
	}
	s.appends.Observe(float64(len(logs)))
	return nil
}

func boltLogPath(raftDir string) string { return filepath.Join(raftDir, "raft.db") }

func walLogDir(raftDir string) string { return filepath.Join(raftDir, "log") }

// walMark is the file that shows a data dir holds a WAL log: its meta file,
// written when the log is created.
func walMark(raftDir string) string { return filepath.Join(walLogDir(raftDir), "meta") }

// rawWALMeta marks the log of development builds that used
// hashicorp/raft-wal (raft/wal/), which is no longer read.
func rawWALMeta(raftDir string) string { return filepath.Join(raftDir, "wal", "wal-meta.db") }

// ValidRaftLog reports whether kind names a log store ("" means the
// default).
func ValidRaftLog(kind string) bool {
	return kind == "" || kind == RaftLogWAL || kind == RaftLogBolt
}

// chooseRaftLog decides which store a node opens: the one its data dir
// already holds, or want (DefaultRaftLog when empty) for a new data dir.
func chooseRaftLog(raftDir, want string) (string, error) {
	if !ValidRaftLog(want) {
		return "", fmt.Errorf("unknown raft log store %q (want %q or %q)", want, RaftLogWAL, RaftLogBolt)
	}
	if want == "" {
		want = DefaultRaftLog
	}
	hasBolt, err := exists(boltLogPath(raftDir))
	if err != nil {
		return "", err
	}
	hasWAL, err := exists(walMark(raftDir))
	if err != nil {
		return "", err
	}
	if old, err := exists(rawWALMeta(raftDir)); err != nil {
		return "", err
	} else if old {
		return "", fmt.Errorf("%s holds a Raft log in the raft-wal format of a development build (raft/wal/), which this version does not read: "+
			"remove the member from the cluster, empty its data dir and add it back (docs/OPERATIONS.md)", raftDir)
	}
	switch {
	case hasBolt && hasWAL:
		return "", fmt.Errorf("%s holds both a bolt Raft log (raft.db) and a WAL one (log/): this node cannot tell which is current; "+
			"remove the member from the cluster, empty its data dir and add it back (docs/OPERATIONS.md)", raftDir)
	case hasBolt:
		return RaftLogBolt, nil
	case hasWAL:
		return RaftLogWAL, nil
	}
	return want, nil
}

func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("inspect %s: %w", path, err)
}

// openRaftStore opens the log store of kind (as chooseRaftLog gives it)
// in raftDir, creating it when it is new.
func openRaftStore(raftDir, kind string) (raftStore, error) {
	switch kind {
	case RaftLogBolt:
		s, err := raftboltdb.New(raftboltdb.Options{Path: boltLogPath(raftDir)})
		if err != nil {
			return nil, fmt.Errorf("open raft log store %s: %w", boltLogPath(raftDir), err)
		}
		return s, nil
	case RaftLogWAL:
		l, err := raftlog.Open(walLogDir(raftDir), raftlog.DefaultSegmentBytes)
		if err != nil {
			return nil, fmt.Errorf("open raft log store %s: %w", walLogDir(raftDir), err)
		}
		return l, nil
	}
	return nil, fmt.Errorf("unknown raft log store %q", kind)
}

// RaftLogOf reports which log store the data dir holds ("" when it holds
// none yet).
func RaftLogOf(dataDir string) (string, error) {
	raftDir := filepath.Join(dataDir, "raft")
	kind, err := chooseRaftLog(raftDir, "")
	if err != nil {
		return "", err
	}
	has := boltLogPath(raftDir)
	if kind == RaftLogWAL {
		has = walMark(raftDir)
	}
	if ok, err := exists(has); err != nil || !ok {
		return "", err
	}
	return kind, nil
}
