// Package raftlog keeps a Raft log in append-only segment files, the way
// etcd's WAL does: an append is one write and one fdatasync, compaction
// deletes whole files, and a crash in the middle of an append loses only
// that unacknowledged append. It implements raft.LogStore and
// raft.StableStore.
package raftlog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/hashicorp/raft"
)

// DefaultSegmentBytes is the size at which a new segment is started.
const DefaultSegmentBytes = 16 << 20

// Log is a Raft log store and stable store in one directory.
type Log struct {
	dir          string
	segmentBytes int64

	// wmu serialises the writers: appends, truncations and stable-store
	// updates. An append writes and syncs holding only wmu, then publishes
	// the new entries under mu, so readers (replication to followers) do
	// not wait for the disk.
	wmu    sync.Mutex
	buf    []byte
	failed error // a write or sync that failed; the log accepts no more

	mu          sync.RWMutex
	segs        []*segment // oldest first; gaps between them are allowed
	first, last uint64     // 0, 0 when the log is empty
	meta        meta
	closed      bool
}

var (
	_ raft.LogStore    = (*Log)(nil)
	_ raft.StableStore = (*Log)(nil)
)

// Open opens the log in dir, creating it when it is new. segmentBytes <= 0
// means DefaultSegmentBytes.
func Open(dir string, segmentBytes int64) (*Log, error) {
	if segmentBytes <= 0 {
		segmentBytes = DefaultSegmentBytes
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create raft log dir: %w", err)
	}
	m, err := loadMeta(dir)
	if err != nil {
		return nil, err
	}
	segs, err := listSegments(dir)
	if err != nil {
		return nil, err
	}
	l := &Log{dir: dir, segmentBytes: segmentBytes, meta: m}
	if err := l.recover(segs); err != nil {
		for _, s := range segs {
			if s.f != nil {
				_ = s.f.Close()
			}
		}
		return nil, err
	}
	return l, nil
}

// recover loads the segments, dropping what a crash left half done: files
// wholly below the first index (a compaction that stopped before deleting
// them) and empty files (a new segment created just before the crash).
func (l *Log) recover(segs []*segment) error {
	var keep []*segment
	removed := false
	for i, s := range segs {
		if err := s.load(i == len(segs)-1); err != nil {
			return err
		}
		if len(s.offsets) == 0 || s.last() < l.meta.first {
			if err := s.remove(); err != nil {
				return err
			}
			removed = true
			continue
		}
		if n := len(keep); n > 0 && keep[n-1].last() >= s.first {
			return fmt.Errorf("%w: %s starts at entry %d, inside %s (to %d)", errCorrupt, s.path, s.first, keep[n-1].path, keep[n-1].last())
		}
		keep = append(keep, s)
	}
	if removed {
		if err := syncDir(l.dir); err != nil {
			return fmt.Errorf("sync raft log dir: %w", err)
		}
	}
	l.segs = keep
	l.setBounds()
	return nil
}

// setBounds derives first and last from the segments and the stored first
// index.
func (l *Log) setBounds() {
	if len(l.segs) == 0 {
		l.first, l.last = 0, 0
		return
	}
	l.first = max(l.meta.first, l.segs[0].first)
	l.last = l.segs[len(l.segs)-1].last()
}

// FirstIndex implements raft.LogStore.
func (l *Log) FirstIndex() (uint64, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.first, l.checkOpen()
}

// LastIndex implements raft.LogStore.
func (l *Log) LastIndex() (uint64, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.last, l.checkOpen()
}

func (l *Log) checkOpen() error {
	if l.closed {
		return errors.New("raft log is closed")
	}
	return nil
}

// GetLog implements raft.LogStore.
func (l *Log) GetLog(index uint64, out *raft.Log) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if err := l.checkOpen(); err != nil {
		return err
	}
	if l.last == 0 || index < l.first || index > l.last {
		return raft.ErrLogNotFound
	}
	i := sort.Search(len(l.segs), func(i int) bool { return l.segs[i].first > index }) - 1
	if i < 0 || index > l.segs[i].last() {
		return raft.ErrLogNotFound // in a gap left by a snapshot install
	}
	s := l.segs[i]
	off := s.offsets[index-s.first]
	rec := make([]byte, s.end(index)-off)
	if _, err := s.f.ReadAt(rec, off); err != nil {
		return fmt.Errorf("read raft log entry %d: %w", index, err)
	}
	if err := decodeRecord(rec, out); err != nil {
		return fmt.Errorf("%w: entry %d in %s: %v", errCorrupt, index, s.path, err)
	}
	if out.Index != index {
		return fmt.Errorf("%w: entry %d in %s reads as %d", errCorrupt, index, s.path, out.Index)
	}
	return nil
}

// StoreLog implements raft.LogStore.
func (l *Log) StoreLog(log *raft.Log) error { return l.StoreLogs([]*raft.Log{log}) }

