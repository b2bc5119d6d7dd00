package arena

// Checkpointed durability of state.db.
//
// Every write reaches a quorum's Raft logs, fsynced, before it is applied,
// so the state file itself need not be fsynced on every batch: after a
// crash the log can replay whatever the file lost (etcd's consistent-index
// design). What the log cannot repair is a torn file. bbolt without fsync
// writes a commit's pages and then its meta page with nothing ordering
// them, so after a power loss the newest meta page may point at pages that
// never reached the disk, or at pages a later commit reused.
//
// The checkpoint closes that hole. Every CheckpointInterval, and before
// every raft snapshot, the checkpointer
//
//  1. opens a read transaction at the newest commit C (the pin) and copies
//     C's meta page from the file,
//  2. fdatasyncs state.db, which makes C's whole tree durable,
//  3. records C's meta page in state.db.ckpt (two checksummed slots, the
//     older one overwritten, fdatasynced), and
//  4. releases the previous pin.
//
// While the pin is held bbolt never reuses a page of C's tree (its
// freelist keeps pages a reader can see), so on disk C stays intact
// whatever later commits did. A clean stop fsyncs the file and marks the
// side file synced. On open, a side file still holding a checkpoint means
// the last stop was not clean: both meta slots are overwritten with C's,
// which turns the file back into C exactly, and raft replays the log after
// C's applied index. This costs one replay of at most an interval's
// entries after kill -9 and makes a power loss recoverable. Raft compacts
// its log only up to a snapshot, and a snapshot is taken only after a
// checkpoint at its index, so the entries after C are always in the log.
//
// A held read transaction also blocks bbolt from remapping the file, and
// the commit that needs a remap would wait for the pin forever. The state
// file is therefore mapped with a reserve far beyond its size; if it ever
// grows to within stateMapMargin of the mapping, the FSM falls back to
// fsyncing every commit until the next restart.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"os"
	"path/filepath"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Values of Config.StateSync.
const (
	// StateSyncCheckpoint fsyncs state.db at checkpoints; the Raft log
	// covers the commits between them.
	StateSyncCheckpoint = "checkpoint"
	// StateSyncCommit fsyncs state.db on every applied batch.
	StateSyncCommit = "commit"
)

// ValidStateSync reports whether s names a StateSync mode.
func ValidStateSync(s string) bool { return s == StateSyncCheckpoint || s == StateSyncCommit }

const (
	// DefaultCheckpointInterval bounds how much of the log a restart after
	// a crash replays.
	DefaultCheckpointInterval = 100 * time.Millisecond
	// defaultStateMapReserve is address space mapped beyond the state
	// file's size (not memory: pages are only read in when used).
	defaultStateMapReserve = 16 << 30
	// stateMapMargin is more than any one batch can grow the file.
	stateMapMargin = 1 << 30
	// legacyInitialMmap is the mapping when every commit is fsynced.
	legacyInitialMmap = 64 << 20
)

const (
	ckptMagic    = "ARENACK1"
	ckptSlotSize = 256
	// metaHeadLen is bbolt's page header (16 bytes) and meta struct (64).
	metaHeadLen = 80
	ckptBodyLen = 192

	ckptSynced byte = 1
	ckptPinned byte = 2
)

// Offsets inside a bbolt meta page (page header, then the meta struct).
const (
	metaOffMagic    = 16
	metaOffPageSize = 24
	metaOffTxid     = 64
	metaOffChecksum = 72
	boltMagic       = 0xED0CDAED
)

