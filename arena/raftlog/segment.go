package raftlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// A segment is one file of consecutive entries, named after the index of
// its first entry. Only the newest segment is appended to; the others are
// read, deleted whole when the head of the log is compacted, or cut at a
// record boundary when raft drops a conflicting tail.
type segment struct {
	first   uint64
	path    string
	f       *os.File
	offsets []int64 // offsets[i] is where entry first+i starts
	size    int64   // the end of the last complete record
}

const segmentSuffix = ".seg"

func segmentName(first uint64) string { return fmt.Sprintf("%020d%s", first, segmentSuffix) }

// last is the index of the segment's last entry; the segment is not empty.
func (s *segment) last() uint64 { return s.first + uint64(len(s.offsets)) - 1 }

// end is where the record of entry idx ends.
func (s *segment) end(idx uint64) int64 {
	i := idx - s.first
	if int(i)+1 < len(s.offsets) {
		return s.offsets[i+1]
	}
	return s.size
}

// listSegments returns the segment files in dir, oldest first.
func listSegments(dir string) ([]*segment, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list raft log segments: %w", err)
	}
	var segs []*segment
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, segmentSuffix) {
			continue
		}
		first, err := strconv.ParseUint(strings.TrimSuffix(name, segmentSuffix), 10, 64)
		if err != nil || first == 0 {
			return nil, fmt.Errorf("raft log dir %s holds %s, which is not a segment name", dir, name)
		}
		segs = append(segs, &segment{first: first, path: filepath.Join(dir, name)})
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].first < segs[j].first })
	return segs, nil
}

// errCorrupt marks a segment that cannot be read back as written.
var errCorrupt = errors.New("raft log segment is corrupt")

// load opens the segment and indexes its records. The records end at a
// zero header (the preallocated rest of the file) or at the end of the
// file. In the newest segment (tail true) they also end at the first
// incomplete record, which a crash in the middle of an append leaves; the
// file is cut there so appends go on from a record boundary. Anywhere
// else such a record is corruption.
func (s *segment) load(tail bool) error {
	f, err := os.OpenFile(s.path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open raft log segment: %w", err)
	}
	s.f = f
	b, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("read raft log segment %s: %w", s.path, err)
	}
	var off int64
	for off < int64(len(b)) {
		n, err := verifyRecord(b[off:])
		if err != nil {
			break
		}
		idx := binary.LittleEndian.Uint64(b[off+recordHeaderLen:])
		if want := s.first + uint64(len(s.offsets)); idx != want {
			return fmt.Errorf("%w: %s holds entry %d where %d belongs (byte %d)", errCorrupt, s.path, idx, want, off)
		}
		s.offsets = append(s.offsets, off)
		off += int64(n)
	}
	s.size = off
	if allZero(b[off:]) {
		return nil
	}
	if !tail {
		return fmt.Errorf("%w: %s at byte %d of %d", errCorrupt, s.path, off, len(b))
	}
	if !tornAt(b, off) {
		// A whole record whose bytes were all written but do not check
		// out: the medium changed an entry that may have been
		// acknowledged. Cutting here would drop it and every later one.
		return fmt.Errorf("%w: %s: the record at byte %d of %d is complete but fails its checksum (not a torn append); "+
			"restore this member from a backup or replace it (docs/OPERATIONS.md)", errCorrupt, s.path, off, len(b))
	}
	// The torn end of the last append, never acknowledged.
	if err := f.Truncate(off); err != nil {
		return fmt.Errorf("cut the torn end of %s: %w", s.path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("cut the torn end of %s: %w", s.path, err)
	}
	return nil
}

// sectorSize is the unit a disk writes whole; etcd's WAL judges torn
// writes by it too.
const sectorSize = 512

// tornAt reports whether the bad record at off in a segment's bytes b is
// what a crash in the middle of an append leaves, rather than damage to
// bytes that were written and synced. A crash leaves the end of the last
// append incomplete: a record cut short by the end of the file, or one
// with nothing written after it (the file is preallocated with zeros), or
// one with a sector never written (zeros), as etcd's WAL judges it. A
// record followed by written data, every sector of it written, that fails
// its checksum was changed after it was written: entries after it were
// appended, synced and maybe acknowledged, and must not be cut off.
func tornAt(b []byte, off int64) bool {
	rest := b[off:]
	if len(rest) < recordHeaderLen || allZero(rest[:recordHeaderLen]) {
		return true
	}
	n, err := readHeader(rest)
	if err != nil {
		// A written header that makes no sense: torn only if it is the
		// last thing written.
		return allZero(rest[recordHeaderLen:])
	}
	end := int64(recordHeaderLen + n)
	if int64(len(rest)) < end || allZero(rest[end:]) {
		return true
	}
	for start := off; start < off+end; {
		stop := min((start/sectorSize+1)*sectorSize, off+end)
		if allZero(b[start:stop]) {
			return true
		}
		start = stop
	}
	return false
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// verifyRecord checks the record at the start of b and returns its length.
func verifyRecord(b []byte) (int, error) {
	n, err := readHeader(b)
	if err != nil {
		return 0, err
	}
	if len(b) < recordHeaderLen+n {
		return 0, errTorn
	}
	payload := b[recordHeaderLen : recordHeaderLen+n]
	if crc32.Checksum(payload, crcTable) != binary.LittleEndian.Uint32(b[4:]) {
		return 0, errTorn
	}
	return recordHeaderLen + n, nil
}

// remove closes and deletes the segment's file.
func (s *segment) remove() error {
	if s.f != nil {
		_ = s.f.Close()
	}
	if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("delete raft log segment: %w", err)
	}
	return nil
}
