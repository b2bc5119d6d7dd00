package arena

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"
	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/internal/fuzzseed"
)

// counterBatches builds batches of counter commands from index from on;
// the names repeat so later batches rewrite (and free) earlier pages.
func counterBatches(t testing.TB, from uint64, batches, size int) [][]*raft.Log {
	t.Helper()
	out := make([][]*raft.Log, batches)
	idx := from
	for b := range out {
		for range size {
			name := fmt.Sprintf("counter-%04d-%s", idx%700, bytes.Repeat([]byte("x"), int(idx%40)))
			out[b] = append(out[b], cmdLog(t, idx, CmdCounterAdd, int64(idx), counterAddCmd{Name: name, Delta: int64(idx)}))
			idx++
		}
	}
	return out
}

func applyAll(f *FSM, batches [][]*raft.Log) {
	for _, b := range batches {
		f.ApplyBatch(b)
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// crashImage is what a power loss could leave on disk: the file as the
// checkpoint's fdatasync left it, plus any subset of the pages written
// since (some of them torn), with or without the growth of the file.
func crashImage(rng *rand.Rand, base, final []byte, pageSize int) []byte {
	img := append([]byte(nil), base...)
	if len(final) > len(img) && rng.IntN(2) == 0 {
		img = append(img, make([]byte, len(final)-len(img))...)
	}
	for off := 0; off+pageSize <= len(final) && off+pageSize <= len(img); off += pageSize {
		if bytes.Equal(base[min(off, len(base)):min(off+pageSize, len(base))], final[off:off+pageSize]) || rng.IntN(2) == 0 {
			continue
		}
		n := pageSize
		if rng.IntN(8) == 0 {
			n = 512 * (1 + rng.IntN(pageSize/512)) // a torn write
		}
		copy(img[off:off+n], final[off:off+n])
	}
	return img
}

// reopenImage opens a crash image with the side file the crash left and
// checks that bbolt finds it consistent.
func reopenImage(t *testing.T, img, side []byte) *FSM {
	t.Helper()
	f := reopenImageWith(t, img, side, FSMConfig{})
	err := f.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("crash image is not a consistent bbolt file: %v", err)
	}
	return f
}

// killedAfterCheckpoint applies 40 entries, checkpoints, applies 40 more
// and returns the state file and side file as kill -9 would leave them.
func killedAfterCheckpoint(t *testing.T) (img, side []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	f, err := OpenFSM(FSMConfig{Path: path, CheckpointInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	applyAll(f, counterBatches(t, 1, 4, 10))
	if err := f.checkpoint(); err != nil {
		t.Fatal(err)
	}
	applyAll(f, counterBatches(t, 41, 4, 10))
	return mustRead(t, path), mustRead(t, ckptPath(path))
}

// TestCheckpointRecoversEveryCrashImage is the contract of checkpoints:
// whatever part of the writes after a checkpoint reached the disk, the
// file reopens at the checkpoint's state, and replaying the log from there
// reaches the state the crashed node had.
func TestCheckpointRecoversEveryCrashImage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	f, err := OpenFSM(FSMConfig{Path: path, CheckpointInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	first := counterBatches(t, 1, 40, 25)
	applyAll(f, first)
	if err := f.checkpoint(); err != nil {
		t.Fatal(err)
	}
	ckptHash, ckptIndex := hashOf(t, f), f.AppliedIndex()
	base := mustRead(t, path)
	later := counterBatches(t, ckptIndex+1, 60, 25)
	applyAll(f, later)
	finalHash := hashOf(t, f)
	final := mustRead(t, path) // the page cache: what kill -9 leaves
	side := mustRead(t, ckptPath(path))
	if bytes.Equal(base, final) {
		t.Fatal("later batches changed nothing on disk")
	}
	pageSize := 4096
	_ = f.View(func(tx *bolt.Tx) error { pageSize = tx.DB().Info().PageSize; return nil })

	check := func(t *testing.T, img []byte) {
		g := reopenImage(t, img, side)
		if got := g.AppliedIndex(); got != ckptIndex {
			t.Fatalf("reopened at index %d, want the checkpoint's %d", got, ckptIndex)
		}
		if got := hashOf(t, g); got != ckptHash {
			t.Fatal("reopened state differs from the checkpoint's")
		}
		applyAll(g, later) // raft replays the log after the checkpoint
		if got := hashOf(t, g); got != finalHash {
			t.Fatal("replaying the log did not reach the crashed node's state")
		}
	}
	t.Run("kill", func(t *testing.T) { check(t, final) })
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 40 {
		img := crashImage(rng, base, final, pageSize)
		t.Run(fmt.Sprintf("power-loss-%02d", i), func(t *testing.T) { check(t, img) })
	}
}

func TestCleanCloseNeedsNoRollback(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db")
	f, err := OpenFSM(FSMConfig{Path: path, CheckpointInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	applyAll(f, counterBatches(t, 1, 10, 10))
	if err := f.checkpoint(); err != nil {
		t.Fatal(err)
	}
	applyAll(f, counterBatches(t, 101, 10, 10))
	want := hashOf(t, f)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if rec, ok := parseCkptFile(mustRead(t, ckptPath(path))); !ok || rec.State != ckptSynced {
		t.Fatalf("after a clean close the side file holds %+v (valid %v), want a synced slot", rec, ok)
	}
	g := openFSMIn(t, dir)
	defer g.Close()
	if g.AppliedIndex() != 200 || hashOf(t, g) != want {
		t.Fatalf("reopened at index %d, want 200 and the same state", g.AppliedIndex())
	}
}

// A node switched to fsync-every-commit after an unclean stop must roll
// back once and then never again: its later commits are not pinned.
func TestSyncEveryCommitSettlesAnOldCheckpoint(t *testing.T) {
	img, side := killedAfterCheckpoint(t)
	g := reopenImageWith(t, img, side, FSMConfig{SyncEveryCommit: true})
	if g.AppliedIndex() != 40 {
		t.Fatalf("rolled back to %d, want 40", g.AppliedIndex())
	}
	applyAll(g, counterBatches(t, 41, 8, 10))
	want := hashOf(t, g)
	gpath := g.cfg.Path
	// An unclean stop of the fsync-every-commit node: the file as it is.
	img2, side2 := mustRead(t, gpath), mustRead(t, ckptPath(gpath))
	if rec, ok := parseCkptFile(side2); !ok || rec.State != ckptSynced {
		t.Fatalf("side file of a fsync-every-commit node: %+v (valid %v), want synced", rec, ok)
	}
	h := reopenImageWith(t, img2, side2, FSMConfig{})
	if h.AppliedIndex() != 120 || hashOf(t, h) != want {
		t.Fatalf("reopened at %d, want 120 with the same state", h.AppliedIndex())
	}
}

func reopenImageWith(t *testing.T, img, side []byte, cfg FSMConfig) *FSM {
	t.Helper()
	dir := t.TempDir()
	cfg.Path = filepath.Join(dir, "state.db")
	cfg.CheckpointInterval = -1
	if err := os.WriteFile(cfg.Path, img, 0o600); err != nil {
		t.Fatal(err)
	}
	if rec, ok := parseCkptFile(side); ok {
		rec.Inode, _ = fileInode(cfg.Path)
		slot := rec.encode()
		side = append(slot, slot...)
	}
	if err := os.WriteFile(ckptPath(cfg.Path), side, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFSM(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// A state file replaced behind the node's back (a different inode) is not
// rolled back with the old file's meta page.
func TestReplacedStateFileIsNotRolledBack(t *testing.T) {
	img, side := killedAfterCheckpoint(t)
	dir2 := t.TempDir()
	path2 := filepath.Join(dir2, "state.db")
	os.WriteFile(path2, img, 0o600)
	os.WriteFile(ckptPath(path2), side, 0o600) // still names the old inode
	g, err := OpenFSM(FSMConfig{Path: path2, CheckpointInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if g.AppliedIndex() != 80 {
		t.Fatalf("applied %d, want 80 (the file as it was)", g.AppliedIndex())
	}
}

// Near the end of its mapping the FSM stops pinning (a remap would wait
// for the pin) and fsyncs every commit instead.
func TestFallsBackToSyncedCommitsNearTheMapLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	f, err := OpenFSM(FSMConfig{Path: path, CheckpointInterval: -1, mapReserve: stateMapMargin + 256<<10})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	applyAll(f, counterBatches(t, 1, 40, 50))
	if f.ck.pinned || f.db.NoSync {
		t.Fatal("still skipping fsync after the file grew near its mapping")
	}
	if rec, ok := parseCkptFile(mustRead(t, ckptPath(path))); !ok || rec.State != ckptSynced {
		t.Fatalf("side file %+v (valid %v), want synced", rec, ok)
	}
	if f.ck.pin != nil {
		t.Fatal("the pin is still held")
	}
}

func TestCheckpointSlots(t *testing.T) {
	meta := validTestMeta(t)
	a := ckptRecord{Seq: 4, State: ckptPinned, Applied: 9, Inode: 3, Meta: meta}
	b := ckptRecord{Seq: 5, State: ckptSynced, Inode: 3}
	torn := b.encode()
	torn[20] ^= 1
	tests := []struct {
		name    string
		file    []byte
		ok      bool
		wantSeq uint64
	}{
		{"empty", nil, false, 0},
		{"newest wins", append(b.encode(), a.encode()...), true, 5},
		{"torn newest falls back", append(torn, a.encode()...), true, 4},
		{"short second slot", a.encode()[:100], false, 0},
		{"one slot", a.encode(), true, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, ok := parseCkptFile(tt.file)
			if ok != tt.ok || rec.Seq != tt.wantSeq {
				t.Fatalf("got seq %d ok %v, want %d %v", rec.Seq, ok, tt.wantSeq, tt.ok)
			}
		})
	}
	bad := a
	bad.Meta[metaOffChecksum] ^= 1
	if _, ok := decodeCkptSlot(bad.encode()); ok {
		t.Fatal("a slot with a corrupt meta page was accepted")
	}
}

func validTestMeta(t testing.TB) [metaHeadLen]byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	var head [metaHeadLen]byte
	copy(head[:], mustRead(t, path))
	return head
}

func FuzzParseCheckpointFile(f *testing.F) {
	meta := validTestMeta(f)
	a := ckptRecord{Seq: 1, State: ckptPinned, Applied: 2, Meta: meta}
	fuzzseed.Add(f, append(a.encode(), (&ckptRecord{Seq: 2, State: ckptSynced}).encode()...))
	fuzzseed.Add(f, []byte(ckptMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, ok := parseCkptFile(b)
		if !ok {
			return
		}
		again, ok := decodeCkptSlot(rec.encode())
		if !ok || again != rec {
			t.Fatalf("record %+v does not survive encoding", rec)
		}
	})
}

// Without the address space for the reserve, the FSM still opens, and
// fsyncs every commit.
func TestNoRoomToMapFallsBackToSyncedCommits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	f, err := OpenFSM(FSMConfig{Path: path, CheckpointInterval: -1, mapReserve: 1 << 62})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.ck != nil || f.db.NoSync {
		t.Fatal("checkpoints are on without the mapping they need")
	}
	applyAll(f, counterBatches(t, 1, 2, 5))
	if f.AppliedIndex() != 10 {
		t.Fatalf("applied %d, want 10", f.AppliedIndex())
	}
}
