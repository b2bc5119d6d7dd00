package raftlog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

func entry(i, term uint64) *raft.Log {
	return &raft.Log{
		Index: i, Term: term, Type: raft.LogCommand,
		Data:       []byte(fmt.Sprintf("entry %d term %d %s", i, term, bytes.Repeat([]byte{'x'}, int(i%7)*10))),
		AppendedAt: time.Unix(1700000000, int64(i)).UTC(),
	}
}

func entries(from, to, term uint64) []*raft.Log {
	var out []*raft.Log
	for i := from; i <= to; i++ {
		out = append(out, entry(i, term))
	}
	return out
}

func open(t *testing.T, dir string, segBytes int64) *Log {
	t.Helper()
	l, err := Open(dir, segBytes)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func store(t *testing.T, l *Log, logs ...*raft.Log) {
	t.Helper()
	if err := l.StoreLogs(logs); err != nil {
		t.Fatal(err)
	}
}

// check asserts the log's bounds and that every entry in them reads back
// as want made it.
func check(t *testing.T, l *Log, first, last uint64, termOf func(uint64) uint64) {
	t.Helper()
	f, _ := l.FirstIndex()
	la, _ := l.LastIndex()
	if f != first || la != last {
		t.Fatalf("bounds %d-%d, want %d-%d", f, la, first, last)
	}
	for i := first; i <= last && last > 0; i++ {
		var got raft.Log
		if err := l.GetLog(i, &got); err != nil {
			t.Fatalf("GetLog(%d): %v", i, err)
		}
		want := entry(i, termOf(i))
		if got.Index != want.Index || got.Term != want.Term || got.Type != want.Type ||
			!bytes.Equal(got.Data, want.Data) || !got.AppendedAt.Equal(want.AppendedAt) {
			t.Fatalf("GetLog(%d) = %+v, want %+v", i, got, want)
		}
	}
	var l0 raft.Log
	for _, i := range []uint64{first - 1, last + 1} {
		if i == 0 {
			continue
		}
		if err := l.GetLog(i, &l0); !errors.Is(err, raft.ErrLogNotFound) {
			t.Fatalf("GetLog(%d) outside %d-%d: %v, want ErrLogNotFound", i, first, last, err)
		}
	}
}

func term1(uint64) uint64 { return 1 }

func segmentFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"+segmentSuffix))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAppendReadReopen(t *testing.T) {
	for _, tt := range []struct {
		name     string
		segBytes int64
		batches  [][2]uint64
		segments int
	}{
		{"one segment", 0, [][2]uint64{{1, 1}, {2, 40}, {41, 100}}, 1},
		{"rotating", 512, [][2]uint64{{1, 1}, {2, 40}, {41, 100}}, 12},
		{"one big batch", 512, [][2]uint64{{1, 100}}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			l := open(t, dir, tt.segBytes)
			check(t, l, 0, 0, term1)
			for _, b := range tt.batches {
				store(t, l, entries(b[0], b[1], 1)...)
			}
			check(t, l, 1, 100, term1)
			if n := len(segmentFiles(t, dir)); tt.segments > 1 && n < 2 || tt.segments == 1 && n != 1 {
				t.Fatalf("%d segment files, want about %d", n, tt.segments)
			}
			// Only the newest file may end in zeros: a finished segment
			// is cut to its records when the next one starts.
			for _, sg := range l.segs[:len(l.segs)-1] {
				fi, err := os.Stat(sg.path)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Size() != sg.size {
					t.Fatalf("finished segment %s: %d bytes on disk, %d of records", sg.path, fi.Size(), sg.size)
				}
			}
			l.Close()
			check(t, open(t, dir, tt.segBytes), 1, 100, term1)
		})
	}
}

func TestAppendRefusals(t *testing.T) {
	l := open(t, t.TempDir(), 0)
	store(t, l, entries(1, 5, 1)...)
	for _, tt := range []struct {
		name string
		logs []*raft.Log
	}{
		{"overlap", entries(5, 6, 1)},
		{"not consecutive", []*raft.Log{entry(6, 1), entry(8, 1)}},
	} {
		if err := l.StoreLogs(tt.logs); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	check(t, l, 1, 5, term1)
}

// TestDeleteTailThenReopen is the case a tail truncation must survive: a
// follower drops entries a new leader does not have, appends the leader's
// and restarts (raft-wal v0.4.0 lost the cut segment's index here and
// could not start again).
func TestDeleteTailThenReopen(t *testing.T) {
	for _, tt := range []struct {
		name     string
		segBytes int64
		cut      uint64
	}{
		{"inside the only segment", 0, 61},
		{"inside an older segment", 400, 13},
		{"at a segment start", 400, 0}, // filled in below
		{"everything", 0, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			l := open(t, dir, tt.segBytes)
			for _, e := range append(entries(1, 30, 1), entries(31, 80, 2)...) {
				store(t, l, e)
			}
			cut := tt.cut
			if cut == 0 {
				segs := segmentFiles(t, dir)
				if len(segs) < 3 {
					t.Fatalf("%d segments", len(segs))
				}
				l.mu.RLock()
				cut = l.segs[2].first
				l.mu.RUnlock()
			}
			if err := l.DeleteRange(cut, 80); err != nil {
				t.Fatal(err)
			}
			termOf := func(i uint64) uint64 {
				switch {
				case i < cut && i <= 30:
					return 1
				case i < cut:
					return 2
				}
				return 3
			}
			store(t, l, entries(cut, 90, 3)...)
			check(t, l, 1, 90, termOf)
			l.Close()
			l = open(t, dir, tt.segBytes)
			check(t, l, 1, 90, termOf)
			store(t, l, entries(91, 95, 3)...)
			check(t, l, 1, 95, termOf)
		})
	}
}

