package arena

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hashicorp/raft"
	bolt "go.etcd.io/bbolt"
)

// Snapshot implements raft.FSM. The state file is durable at every
// applied index, so a snapshot is only a reference to it (stateRef; see
// stateSnapshots, which streams the file itself when a member needs it).
// Raft calls this on its FSM goroutine, so the applied index is the one
// the snapshot is taken at.
//
// The checkpoint first makes the state at that index recoverable after a
// power loss, so raft may compact the log behind it.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	if err := f.checkpoint(); err != nil {
		return nil, fmt.Errorf("checkpoint state before snapshot: %w", err)
	}
	return stateRef{index: f.AppliedIndex()}, nil
}

// Restore implements raft.FSM: the snapshot is a whole bbolt file (as
// stateSnapshots.Open streams it), which replaces the current one.
// Readers wait on mu while the file is swapped.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	f.cpMu.Lock()
	defer f.cpMu.Unlock()
	tmp := f.cfg.Path + ".restore"
	if err := writeFileSync(tmp, rc); err != nil {
		return err
	}
	// Refuse a stream that is not a usable state file before discarding ours.
	probe, err := bolt.Open(tmp, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		_ = removeIfExists(tmp)
		return fmt.Errorf("snapshot is not a state file: %w", err)
	}
	probe.Close()

	f.mu.Lock()
	defer f.mu.Unlock()
	// The old file's checkpoint must not be applied to the new one.
	if f.ck != nil {
		if err := f.ck.detach(f.db); err != nil {
			_ = removeIfExists(tmp)
			return fmt.Errorf("sync the replaced state file: %w", err)
		}
	}
	// The new file takes the old one's name; the old file stays open (and
	// readable through its inode) until it is retired below.
	if err := os.Rename(tmp, f.cfg.Path); err != nil {
		if f.ck != nil {
			if aerr := f.ck.attach(f.db, f.cfg.Path, f.ck.limit); aerr != nil {
				f.log.Error("cannot checkpoint the state file again; fsyncing every commit", "err", aerr)
			}
		}
		return fmt.Errorf("install restored state: %w", err)
	}
	db, limit, err := openStateDB(f.cfg.Path, f.mapReserve())
	if err != nil {
		return err
	}
	if f.ck != nil {
		if err := f.ck.attach(db, f.cfg.Path, limit); err != nil {
			// Every commit stays fsynced, which is safe, only slower.
			f.log.Error("cannot checkpoint the restored state file; fsyncing every commit", "err", err)
		}
	}
	old := f.db
	f.db = db
	if old != nil {
		// Closing waits for every read transaction on the old file, and a
		// snapshot raft is persisting holds one until Release. Raft's
		// snapshot goroutine may be waiting for its main goroutine, which
		// waits for this restore: closing here would deadlock the node.
		f.retired.Add(1)
		go func() {
			defer f.retired.Done()
			if err := old.Close(); err != nil {
				f.log.Warn("close the replaced state file", "err", err)
			}
		}()
	}
	var idx uint64
	_ = db.View(func(tx *bolt.Tx) error {
		idx = getUint(tx.Bucket(bucketMeta), keyApplied)
		return nil
	})
	f.setApplied(idx)
	f.log.Info("state restored from snapshot", "applied_index", idx)
	return nil
}

func writeFileSync(path string, r io.Reader) error {
	out, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return out.Close()
}

// StateHash is a SHA-256 over every bucket's keys and values in key order,
// leaving out bookkeeping. bbolt files differ in page layout between nodes,
// but their logical content must not: equal hashes mean equal state.
func (f *FSM) StateHash() (hash string, index uint64, err error) {
	return f.RecentStateHash(0)
}

// RecentStateHash is StateHash, but it may answer with the hash of an
// earlier index if that was computed less than maxAge ago. Hashing reads
// the whole state file; on a busy node the applied index moves between
// any two requests, so a public status endpoint that always hashed anew
// would let anyone keep a core busy scanning.
func (f *FSM) RecentStateHash(maxAge time.Duration) (hash string, index uint64, err error) {
	f.hashMu.Lock()
	defer f.hashMu.Unlock()
	if maxAge > 0 && f.hash != "" && time.Since(f.hashAt) < maxAge {
		return f.hash, f.hashIndex, nil
	}
	err = f.View(func(tx *bolt.Tx) error {
		index = getUint(tx.Bucket(bucketMeta), keyApplied)
		if index == f.hashIndex && f.hash != "" {
			hash = f.hash
			f.hashAt = time.Now()
			return nil
		}
		h := sha256.New()
		err := tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if string(name) == string(bucketMeta) {
				return nil
			}
			writeField(h, name)
			return b.ForEach(func(k, v []byte) error {
				writeField(h, k)
				writeField(h, v)
				return nil
			})
		})
		if err != nil {
			return err
		}
		hash = hex.EncodeToString(h.Sum(nil))
		f.hashIndex, f.hash, f.hashAt = index, hash, time.Now()
		return nil
	})
	return hash, index, err
}

// writeField length-prefixes each field so ("ab","c") and ("a","bc") differ.
func writeField(w io.Writer, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	w.Write(n[:])
	w.Write(b)
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
