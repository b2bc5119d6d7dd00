package arena

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// snapshotFixture is a state machine with entries 1..20 applied in term 3
// and a snapshot store in its own dir.
type snapshotFixture struct {
	fsm   *FSM
	snaps *stateSnapshots
	trans raft.Transport
	conf  raft.Configuration
}

func newSnapshotFixture(t *testing.T) *snapshotFixture {
	t.Helper()
	f := openTestFSM(t)
	files, err := raft.NewFileSnapshotStore(t.TempDir(), 2, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	_, trans := raft.NewInmemTransport("a")
	fx := &snapshotFixture{fsm: f, snaps: &stateSnapshots{files: files, fsm: f}, trans: trans,
		conf: raft.Configuration{Servers: []raft.Server{{Suffrage: raft.Voter, ID: "a", Address: "a"}}}}
	fx.apply(t, 1, 20, 3)
	return fx
}

// apply applies counter commands from..to in term.
func (fx *snapshotFixture) apply(t *testing.T, from, to, term uint64) {
	t.Helper()
	var logs []*raft.Log
	for i := from; i <= to; i++ {
		l := cmdLog(t, i, CmdCounterAdd, int64(i), counterAddCmd{Name: "c", Delta: int64(i)})
		l.Term = term
		logs = append(logs, l)
	}
	fx.fsm.ApplyBatch(logs)
}

// snapshot takes a local snapshot as raft does: FSM.Snapshot, Persist
// into the store at index and term.
func (fx *snapshotFixture) snapshot(t *testing.T, index, term uint64) string {
	t.Helper()
	s, err := fx.fsm.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	sink, err := fx.snaps.Create(1, index, term, fx.conf, 1, fx.trans)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Persist(sink); err != nil {
		t.Fatal(err)
	}
	return sink.ID()
}

func readAllClose(t *testing.T, rc io.ReadCloser) []byte {
	t.Helper()
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLocalSnapshotIsAReference: taking a snapshot stores a few bytes
// however large the state, and opening it streams the state as it is
// then, described at its own index, term and configuration.
func TestLocalSnapshotIsAReference(t *testing.T) {
	fx := newSnapshotFixture(t)
	id := fx.snapshot(t, 20, 3)
	list, err := fx.snaps.List()
	if err != nil || len(list) != 1 {
		t.Fatalf("list = %v, %v", list, err)
	}
	if list[0].Size > 64 {
		t.Errorf("a local snapshot stores %d bytes; want a reference of a few", list[0].Size)
	}

	// The state moves on: entries 21..24 in term 4, a configuration entry
	// at 25, 26..30 in term 5.
	fx.apply(t, 21, 24, 4)
	conf2 := raft.Configuration{Servers: append(fx.conf.Servers, raft.Server{Suffrage: raft.Voter, ID: "b", Address: "b"})}
	fx.fsm.ApplyBatch([]*raft.Log{{Index: 25, Term: 4, Type: raft.LogConfiguration, Data: raft.EncodeConfiguration(conf2)}})
	fx.apply(t, 26, 30, 5)

	meta, rc, err := fx.snaps.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	data := readAllClose(t, rc)
	if meta.Index != 30 || meta.Term != 5 {
		t.Errorf("opened snapshot at index %d term %d, want the state's own 30 and 5", meta.Index, meta.Term)
	}
	if meta.ConfigurationIndex != 25 || len(meta.Configuration.Servers) != 2 {
		t.Errorf("configuration %+v at %d, want the two-server one at 25", meta.Configuration, meta.ConfigurationIndex)
	}
	if meta.Size != int64(len(data)) {
		t.Errorf("meta.Size %d, streamed %d bytes: raft's transport sends exactly Size", meta.Size, len(data))
	}
	dst := openTestFSM(t)
	if err := dst.Restore(io.NopCloser(bytes.NewReader(data))); err != nil {
		t.Fatal(err)
	}
	if hashOf(t, dst) != hashOf(t, fx.fsm) || dst.AppliedIndex() != 30 {
		t.Errorf("restored state at %d differs from the source at %d", dst.AppliedIndex(), fx.fsm.AppliedIndex())
	}
	// Replaying the log after the snapshot's own index changes nothing.
	before := hashOf(t, dst)
	l := cmdLog(t, 30, CmdCounterAdd, 30, counterAddCmd{Name: "c", Delta: 30})
	dst.ApplyBatch([]*raft.Log{l})
	if hashOf(t, dst) != before {
		t.Error("an entry the streamed state already held was applied again")
	}
}

// TestOpenedSnapshotKeepsItsPosition covers the cases where the stream
// must be described by the stored snapshot's own index and configuration.
func TestOpenedSnapshotKeepsItsPosition(t *testing.T) {
	t.Run("a state file that does not record the term", func(t *testing.T) {
		fx := newSnapshotFixture(t)
		id := fx.snapshot(t, 20, 3)
		fx.apply(t, 21, 25, 0) // entries without a term delete the recorded one
		meta, rc, err := fx.snaps.Open(id)
		if err != nil {
			t.Fatal(err)
		}
		readAllClose(t, rc)
		if meta.Index != 20 || meta.Term != 3 {
			t.Errorf("opened at %d/%d, want the snapshot's 20/3", meta.Index, meta.Term)
		}
	})
	t.Run("a configuration older than the snapshot (a recovery's)", func(t *testing.T) {
		fx := newSnapshotFixture(t)
		old := raft.Configuration{Servers: []raft.Server{{Suffrage: raft.Voter, ID: "x", Address: "x"}, {Suffrage: raft.Voter, ID: "y", Address: "y"}}}
		fx.fsm.ApplyBatch([]*raft.Log{{Index: 21, Term: 3, Type: raft.LogConfiguration, Data: raft.EncodeConfiguration(old)}})
		id := fx.snapshot(t, 21, 3) // its configuration (fx.conf at 1) replaces the log's
		fx.apply(t, 22, 24, 4)
		meta, rc, err := fx.snaps.Open(id)
		if err != nil {
			t.Fatal(err)
		}
		readAllClose(t, rc)
		if meta.Index != 24 || len(meta.Configuration.Servers) != 1 || meta.Configuration.Servers[0].ID != "a" {
			t.Errorf("opened at %d with %+v, want 24 with the snapshot's one-server configuration", meta.Index, meta.Configuration)
		}
	})
}

// TestSnapshotCoverageOnStart: raft resumes after its newest snapshot
// without loading it, so a state file behind that snapshot must be
// restored from it (a received one) or refused (a reference).
func TestSnapshotCoverageOnStart(t *testing.T) {
	fx := newSnapshotFixture(t)
	fx.snapshot(t, 20, 3)

	lost := openTestFSM(t) // state.db lost: a fresh, empty file
	err := lost.checkSnapshotCoverage(&stateSnapshots{files: fx.snaps.files, fsm: lost})
	if err == nil || !strings.Contains(err.Error(), "lost or replaced") {
		t.Fatalf("empty state under a reference at 20: err = %v, want a refusal", err)
	}
	if err := fx.fsm.checkSnapshotCoverage(fx.snaps); err != nil {
		t.Fatalf("state at the reference's index: %v", err)
	}

	// A received snapshot stored before a stop, its restore never run.
	_, stream, err := fx.fsm.streamState(&raft.SnapshotMeta{ID: "s", Index: 20, Term: 3}, stateRef{index: 20})
	if err != nil {
		t.Fatal(err)
	}
	files, err := raft.NewFileSnapshotStore(t.TempDir(), 2, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	sink, err := files.Create(1, 20, 3, fx.conf, 1, fx.trans)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(sink, stream); err != nil {
		t.Fatal(err)
	}
	stream.Close()
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	behind := openTestFSM(t)
	if err := behind.checkSnapshotCoverage(&stateSnapshots{files: files, fsm: behind}); err != nil {
		t.Fatal(err)
	}
	if behind.AppliedIndex() != 20 || hashOf(t, behind) != hashOf(t, fx.fsm) {
		t.Errorf("after the start check the state is at %d, want the received snapshot's 20", behind.AppliedIndex())
	}
}

// TestStateStreamReleasesItsTransaction: a stream being sent must not
// hold a read transaction (one held for a send to a stopped member would
// stall the writer), so the state file closes while a stream is open.
func TestStateStreamReleasesItsTransaction(t *testing.T) {
	f := openTestFSM(t)
	fx := &snapshotFixture{fsm: f}
	fx.apply(t, 1, 5, 1)
	_, stream, err := f.streamState(&raft.SnapshotMeta{ID: "s", Index: 5, Term: 1}, stateRef{index: 5})
	if err != nil {
		t.Fatal(err)
	}
	var b [10]byte
	if _, err := io.ReadFull(stream, b[:]); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- f.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("closing the state file waited for an open stream")
	}
	if _, err := io.Copy(io.Discard, stream); err != nil {
		t.Errorf("reading the stream after the state file closed: %v", err)
	}
	stream.Close()
}

// TestRestoreDoesNotWaitForOpenStream restores while a stream of the same
// state machine is open and unread (as when RecoverCluster restores from
// the newest snapshot, which streams this very file). If the restore
// waited for the stream's read transaction, the node would deadlock.
func TestRestoreDoesNotWaitForOpenStream(t *testing.T) {
	fx := newSnapshotFixture(t)
	src := openTestFSM(t)
	var backup bytes.Buffer
	if err := src.Backup(&backup, nil); err != nil {
		t.Fatal(err)
	}
	_, held, err := fx.fsm.streamState(&raft.SnapshotMeta{ID: "s", Index: 20, Term: 3}, stateRef{index: 20})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- fx.fsm.Restore(io.NopCloser(&backup)) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("restore: %v", err)
		}
	case <-time.After(10 * time.Second):
		held.Close()
		<-done
		t.Fatal("restore waited for an open stream")
	}
	held.Close()
	if hashOf(t, fx.fsm) != hashOf(t, src) {
		t.Error("restored state differs from the backup")
	}
}

// TestStateRefPersist: what a local snapshot writes is read back as the
// reference it is, and a state file is not mistaken for one.
func TestStateRefPersist(t *testing.T) {
	var sink memSink
	if err := (stateRef{index: 42}).Persist(&sink); err != nil {
		t.Fatal(err)
	}
	ref, ok := readStateRef(bufioReader(sink.Bytes()))
	if !ok || ref.index != 42 {
		t.Errorf("read back %+v, %v; want index 42", ref, ok)
	}
	f := openTestFSM(t)
	var file bytes.Buffer
	if err := f.Backup(&file, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := readStateRef(bufioReader(file.Bytes())); ok {
		t.Error("a state file read as a reference")
	}
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
