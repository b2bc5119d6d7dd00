package arena

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/raft"
	bolt "go.etcd.io/bbolt"
)

// stateRefMagic starts a snapshot that refers to state.db instead of
// holding a copy of it.
var stateRefMagic = []byte("arena-state-ref\x00")

// stateSnapshots is raft's snapshot store for a state machine whose file
// is durable on its own (every batch commits with an fsync and records the
// applied index), the design etcd uses with its "consistent index".
//
// A local snapshot therefore only has to let raft compact its log: it is
// written as a small reference (stateRefMagic and the applied index), so
// taking one costs the same whether the state holds a thousand records or
// ten million, and the data dir holds no copies of the state. When a
// lagging member needs a snapshot, Open streams the state file as it is
// at that moment and describes it with its own applied index, term and
// configuration, so the member resumes from the newest state rather than
// from a snapshot taken minutes ago and the log since.
//
// A snapshot received from a leader arrives as a whole state file and is
// kept as one: raft opens it to restore the state machine.
type stateSnapshots struct {
	files *raft.FileSnapshotStore
	fsm   *FSM
}

var _ raft.SnapshotStore = (*stateSnapshots)(nil)

func (s *stateSnapshots) Create(version raft.SnapshotVersion, index, term uint64, configuration raft.Configuration,
	configurationIndex uint64, trans raft.Transport) (raft.SnapshotSink, error) {
	return s.files.Create(version, index, term, configuration, configurationIndex, trans)
}

func (s *stateSnapshots) List() ([]*raft.SnapshotMeta, error) { return s.files.List() }

// Open returns a received state file as stored, and for a reference the
// state file as it is now.
func (s *stateSnapshots) Open(id string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	meta, rc, err := s.files.Open(id)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReader(rc)
	ref, isRef := readStateRef(br)
	if !isRef {
		// A state file (or something Restore will refuse with a clear
		// error): hand it over as stored.
		return meta, readCloser{br, rc}, nil
	}
	rc.Close()
	return s.fsm.streamState(meta, ref)
}

// readStateRef reads a reference from the start of br, which it leaves
// unread when it holds anything else.
func readStateRef(br *bufio.Reader) (stateRef, bool) {
	head, err := br.Peek(len(stateRefMagic) + 8)
	if err != nil || !bytes.Equal(head[:len(stateRefMagic)], stateRefMagic) {
		return stateRef{}, false
	}
	return stateRef{index: binary.BigEndian.Uint64(head[len(stateRefMagic):])}, true
}

type readCloser struct {
	io.Reader
	io.Closer
}

// stateRef is what Persist writes for a local snapshot: the index the
// state machine had applied when raft took it. That can be below the
// snapshot's own index, which also counts entries the state machine never
// sees (raft's no-ops, and configuration entries that RecoverCluster
// replays without it).
type stateRef struct{ index uint64 }

func (r stateRef) Persist(sink raft.SnapshotSink) error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], r.index)
	if _, err := sink.Write(append(bytes.Clone(stateRefMagic), b[:]...)); err != nil {
		sink.Cancel()
		return fmt.Errorf("write state reference: %w", err)
	}
	return sink.Close()
}

func (stateRef) Release() {}

// streamState copies the state, as one read transaction sees it, into an
// unlinked temporary file beside state.db and returns that file as a
// snapshot stream with a copy of meta that describes it. The copy keeps
// the transaction short: streamed straight to a slow or stopped member it
// would stay open for the whole send, and while a bbolt read transaction
// is open the writer can neither reuse freed pages nor remap a growing
// file (measured: a leader fell from 2,600 to 570 commits/s while it
// tried to send a snapshot to a follower stopped with SIGSTOP). The state
// copied holds at least what it held when ref was taken; entries it
// already holds are skipped when the log after meta.Index is replayed on
// the receiver.
func (f *FSM) streamState(meta *raft.SnapshotMeta, ref stateRef) (*raft.SnapshotMeta, io.ReadCloser, error) {
	tmp, err := os.CreateTemp(filepath.Dir(f.cfg.Path), filepath.Base(f.cfg.Path)+".send-*")
	if err != nil {
		return nil, nil, fmt.Errorf("create snapshot copy: %w", err)
	}
	// Unlinked at once: the open file stays readable, and a crash leaves
	// nothing behind.
	_ = os.Remove(tmp.Name())
	var m *raft.SnapshotMeta
	err = f.View(func(tx *bolt.Tx) error {
		if applied := getUint(tx.Bucket(bucketMeta), keyApplied); applied < ref.index {
			return fmt.Errorf("state file is at index %d, behind snapshot %s taken at %d", applied, meta.ID, ref.index)
		}
		m = f.describeState(tx, meta)
		n, err := tx.WriteTo(tmp)
		if err != nil {
			return fmt.Errorf("copy state for snapshot %s: %w", meta.ID, err)
		}
		m.Size = n
		return nil
	})
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		tmp.Close()
		return nil, nil, err
	}
	return m, tmp, nil
}