// StoreLogs implements raft.LogStore: the entries are on disk when it
// returns. They must follow the last entry, or start anywhere after it
// (raft appends past a gap after installing a snapshot).
func (l *Log) StoreLogs(logs []*raft.Log) error {
	if len(logs) == 0 {
		return nil
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.failed != nil {
		return fmt.Errorf("raft log store failed earlier, restart the node: %w", l.failed)
	}
	if err := l.checkOpenLocked(); err != nil {
		return err
	}
	start := logs[0].Index
	for i, lg := range logs {
		if lg.Index != start+uint64(i) {
			return fmt.Errorf("append entries %d..: entry %d is %d, not consecutive", start, i, lg.Index)
		}
	}
	if start == 0 {
		return errors.New("append entries: index 0 is not a log index")
	}
	l.mu.RLock()
	last := l.last
	var tail *segment
	if n := len(l.segs); n > 0 {
		tail = l.segs[n-1]
	}
	l.mu.RUnlock()
	if last != 0 && start <= last {
		return fmt.Errorf("append entries from %d: the log already ends at %d (raft deletes a conflicting tail first)", start, last)
	}
	if last != 0 && start > last+1 {
		// Raft appends past its log's end only after installing a
		// snapshot at start-1, having kept its trailing entries before it:
		// behind the gap they can never be sent (a follower that needs
		// them needs the missing ones too, so it gets the snapshot) nor
		// applied, yet they made the log read as spanning the gap (a
		// chaos run's node, quiet after an install, reported 16,771
		// entries holding about 540) until a local snapshot compacted
		// them. They go now, and the log stays one run.
		if err := l.deleteHead(start); err != nil {
			return err
		}
		l.mu.RLock()
		last, tail = l.last, nil
		if n := len(l.segs); n > 0 {
			tail = l.segs[n-1]
		}
		l.mu.RUnlock()
	}
	if last == 0 && start < l.meta.first {
		// An emptied log restarting below its old first index.
		next := l.meta
		next.first = start
		if err := next.save(l.dir); err != nil {
			return l.fail(err)
		}
		l.setMeta(next)
	}

	l.buf = l.buf[:0]
	for _, lg := range logs {
		l.buf = appendRecord(l.buf, lg)
	}
	if tail == nil || start != last+1 || tail.size >= l.segmentBytes {
		return l.appendNewSegment(start, logs)
	}
	if _, err := tail.f.WriteAt(l.buf, tail.size); err != nil {
		return l.fail(fmt.Errorf("append raft log entries %d-%d: %w", start, start+uint64(len(logs))-1, err))
	}
	if err := datasync(tail.f); err != nil {
		return l.fail(fmt.Errorf("sync raft log entries %d-%d: %w", start, start+uint64(len(logs))-1, err))
	}
	l.mu.Lock()
	l.publish(tail, logs)
	l.mu.Unlock()
	return nil
}

// appendNewSegment starts a segment at start with the encoded entries.
// The previous segment is first cut to its records (its preallocated
// zeros go), so that only the newest file ever ends in zeros.
func (l *Log) appendNewSegment(start uint64, logs []*raft.Log) error {
	l.mu.RLock()
	var prev *segment
	if n := len(l.segs); n > 0 {
		prev = l.segs[n-1]
	}
	l.mu.RUnlock()
	if prev != nil {
		if err := prev.f.Truncate(prev.size); err != nil {
			return l.fail(fmt.Errorf("close raft log segment %s: %w", prev.path, err))
		}
		if err := prev.f.Sync(); err != nil {
			return l.fail(fmt.Errorf("close raft log segment %s: %w", prev.path, err))
		}
	}
	s := &segment{first: start, path: filepath.Join(l.dir, segmentName(start))}
	f, err := os.OpenFile(s.path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return l.fail(fmt.Errorf("create raft log segment: %w", err))
	}
	s.f = f
	if int64(len(l.buf)) < l.segmentBytes {
		preallocate(f, l.segmentBytes)
	}
	if _, err := f.WriteAt(l.buf, 0); err != nil {
		return l.fail(fmt.Errorf("append raft log entries from %d: %w", start, err))
	}
	if err := f.Sync(); err != nil {
		return l.fail(fmt.Errorf("sync raft log segment: %w", err))
	}
	if err := syncDir(l.dir); err != nil {
		return l.fail(fmt.Errorf("sync raft log dir: %w", err))
	}
	l.mu.Lock()
	l.segs = append(l.segs, s)
	l.publish(s, logs)
	l.mu.Unlock()
	return nil
}

// publish makes appended entries visible to readers; mu is held.
func (l *Log) publish(s *segment, logs []*raft.Log) {
	off := s.size
	for _, lg := range logs {
		s.offsets = append(s.offsets, off)
		off += int64(recordLen(lg))
	}
	s.size = off
	l.setBounds()
}

func (l *Log) setMeta(m meta) {
	l.mu.Lock()
	l.meta = m
	l.mu.Unlock()
}

// fail records a write error: after a failed write or fsync the file's
// contents are unknown (a later fsync can succeed without the lost pages),
// so the log refuses further writes until the node restarts and recovers
// from what is on disk.
func (l *Log) fail(err error) error {
	l.failed = err
	return err
}

func (l *Log) checkOpenLocked() error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.checkOpen()
}

