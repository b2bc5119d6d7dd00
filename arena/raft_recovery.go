package arena

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/raft"
)

// PeersFile is the name, inside <data-dir>/raft, of the file an operator
// writes to force a new configuration after losing quorum (raft's
// peers.json recovery). Format: [{"id":"n1","address":"10.0.0.1:7000",
// "non_voter":false}, ...]. See docs/OPERATIONS.md.
const PeersFile = "peers.json"

// recoverFromPeersFile applies <raftDir>/peers.json, if present, before
// raft starts: every entry in the local log is treated as committed, a
// snapshot carrying the given configuration replaces the log, and the file
// is renamed so the recovery happens once. Run it on every surviving
// member, with the same file, while all of them are stopped.
func (n *Node) recoverFromPeersFile(raftDir string, rc *raft.Config, logs raft.LogStore,
	stable raft.StableStore, snaps raft.SnapshotStore) error {
	path := filepath.Join(raftDir, PeersFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	conf, err := raft.ReadConfigJSON(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	// Checked before anything is rewritten or the file set aside: a
	// peers.json without this node, or with it at another address than
	// it listens on, recovered a configuration this node could not lead
	// (it served with no leader for good, or refused to start after the
	// file was already used up).
	here, listed := n.transport.LocalAddr(), false
	for _, s := range conf.Servers {
		if s.ID != rc.LocalID {
			continue
		}
		listed = true
		if s.Address != here {
			return fmt.Errorf("%s lists this node (%s) at %s, but it listens on %s: fix the address in the file, or start the node with --raft-addr %s",
				path, rc.LocalID, s.Address, here, s.Address)
		}
	}
	if !listed {
		return fmt.Errorf("%s does not list this node (%s): list every surviving member by the id it was started with (--node-id), this one included", path, rc.LocalID)
	}
	n.log.Warn("recovering the cluster configuration from peers.json", "servers", conf.Servers)
	if err := raft.RecoverCluster(rc, recoveryFSM{n.fsm}, logs, stable, snaps, n.transport, conf); err != nil {
		return fmt.Errorf("recover cluster from %s: %w", path, err)
	}
	if err := os.Rename(path, path+".applied"); err != nil {
		return fmt.Errorf("set %s aside after recovery: %w", path, err)
	}
	n.log.Warn("cluster configuration recovered; peers.json renamed to peers.json.applied")
	return nil
}

// recoveryFSM hands RecoverCluster snapshots that release their read
// transaction once persisted: RecoverCluster never calls Release, and an
// open bbolt read transaction would block the state file from growing.
type recoveryFSM struct{ *FSM }

func (r recoveryFSM) Snapshot() (raft.FSMSnapshot, error) {
	s, err := r.FSM.Snapshot()
	if err != nil {
		return nil, err
	}
	return releasingSnapshot{s}, nil
}

type releasingSnapshot struct{ raft.FSMSnapshot }

func (s releasingSnapshot) Persist(sink raft.SnapshotSink) error {
	defer s.Release()
	return s.FSMSnapshot.Persist(sink)
}