func TestDeleteHead(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, 400)
	for _, e := range entries(1, 100, 1) {
		store(t, l, e)
	}
	before := len(segmentFiles(t, dir))
	if err := l.DeleteRange(1, 60); err != nil {
		t.Fatal(err)
	}
	check(t, l, 61, 100, term1)
	if after := len(segmentFiles(t, dir)); after >= before {
		t.Fatalf("%d segment files after compaction, %d before", after, before)
	}
	l.Close()
	l = open(t, dir, 400)
	check(t, l, 61, 100, term1)

	// Deleting everything (raft does after installing a snapshot on some
	// stores) leaves an empty log that takes any next index.
	if err := l.DeleteRange(61, 100); err != nil {
		t.Fatal(err)
	}
	check(t, l, 0, 0, term1)
	store(t, l, entries(500, 510, 1)...)
	check(t, l, 500, 510, term1)
	l.Close()
	check(t, open(t, dir, 400), 500, 510, term1)
}

func TestDeleteMiddleRefused(t *testing.T) {
	l := open(t, t.TempDir(), 0)
	store(t, l, entries(1, 10, 1)...)
	if err := l.DeleteRange(3, 5); err == nil {
		t.Fatal("a range inside the log was deleted")
	}
	check(t, l, 1, 10, term1)
}

// TestGapAfterSnapshot: raft appends past a gap once a snapshot covers it.
// TestGapAfterSnapshot: raft appends past the log's end only after
// installing a snapshot; the entries it kept before the gap are of no use
// and go, so the log's first and last index say what it holds (before,
// the log read as spanning the gap until the next local snapshot).
func TestGapAfterSnapshot(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, 0)
	store(t, l, entries(1, 10, 1)...)
	store(t, l, entries(50, 55, 1)...)
	check(t, l, 50, 55, term1)
	var e raft.Log
	for _, i := range []uint64{5, 30} {
		if err := l.GetLog(i, &e); !errors.Is(err, raft.ErrLogNotFound) {
			t.Fatalf("GetLog(%d) before the gap: %v", i, err)
		}
	}
	// Raft's compaction after the install finds nothing left to delete.
	if err := l.DeleteRange(1, 49); err != nil {
		t.Fatal(err)
	}
	check(t, l, 50, 55, term1)
	store(t, l, entries(56, 60, 1)...)
	l.Close()
	check(t, open(t, dir, 0), 50, 60, term1)
}

// TestTornTail writes part of an append after the last complete one, as a
// crash in the middle of a write leaves it: the partial entry is dropped
// and the log goes on from the boundary.
func TestTornTail(t *testing.T) {
	for _, tt := range []struct {
		name string
		tail func(rec []byte) []byte
	}{
		{"half a record", func(rec []byte) []byte { return rec[:len(rec)/2] }},
		{"header only", func(rec []byte) []byte { return rec[:recordHeaderLen] }},
		{"bad checksum", func(rec []byte) []byte { r := bytes.Clone(rec); r[len(r)-1] ^= 1; return r }},
		{"zeros", func(rec []byte) []byte { return make([]byte, len(rec)) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			l := open(t, dir, 0)
			store(t, l, entries(1, 20, 1)...)
			end := l.segs[0].size
			l.Close()
			// Written where the next append goes: inside the preallocated
			// zeros, where they are on Linux.
			writeAt(t, segmentFiles(t, dir)[0], tt.tail(appendRecord(nil, entry(21, 1))), end)
			l = open(t, dir, 0)
			check(t, l, 1, 20, term1)
			store(t, l, entries(21, 25, 1)...)
			l.Close()
			check(t, open(t, dir, 0), 1, 25, term1)
		})
	}
}