// DeleteRange implements raft.LogStore. Raft deletes either a head (log
// compaction after a snapshot) or a tail (entries that conflict with a new
// leader's); both keep the log a contiguous run of what was appended.
func (l *Log) DeleteRange(min, max uint64) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.failed != nil {
		return fmt.Errorf("raft log store failed earlier, restart the node: %w", l.failed)
	}
	l.mu.RLock()
	first, last, closed := l.first, l.last, l.closed
	l.mu.RUnlock()
	switch {
	case closed:
		return errors.New("raft log is closed")
	case last == 0 || max < min || max < first || min > last:
		return nil
	case min <= first:
		return l.deleteHead(max + 1)
	case max >= last:
		return l.deleteTail(min)
	}
	return fmt.Errorf("delete raft log entries %d-%d: only a head or a tail of the log (%d-%d) can be deleted", min, max, first, last)
}

// deleteHead makes next the first index. The new first index is stored
// before any file goes, so a crash between the two leaves files that the
// next open deletes.
func (l *Log) deleteHead(next uint64) error {
	m := l.meta
	m.first = next
	if err := m.save(l.dir); err != nil {
		return l.fail(err)
	}
	l.mu.Lock()
	l.meta = m
	var gone []*segment
	for len(l.segs) > 0 && l.segs[0].last() < next {
		gone = append(gone, l.segs[0])
		l.segs = l.segs[1:]
	}
	l.setBounds()
	l.mu.Unlock()
	return l.removeAll(gone)
}

// deleteTail removes entries from min on. The newest files go first and
// the file holding min is cut last, so a crash part way leaves a prefix of
// the old log: entries raft had not yet been told were deleted.
func (l *Log) deleteTail(min uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var gone []*segment
	for len(l.segs) > 0 && l.segs[len(l.segs)-1].first >= min {
		n := len(l.segs) - 1
		gone = append(gone, l.segs[n])
		l.segs = l.segs[:n]
	}
	if err := l.removeAll(gone); err != nil {
		return err
	}
	if n := len(l.segs); n > 0 && l.segs[n-1].last() >= min {
		s := l.segs[n-1]
		keep := min - s.first
		cut := s.offsets[keep]
		if err := s.f.Truncate(cut); err != nil {
			return l.fail(fmt.Errorf("cut raft log at entry %d: %w", min, err))
		}
		if cut < l.segmentBytes {
			preallocate(s.f, l.segmentBytes) // zeros again after the cut
		}
		if err := s.f.Sync(); err != nil {
			return l.fail(fmt.Errorf("cut raft log at entry %d: %w", min, err))
		}
		s.offsets, s.size = s.offsets[:keep], cut
	}
	l.setBounds()
	return nil
}

func (l *Log) removeAll(segs []*segment) error {
	if len(segs) == 0 {
		return nil
	}
	for _, s := range segs {
		if err := s.remove(); err != nil {
			return l.fail(err)
		}
	}
	if err := syncDir(l.dir); err != nil {
		return l.fail(fmt.Errorf("sync raft log dir: %w", err))
	}
	return nil
}

// Set implements raft.StableStore.
func (l *Log) Set(key []byte, val []byte) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if err := l.checkOpenLocked(); err != nil {
		return err
	}
	m := meta{first: l.meta.first, stable: make(map[string][]byte, len(l.meta.stable)+1)}
	for k, v := range l.meta.stable {
		m.stable[k] = v
	}
	m.stable[string(key)] = clone(val)
	if err := m.save(l.dir); err != nil {
		return err
	}
	l.setMeta(m)
	return nil
}

// Get implements raft.StableStore.
func (l *Log) Get(key []byte) ([]byte, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if err := l.checkOpen(); err != nil {
		return nil, err
	}
	v, ok := l.meta.stable[string(key)]
	if !ok {
		return nil, errKeyNotFound
	}
	return clone(v), nil
}

// SetUint64 implements raft.StableStore.
func (l *Log) SetUint64(key []byte, val uint64) error {
	return l.Set(key, appendUint64(nil, val))
}

// GetUint64 implements raft.StableStore.
func (l *Log) GetUint64(key []byte) (uint64, error) {
	v, err := l.Get(key)
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("stable store key %q holds %d bytes, not a uint64", key, len(v))
	}
	return readUint64(v), nil
}

// Close closes the segment files.
func (l *Log) Close() error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	return l.closeFiles()
}

func (l *Log) closeFiles() error {
	var errs []error
	for _, s := range l.segs {
		if s.f != nil {
			errs = append(errs, s.f.Close())
		}
	}
	return errors.Join(errs...)
}
