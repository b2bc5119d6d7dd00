package arena

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/raft"
	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
)

// BackupInfo describes a backup before its bytes are written.
type BackupInfo struct {
	// Index is the last log index the backup reflects.
	Index uint64
	// Size is the backup's length in bytes.
	Size int64
}

// Backup writes a consistent copy of the state file, as of the last
// applied batch, to w: the same bytes a Raft snapshot holds. start is
// called once, before the first byte, with the copy's index and size (so
// an HTTP handler can set headers). Applies continue meanwhile.
func (n *Node) Backup(w io.Writer, start func(BackupInfo)) error { return n.fsm.Backup(w, start) }

// Backup writes a consistent copy of the state file to w; see Node.Backup.
// Like a Raft snapshot it streams from a read transaction without holding
// the FSM's lock, so a slow download never holds up applies or a restore.
func (f *FSM) Backup(w io.Writer, start func(BackupInfo)) error {
	f.mu.RLock()
	if f.db == nil {
		f.mu.RUnlock()
		return apperr.New(apperr.Unavailable, "state machine is closed")
	}
	tx, err := f.db.Begin(false)
	f.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("begin backup tx: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	info := BackupInfo{Index: getUint(tx.Bucket(bucketMeta), keyApplied), Size: tx.Size()}
	if start != nil {
		start(info)
	}
	if _, err := tx.WriteTo(w); err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	return nil
}

// RestoreDataDir prepares an empty data dir to start a new one-member
// cluster from a backup: state.db is the backup, and the Raft snapshot
// store refers to it as a snapshot at the backup's index whose
// configuration names only this node. On start the node elects itself and
// continues the log after that index; nodes that join later install the
// state as it is then. raftLog picks the Raft log store (empty: the
// default). The restored cluster is a new one: its state gets a new
// cluster id (ClusterID), so that the backed-up cluster's data dirs are
// refused by it and its dirs by them.
func RestoreDataDir(dataDir, nodeID, raftAddr, raftLog string, backup io.Reader) (Restored, error) {
	idx, id, err := restoreDataDir(dataDir, nodeID, raftAddr, raftLog, backup)
	return Restored{Index: idx, ClusterID: id}, err
}

// Restored is what RestoreDataDir made.
type Restored struct {
	// Index is the backup's applied index, where the new cluster's log
	// continues.
	Index uint64
	// ClusterID is the new cluster's id; empty for a backup taken before
	// clusters had ids (its first leader names it).
	ClusterID string
}

func restoreDataDir(dataDir, nodeID, raftAddr, raftLog string, backup io.Reader) (uint64, string, error) {
	if nodeID == "" || raftAddr == "" {
		return 0, "", errors.New("node id and raft address are required")
	}
	if !ValidRaftLog(raftLog) {
		return 0, "", fmt.Errorf("unknown raft log store %q (want %q or %q)", raftLog, RaftLogWAL, RaftLogBolt)
	}
	if raftLog == "" {
		raftLog = DefaultRaftLog
	}
	raftDir := filepath.Join(dataDir, "raft")
	statePath := filepath.Join(dataDir, "state.db")
	for _, p := range []string{statePath, raftDir} {
		if _, err := os.Stat(p); err == nil {
			return 0, "", fmt.Errorf("%s exists: restore into an empty data dir", p)
		}
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return 0, "", fmt.Errorf("create data dir: %w", err)
	}
	// Nothing is left behind by a restore that fails, so the next try
	// with a good backup finds the dir as empty as this one did.
	tmp := statePath + ".restore"
	ok := false
	defer func() {
		if !ok {
			_ = removeIfExists(tmp)
			_ = os.RemoveAll(raftDir)
		}
	}()
	if err := writeFileSync(tmp, backup); err != nil {
		return 0, "", fmt.Errorf("copy the backup: %w", err)
	}
	index, err := checkBackup(tmp)
	if err != nil {
		return 0, "", err
	}
	clusterID, err := renameCluster(tmp)
	if err != nil {
		return 0, "", err
	}
	if err := os.MkdirAll(raftDir, 0o700); err != nil {
		return 0, "", fmt.Errorf("create raft dir: %w", err)
	}

	// The snapshot: a reference to the state file at the backup's index
	// (stateSnapshots streams the file to members that join), term 1, this
	// node the only voter.
	snaps, err := raft.NewFileSnapshotStore(raftDir, 2, io.Discard)
	if err != nil {
		return 0, "", fmt.Errorf("open snapshot store: %w", err)
	}
	conf := raft.Configuration{Servers: []raft.Server{{Suffrage: raft.Voter, ID: raft.ServerID(nodeID), Address: raft.ServerAddress(raftAddr)}}}
	_, enc := raft.NewInmemTransport(raft.ServerAddress(raftAddr)) // only encodes the legacy peers field
	sink, err := snaps.Create(1, index, 1, conf, index, enc)
	if err != nil {
		return 0, "", fmt.Errorf("create snapshot: %w", err)
	}
	if err := (stateRef{index: index}).Persist(sink); err != nil {
		return 0, "", fmt.Errorf("write snapshot: %w", err)
	}
	// The stable store starts at the snapshot's term.
	store, err := openRaftStore(raftDir, raftLog)
	if err != nil {
		return 0, "", err
	}
	err = store.SetUint64([]byte("CurrentTerm"), 1)
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, "", fmt.Errorf("set term: %w", err)
	}
	if err := os.Rename(tmp, statePath); err != nil {
		return 0, "", fmt.Errorf("install state file: %w", err)
	}
	ok = true
	return index, clusterID, nil
}

// checkBackup reads a copied backup whole before anything is built on it:
// its length against its meta page, every page (bbolt's consistency
// check), and the arena's own marks. It returns the applied index.
func checkBackup(path string) (uint64, error) {
	if fi, err := os.Stat(path); err != nil {
		return 0, err
	} else if fi.Size() == 0 {
		return 0, errors.New("the backup is empty")
	}
	if err := checkStateFileSize(path, "the backup was cut short (a copy or download interrupted?): take it again, or restore another one"); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	db, err := openChecked(path)
	if err != nil {
		return 0, fmt.Errorf("backup is not a state file: %w", err)
	}
	defer db.Close()
	if err := checkStateFile(db); err != nil {
		return 0, fmt.Errorf("backup is damaged: %w", err)
	}
	var index uint64
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return errors.New("backup has no _meta bucket: not an arena state file")
		}
		index = getUint(meta, keyApplied)
		return nil
	})
	if err == nil && index == 0 {
		err = errors.New("backup has applied nothing (index 0)")
	}
	return index, err
}

// openChecked opens the restore's own copy of a backup the way a node
// will (writable, so bbolt reads its free list now); bbolt panics on some
// damaged pages while opening, which here is an error.
func openChecked(path string) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("damaged page: %v", r)
		}
	}()
	return bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
}