// ckptRecord is one slot of state.db.ckpt.
type ckptRecord struct {
	Seq     uint64
	State   byte
	Applied uint64
	Inode   uint64
	Meta    [metaHeadLen]byte
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

func (r *ckptRecord) encode() []byte {
	b := make([]byte, ckptSlotSize)
	copy(b, ckptMagic)
	binary.LittleEndian.PutUint64(b[8:], r.Seq)
	b[16] = r.State
	binary.LittleEndian.PutUint64(b[24:], r.Applied)
	binary.LittleEndian.PutUint64(b[32:], r.Inode)
	copy(b[112:], r.Meta[:])
	binary.LittleEndian.PutUint32(b[ckptBodyLen:], crc32.Checksum(b[:ckptBodyLen], crcTable))
	return b
}

func decodeCkptSlot(b []byte) (ckptRecord, bool) {
	var r ckptRecord
	if len(b) < ckptSlotSize || string(b[:8]) != ckptMagic ||
		binary.LittleEndian.Uint32(b[ckptBodyLen:]) != crc32.Checksum(b[:ckptBodyLen], crcTable) {
		return r, false
	}
	r.Seq = binary.LittleEndian.Uint64(b[8:])
	r.State = b[16]
	r.Applied = binary.LittleEndian.Uint64(b[24:])
	r.Inode = binary.LittleEndian.Uint64(b[32:])
	copy(r.Meta[:], b[112:])
	if r.State != ckptSynced && r.State != ckptPinned {
		return r, false
	}
	if r.State == ckptPinned && validMetaHead(r.Meta[:]) != nil {
		return r, false
	}
	return r, true
}

// parseCkptFile picks the newest valid slot; ok is false when there is none.
func parseCkptFile(b []byte) (rec ckptRecord, ok bool) {
	for i := 0; i < 2; i++ {
		if len(b) < (i+1)*ckptSlotSize {
			break
		}
		r, valid := decodeCkptSlot(b[i*ckptSlotSize : (i+1)*ckptSlotSize])
		if valid && (!ok || r.Seq > rec.Seq) {
			rec, ok = r, true
		}
	}
	return rec, ok
}

// validMetaHead checks a copied meta page the way bbolt does on open.
func validMetaHead(h []byte) error {
	if len(h) < metaHeadLen {
		return errors.New("meta page too short")
	}
	if binary.LittleEndian.Uint32(h[metaOffMagic:]) != boltMagic {
		return errors.New("meta page has no bbolt magic")
	}
	sum := fnv.New64a()
	sum.Write(h[metaOffMagic:metaOffChecksum])
	if sum.Sum64() != binary.LittleEndian.Uint64(h[metaOffChecksum:]) {
		return errors.New("meta page checksum mismatch")
	}
	if ps := binary.LittleEndian.Uint32(h[metaOffPageSize:]); ps < 512 || ps > 1<<20 || ps&(ps-1) != 0 {
		return fmt.Errorf("meta page names page size %d", ps)
	}
	return nil
}

func ckptPath(statePath string) string { return statePath + ".ckpt" }

func fileInode(path string) (uint64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, errors.New("no inode on this platform")
	}
	return st.Ino, nil
}

// recoverStateFile runs before state.db is opened. If the last stop left
// a checkpoint in place, the file is rolled back to it (see the top of
// this file); the Raft log replays what follows.
func recoverStateFile(path string, log interface{ Warn(string, ...any) }) (rolledBack bool, err error) {
	b, err := os.ReadFile(ckptPath(path))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read checkpoint file: %w", err)
	}
	rec, ok := parseCkptFile(b)
	if !ok {
		// The side file is created, and a first slot fsynced, before any
		// commit skips its fsync; without a valid slot every commit so far
		// was durable.
		log.Warn("state.db.ckpt holds no valid checkpoint; using state.db as it is", "bytes", len(b))
		return false, nil
	}
	if rec.State == ckptSynced {
		return false, nil
	}
	ino, err := fileInode(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil // no state to roll back; checkSnapshotCoverage decides
	}
	if err != nil {
		return false, fmt.Errorf("stat state file: %w", err)
	}
	if ino != rec.Inode {
		log.Warn("state.db was replaced since its last checkpoint; not rolling it back")
		return false, nil
	}
	if err := rollBackMeta(path, rec.Meta[:]); err != nil {
		return false, fmt.Errorf("roll state.db back to its checkpoint at index %d: %w", rec.Applied, err)
	}
	log.Warn("the last stop was not clean: state.db rolled back to its last checkpoint; the Raft log replays the entries after it",
		"checkpoint_index", rec.Applied)
	return true, nil
}

// rollBackMeta writes the checkpoint's meta page into both meta slots.
func rollBackMeta(path string, head []byte) error {
	if err := validMetaHead(head); err != nil {
		return err
	}
	ps := int(binary.LittleEndian.Uint32(head[metaOffPageSize:]))
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	page := make([]byte, ps)
	copy(page, head)
	for slot := 0; slot < 2; slot++ {
		binary.LittleEndian.PutUint64(page[0:], uint64(slot)) // page id
		if _, err := f.WriteAt(page, int64(slot*ps)); err != nil {
			return err
		}
	}
	return f.Sync()
}

// stateCheckpoints is the FSM's checkpoint state. Fields are guarded as
// marked; lock order is FSM.cpMu, FSM.mu, FSM.commitMu.
type stateCheckpoints struct {
	side *os.File // state.db.ckpt
	seq  uint64   // cpMu
	// pinned is true while commits skip their fsync (commitMu to change).
	pinned bool
	pin    *bolt.Tx // cpMu
	dbFile *os.File // read-only handle on state.db for meta pages (cpMu)
	inode  uint64   // cpMu
	dirty  bool     // commitMu: commits since the pin was taken
	limit  int64    // bytes mapped (set with the db)
	size   int64    // commitMu: file size as of the last commit

	stop chan struct{}
	done chan struct{}
}

