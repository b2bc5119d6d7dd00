package raftlog

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/agentarena/arena/internal/fuzzseed"
)

// FuzzOpenSegment feeds arbitrary bytes as the newest segment: opening
// never panics, and whatever it accepts reads back entry by entry.
func FuzzOpenSegment(f *testing.F) {
	var good []byte
	for _, e := range entries(1, 3, 1) {
		good = appendRecord(good, e)
	}
	fuzzseed.Add(f, good)
	fuzzseed.Add(f, good[:len(good)-3])
	fuzzseed.Add(f, []byte{})
	fuzzseed.Add(f, make([]byte, 64))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, segmentName(1)), b, 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := Open(dir, 0)
		if err != nil {
			return
		}
		defer l.Close()
		first, _ := l.FirstIndex()
		last, _ := l.LastIndex()
		for i := first; i <= last && last > 0; i++ {
			var e raft.Log
			if err := l.GetLog(i, &e); err != nil || e.Index != i {
				t.Fatalf("GetLog(%d) of an accepted log: %v, index %d", i, err, e.Index)
			}
		}
		if err := l.StoreLog(entry(last+1, 1)); err != nil {
			t.Fatalf("append after recovery: %v", err)
		}
	})
}

// FuzzDecodeMeta: a meta file is either refused or decodes to what
// encodes back to the same bytes.
func FuzzDecodeMeta(f *testing.F) {
	m := meta{first: 9, stable: map[string][]byte{"CurrentTerm": appendUint64(nil, 3)}}
	fuzzseed.Add(f, m.encode())
	fuzzseed.Add(f, []byte("short"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeMeta(b)
		if err != nil {
			return
		}
		if string(got.encode()) != string(b) {
			t.Fatalf("meta %x re-encodes as %x", b, got.encode())
		}
	})
}
