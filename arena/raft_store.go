package arena

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	raftwal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"
	"github.com/prometheus/client_golang/prometheus"
)

// The Raft log stores a node can keep in raft/. A data dir keeps the one
// it was created with: switching in place would need the log copied while
// the node is down, and a member is cheaper to replace (remove it, start
// it on an empty data dir, add it back: it installs the current state in
// seconds). docs/OPERATIONS.md gives the steps.
const (
	// RaftLogWAL is hashicorp/raft-wal: append-only segment files and one
	// fsync per append, as etcd's WAL does; a write through the front door
	// costs the cluster less CPU than on bolt (docs/BENCHMARKS.md).
	RaftLogWAL = "wal"
	// RaftLogBolt is hashicorp/raft-boltdb: a bbolt B+tree, two fsyncs per
	// append (data pages, then the meta page). Data dirs created before
	// the WAL store existed hold this one.
	RaftLogBolt = "bolt"
	// DefaultRaftLog is what a new data dir gets.
	DefaultRaftLog = RaftLogWAL
)

// walSegmentBytes is the size of a WAL segment file, preallocated when the
// segment is created. The log is truncated after every snapshot (8,192
// entries by default), so a few segments of this size hold it.
const walSegmentBytes = 16 << 20

// raftStore is what raft needs of a log store: the log itself and the
// stable store for its term and vote.
type raftStore interface {
	raft.LogStore
	raft.StableStore
	io.Closer
}

// walStore closes the WAL's meta database too: raft-wal's Close leaves it
// open, and its file lock would block a node reopened in the same process
// (a restart in tests, a restore) forever.
type walStore struct {
	*raftwal.WAL
	meta *metadb.BoltMetaDB
}

func (s walStore) Close() error {
	return errors.Join(s.WAL.Close(), s.meta.Close())
}

// GetLog refuses entries before the first index. raft-wal truncates the
// head of its tail segment only in its metadata and still serves the
// entries from the file, so raft would replicate a joining member from
// index 1 instead of sending it the snapshot that replaced them.
func (s walStore) GetLog(index uint64, log *raft.Log) error {
	first, err := s.WAL.FirstIndex()
	if err != nil {
		return err
	}
	if index < first {
		return raft.ErrLogNotFound
	}
	return s.WAL.GetLog(index, log)
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

// IsMonotonic keeps the wrapped store's answer visible to raft, which
// checks for raft.MonotonicLogStore on the store it is given.
func (s countedStore) IsMonotonic() bool {
	m, ok := s.raftStore.(raft.MonotonicLogStore)
	return ok && m.IsMonotonic()
}

func boltLogPath(raftDir string) string { return filepath.Join(raftDir, "raft.db") }

func walLogDir(raftDir string) string { return filepath.Join(raftDir, "wal") }

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
	hasWAL, err := exists(filepath.Join(walLogDir(raftDir), "wal-meta.db"))
	if err != nil {
		return "", err
	}
	switch {
	case hasBolt && hasWAL:
		return "", fmt.Errorf("%s holds both a bolt Raft log (raft.db) and a WAL one (wal/): this node cannot tell which is current; "+
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
func openRaftStore(raftDir, kind string, hl hclog.Logger) (raftStore, error) {
	switch kind {
	case RaftLogBolt:
		s, err := raftboltdb.New(raftboltdb.Options{Path: boltLogPath(raftDir)})
		if err != nil {
			return nil, fmt.Errorf("open raft log store %s: %w", boltLogPath(raftDir), err)
		}
		return s, nil
	case RaftLogWAL:
		dir := walLogDir(raftDir)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create raft log dir: %w", err)
		}
		meta := &metadb.BoltMetaDB{}
		w, err := raftwal.Open(dir, raftwal.WithLogger(hl.Named("wal")), raftwal.WithSegmentSize(walSegmentBytes), raftwal.WithMetaStore(meta))
		if err != nil {
			_ = meta.Close()
			return nil, fmt.Errorf("open raft log store %s: %w", dir, err)
		}
		return walStore{w, meta}, nil
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
		has = filepath.Join(walLogDir(raftDir), "wal-meta.db")
	}
	if ok, err := exists(has); err != nil || !ok {
		return "", err
	}
	return kind, nil
}