// openSideFile opens state.db.ckpt, making its directory entry durable
// when it is new.
func openSideFile(statePath string) (*os.File, error) {
	p := ckptPath(statePath)
	_, statErr := os.Stat(p)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open checkpoint file: %w", err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		if err := syncDir(filepath.Dir(p)); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}

// writeSlot records r in the older slot and fdatasyncs it.
func (c *stateCheckpoints) writeSlot(r ckptRecord) error {
	c.seq++
	r.Seq = c.seq
	if _, err := c.side.WriteAt(r.encode(), int64(c.seq%2)*ckptSlotSize); err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	if err := syscall.Fdatasync(int(c.side.Fd())); err != nil {
		return fmt.Errorf("sync checkpoint: %w", err)
	}
	return nil
}

// beginPin opens the read transaction at the newest commit and copies that
// commit's meta page. The caller keeps commits out meanwhile.
func (c *stateCheckpoints) beginPin(db *bolt.DB) (*bolt.Tx, [metaHeadLen]byte, error) {
	var head [metaHeadLen]byte
	tx, err := db.Begin(false)
	if err != nil {
		return nil, head, fmt.Errorf("begin checkpoint tx: %w", err)
	}
	ps := int64(db.Info().PageSize)
	if _, err := c.dbFile.ReadAt(head[:], int64(tx.ID()%2)*ps); err != nil {
		tx.Rollback()
		return nil, head, fmt.Errorf("read meta page: %w", err)
	}
	if err := validMetaHead(head[:]); err != nil {
		tx.Rollback()
		return nil, head, fmt.Errorf("read meta page: %w", err)
	}
	if txid := binary.LittleEndian.Uint64(head[metaOffTxid:]); txid != uint64(tx.ID()) {
		tx.Rollback()
		return nil, head, fmt.Errorf("meta page holds transaction %d, want %d", txid, tx.ID())
	}
	return tx, head, nil
}

// publish makes the pinned commit durable, records it, and only then lets
// go of the previous pin.
func (c *stateCheckpoints) publish(db *bolt.DB, tx *bolt.Tx, head [metaHeadLen]byte) error {
	if err := db.Sync(); err != nil {
		tx.Rollback()
		return fmt.Errorf("sync state file: %w", err)
	}
	rec := ckptRecord{State: ckptPinned, Applied: getUint(tx.Bucket(bucketMeta), keyApplied), Inode: c.inode, Meta: head}
	if err := c.writeSlot(rec); err != nil {
		tx.Rollback()
		return err
	}
	if c.pin != nil {
		c.pin.Rollback()
	}
	c.pin = tx
	return nil
}

// markSynced makes every commit so far durable and records that the
// newest meta page is to be trusted, then drops the pin. The caller has
// stopped commits from skipping their fsync.
func (c *stateCheckpoints) markSynced(db *bolt.DB) error {
	if err := db.Sync(); err != nil {
		return fmt.Errorf("sync state file: %w", err)
	}
	if err := c.writeSlot(ckptRecord{State: ckptSynced, Inode: c.inode}); err != nil {
		return err
	}
	if c.pin != nil {
		c.pin.Rollback()
		c.pin = nil
	}
	return nil
}

// attach starts checkpoints on a freshly opened db (FSM.mu held, or no
// applies yet): a first pin, then commits stop fsyncing.
func (c *stateCheckpoints) attach(db *bolt.DB, path string, limit int64) error {
	c.limit = limit
	ino, err := fileInode(path)
	if err != nil {
		return fmt.Errorf("stat state file: %w", err)
	}
	c.inode = ino
	c.dbFile, err = os.Open(path)
	if err != nil {
		return fmt.Errorf("open state file for checkpoints: %w", err)
	}
	tx, head, err := c.beginPin(db)
	if err == nil {
		c.size = tx.Size()
		err = c.publish(db, tx, head)
	}
	if err != nil {
		c.dbFile.Close()
		c.dbFile = nil
		return err
	}
	c.dirty = false
	c.pinned = true
	db.NoSync = true
	return nil
}

// detach returns db to fsync on every commit, durably, before it is closed
// or replaced (FSM.mu held exclusively).
func (c *stateCheckpoints) detach(db *bolt.DB) error {
	if !c.pinned {
		return nil
	}
	db.NoSync = false
	c.pinned = false
	err := c.markSynced(db)
	if c.dbFile != nil {
		c.dbFile.Close()
		c.dbFile = nil
	}
	return err
}

// startCheckpoints begins checkpointed durability on f's db, or leaves
// every commit fsynced when configured so.
func (f *FSM) startCheckpoints(limit int64) error {
	_, statErr := os.Stat(ckptPath(f.cfg.Path))
	if f.cfg.SyncEveryCommit && statErr != nil {
		return nil
	}
	side, err := openSideFile(f.cfg.Path)
	if err != nil {
		return err
	}
	c := &stateCheckpoints{side: side, stop: make(chan struct{}), done: make(chan struct{})}
	if b, err := os.ReadFile(ckptPath(f.cfg.Path)); err == nil {
		if rec, ok := parseCkptFile(b); ok {
			c.seq = rec.Seq
		}
	}
	if f.cfg.SyncEveryCommit {
		// A checkpoint left by an earlier run in the other mode would roll
		// back commits this run makes without a pin.
		defer side.Close()
		if ino, err := fileInode(f.cfg.Path); err == nil {
			c.inode = ino
		}
		return c.markSynced(f.db)
	}
	if err := c.attach(f.db, f.cfg.Path, limit); err != nil {
		side.Close()
		return err
	}
	f.ck = c
	interval := f.cfg.CheckpointInterval
	if interval == 0 {
		interval = DefaultCheckpointInterval
	}
	if interval < 0 {
		close(c.done) // tests call checkpoint themselves
		return nil
	}
	go f.checkpointLoop(interval)
	return nil
}

func (f *FSM) checkpointLoop(interval time.Duration) {
	defer close(f.ck.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-f.ck.stop:
			return
		case <-t.C:
		}
		// A failed checkpoint leaves the previous one standing, pinned and
		// recorded, so safety holds; only the replay after a crash grows.
		if err := f.checkpoint(); err != nil && !failing {
			f.log.Error("state checkpoint failed; retrying", "err", err)
			failing = true
		} else if err == nil && failing {
			f.log.Info("state checkpoints resumed")
			failing = false
		}
	}
}