// TestCorruptRecordBeforeLaterOnesIsAnError: a record in the newest
// segment that fails its checksum although entries were appended after it
// is damage, not a torn append. Cutting the log there would silently drop
// every later entry, acknowledged ones among them; the log refuses to open
// instead, names the byte, and leaves the file as it was.
func TestCorruptRecordBeforeLaterOnesIsAnError(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, 0)
	store(t, l, entries(1, 60, 1)...)
	at := l.segs[0].offsets[9] + recordHeaderLen + 9 // inside entry 10's payload
	l.Close()
	path := segmentFiles(t, dir)[0]
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	writeAt(t, path, []byte{before[at] ^ 0x20}, at)
	_, err = Open(dir, 0)
	if !errors.Is(err, errCorrupt) || !strings.Contains(err.Error(), "fails its checksum") || !strings.Contains(err.Error(), "byte") {
		t.Fatalf("open with entry 10 damaged: %v, want a corruption error naming the byte", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("the refused open changed the segment: %d bytes, was %d", len(after), len(before))
	}
	writeAt(t, path, []byte{before[at]}, at) // undo the damage: every entry is there
	check(t, open(t, dir, 0), 1, 60, term1)
}

func TestCorruptOlderSegmentIsAnError(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, 300)
	store(t, l, entries(1, 40, 1)...)
	for i := uint64(41); i <= 60; i++ {
		store(t, l, entry(i, 1))
	}
	l.Close()
	segs := segmentFiles(t, dir)
	b, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(segs[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, 300); !errors.Is(err, errCorrupt) {
		t.Fatalf("open with a corrupt older segment: %v", err)
	}
}

// TestCrashLeftovers: files a crash can leave between two steps.
func TestCrashLeftovers(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, 300)
	for i := uint64(1); i <= 40; i++ {
		store(t, l, entry(i, 1))
	}
	l.Close()
	segs := segmentFiles(t, dir)
	old, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}

	l = open(t, dir, 300)
	if err := l.DeleteRange(1, 30); err != nil {
		t.Fatal(err)
	}
	l.Close()
	// A compaction stored its new first index and stopped before deleting
	// the file it made obsolete; a rotation created a file and wrote nothing.
	if err := os.WriteFile(segs[0], old, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, segmentName(41)), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	l = open(t, dir, 300)
	check(t, l, 31, 40, term1)
	if _, err := os.Stat(segs[0]); !os.IsNotExist(err) {
		t.Fatalf("obsolete segment still there: %v", err)
	}
	store(t, l, entries(41, 45, 1)...)
	check(t, l, 31, 45, term1)
}

func TestStableStore(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, 0)
	if _, err := l.GetUint64([]byte("CurrentTerm")); err == nil || err.Error() != "not found" {
		t.Fatalf("missing key: %v, want raft's \"not found\"", err)
	}
	if err := l.SetUint64([]byte("CurrentTerm"), 7); err != nil {
		t.Fatal(err)
	}
	if err := l.Set([]byte("LastVoteCand"), []byte("n2")); err != nil {
		t.Fatal(err)
	}
	store(t, l, entries(1, 5, 7)...)
	if err := l.DeleteRange(1, 2); err != nil {
		t.Fatal(err)
	}
	l.Close()
	l = open(t, dir, 0)
	if v, err := l.GetUint64([]byte("CurrentTerm")); err != nil || v != 7 {
		t.Fatalf("CurrentTerm = %d, %v", v, err)
	}
	if v, err := l.Get([]byte("LastVoteCand")); err != nil || string(v) != "n2" {
		t.Fatalf("LastVoteCand = %q, %v", v, err)
	}
	check(t, l, 3, 5, func(uint64) uint64 { return 7 })
	if err := os.WriteFile(filepath.Join(dir, metaName), []byte("garbage that is long"), 0o600); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := Open(dir, 0); err == nil {
		t.Fatal("a corrupt meta file was accepted")
	}
}

// TestReadersDuringAppends runs replication-style readers beside the
// appender and compactions (run with -race).
func TestReadersDuringAppends(t *testing.T) {
	l := open(t, t.TempDir(), 2000)
	store(t, l, entry(1, 1))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				first, _ := l.FirstIndex()
				last, _ := l.LastIndex()
				var e raft.Log
				for i := last; i >= first && i > 0 && i+5 > last; i-- {
					err := l.GetLog(i, &e)
					if err != nil && !errors.Is(err, raft.ErrLogNotFound) {
						t.Error(err)
						return
					}
					if err == nil && e.Index != i {
						t.Errorf("GetLog(%d) read %d", i, e.Index)
						return
					}
				}
			}
		}()
	}
	for i := uint64(2); i <= 600; i++ {
		store(t, l, entry(i, 1))
		if i%100 == 0 {
			if err := l.DeleteRange(1, i-50); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(stop)
	wg.Wait()
	check(t, l, 551, 600, term1)
}

func writeAt(t *testing.T, path string, b []byte, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}