// describeState is meta moved forward to the state tx holds: its applied
// index and that entry's term, and the configuration in force there (the
// last configuration entry the FSM applied after meta's index, else
// meta's own, which may be one raft was told to recover to). A state file
// that does not record the term (written before it did) keeps meta's
// position: still correct, as replay skips what the file holds.
func (f *FSM) describeState(tx *bolt.Tx, meta *raft.SnapshotMeta) *raft.SnapshotMeta {
	m := *meta
	b := tx.Bucket(bucketMeta)
	index, term := getUint(b, keyApplied), getUint(b, keyAppliedTerm)
	if index <= meta.Index || term == 0 {
		return &m
	}
	m.Index, m.Term = index, term
	if v := b.Get(keyConfiguration); len(v) > 8 {
		if ci := binary.BigEndian.Uint64(v[:8]); ci > meta.Index && ci <= index {
			if conf, ok := decodeConfiguration(v[8:]); ok {
				m.Configuration, m.ConfigurationIndex = conf, ci
			}
		}
	}
	return &m
}

// decodeConfiguration is raft.DecodeConfiguration without its panic on
// bytes it cannot decode.
func decodeConfiguration(b []byte) (conf raft.Configuration, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return raft.DecodeConfiguration(b), true
}

// recordPosition stores, with a batch, the term of its last entry and the
// last configuration entry in it, for describeState.
func recordPosition(meta *bolt.Bucket, term uint64, conf *raft.Log) error {
	if term == 0 {
		// Not from a raft log (tests, tools): the position is unknown.
		return meta.Delete(keyAppliedTerm)
	}
	if err := putUint(meta, keyAppliedTerm, term); err != nil {
		return err
	}
	if conf == nil {
		return nil
	}
	v := make([]byte, 8+len(conf.Data))
	binary.BigEndian.PutUint64(v, conf.Index)
	copy(v[8:], conf.Data)
	return meta.Put(keyConfiguration, v)
}

// checkSnapshotCoverage runs before raft starts. Raft takes the newest
// snapshot's index as applied (NoSnapshotRestoreOnStart: it does not load
// the snapshot) and replays only the log after it, so state.db must hold
// what that snapshot holds. A received state file that was stored but not
// yet restored when the process stopped is restored now. A reference
// cannot stand in for a lost or replaced state file, and starting would
// serve a state missing committed entries, so that is an error.
func (f *FSM) checkSnapshotCoverage(snaps *stateSnapshots) error {
	list, err := snaps.List()
	if err != nil || len(list) == 0 {
		return err
	}
	latest := list[0]
	applied := f.AppliedIndex()
	if applied >= latest.Index {
		return nil
	}
	meta, rc, err := snaps.files.Open(latest.ID)
	if err != nil {
		return fmt.Errorf("open snapshot %s: %w", latest.ID, err)
	}
	br := bufio.NewReader(rc)
	if ref, isRef := readStateRef(br); isRef {
		rc.Close()
		if applied >= ref.index {
			return nil // only entries the state machine never sees lie between
		}
		return fmt.Errorf("state.db is at index %d but the raft log was compacted through snapshot %s, taken with the state at index %d: "+
			"the state file was lost or replaced; restore a backup (arena restore) or wipe this data dir and add the node again",
			applied, meta.ID, ref.index)
	}
	// Entries between a received file's own index and the snapshot's are
	// ones the state machine never sees, so a state.db below the snapshot
	// holds no more than the file: restoring it loses nothing.
	f.log.Warn("state.db is behind the newest snapshot; restoring the snapshot received before the stop",
		"applied_index", applied, "snapshot_index", meta.Index)
	return f.Restore(readCloser{br, rc})
}