// checkpoint pins and records the newest commit if anything was committed
// since the last one.
func (f *FSM) checkpoint() error {
	f.cpMu.Lock()
	defer f.cpMu.Unlock()
	f.mu.RLock()
	defer f.mu.RUnlock()
	c := f.ck
	if f.db == nil || c == nil {
		return nil
	}
	f.commitMu.Lock()
	if !c.pinned || !c.dirty {
		f.commitMu.Unlock()
		return nil
	}
	tx, head, err := c.beginPin(f.db)
	if err == nil {
		c.dirty = false
	}
	f.commitMu.Unlock()
	if err != nil {
		return err
	}
	if err := c.publish(f.db, tx, head); err != nil {
		f.commitMu.Lock()
		c.dirty = true
		f.commitMu.Unlock()
		return err
	}
	return nil
}

// nearMapLimit reports whether the next commit could need bbolt to remap
// the file, which the pin would block.
func (f *FSM) nearMapLimit() bool {
	c := f.ck
	if c == nil {
		return false
	}
	f.commitMu.Lock()
	defer f.commitMu.Unlock()
	return c.pinned && c.size+stateMapMargin > c.limit
}

// fallBackToSyncedCommits stops checkpoints for the rest of the process
// (see the top of this file). If the side file cannot say so, the pin
// cannot be dropped safely and the commit behind it would hang, so the
// process stops instead.
func (f *FSM) fallBackToSyncedCommits() {
	f.cpMu.Lock()
	defer f.cpMu.Unlock()
	f.mu.RLock()
	defer f.mu.RUnlock()
	c := f.ck
	f.commitMu.Lock()
	if f.db == nil || !c.pinned {
		f.commitMu.Unlock()
		return
	}
	c.pinned = false
	f.db.NoSync = false
	f.commitMu.Unlock()
	if err := c.markSynced(f.db); err != nil {
		f.log.Error("cannot record that state.db is synced", "err", err)
		panic(fmt.Sprintf("arena: leave checkpointed durability: %v", err))
	}
	f.log.Warn("state.db is close to the size it was mapped with; every commit is fsynced until the next restart",
		"size_bytes", c.size, "mapped_bytes", c.limit)
}

// stopCheckpoints ends the checkpoint goroutine.
func (f *FSM) stopCheckpoints() {
	if f.ck == nil {
		return
	}
	select {
	case <-f.ck.stop:
	default:
		close(f.ck.stop)
	}
	<-f.ck.done
}
