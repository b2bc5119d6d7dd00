package arena

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"
	"pgregory.net/rapid"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
)

// tb is the part of testing.TB that rapid.T also has.
type tb interface {
	Helper()
	Fatal(args ...any)
}

func openTestFSM(t testing.TB) *FSM {
	t.Helper()
	f := openFSMIn(t, t.TempDir())
	t.Cleanup(func() { f.Close() })
	return f
}

func openFSMIn(t tb, dir string) *FSM {
	t.Helper()
	f, err := OpenFSM(FSMConfig{Path: filepath.Join(dir, "state.db")})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func cmdLog(t testing.TB, idx uint64, typ string, ts int64, payload any) *raft.Log {
	t.Helper()
	b, err := EncodeCommand(typ, ts, payload)
	if err != nil {
		t.Fatal(err)
	}
	return &raft.Log{Index: idx, Term: 1, Type: raft.LogCommand, Data: b}
}

func hashOf(t tb, f *FSM) string {
	t.Helper()
	h, _, err := f.StateHash()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestApplySkipsEntriesAlreadyApplied(t *testing.T) {
	f := openTestFSM(t)
	logs := []*raft.Log{
		cmdLog(t, 1, CmdCounterAdd, 10, counterAddCmd{Name: "c", Delta: 1}),
		cmdLog(t, 2, CmdCounterAdd, 20, counterAddCmd{Name: "c", Delta: 2}),
	}
	f.ApplyBatch(logs)
	before := hashOf(t, f)
	// Raft replays the log after the last snapshot on every restart.
	res := f.ApplyBatch(logs)
	for i, r := range res {
		if !apperr.Is(r.(Result).Err, apperr.Conflict) {
			t.Errorf("replayed entry %d: got %v, want a conflict result", i, r)
		}
	}
	if after := hashOf(t, f); after != before {
		t.Error("replaying applied entries changed the state")
	}
	if f.AppliedIndex() != 2 {
		t.Errorf("applied index = %d, want 2", f.AppliedIndex())
	}
}

func TestCorruptEntriesAreRejectedWithoutChangingState(t *testing.T) {
	valid, _ := EncodeCommand(CmdCounterAdd, 1, counterAddCmd{Name: "c", Delta: 1})
	tests := []struct {
		name string
		data []byte
	}{
		{"garbage bytes", []byte{0xff, 0x00, 0x13}},
		{"empty entry", nil},
		{"truncated envelope", valid[:len(valid)/2]},
		{"future envelope version", []byte(`{"v":99,"type":"counter.add","ts":1,"data":{}}`)},
		{"unknown command type", []byte(`{"v":1,"type":"no.such","ts":1,"data":{}}`)},
		{"unknown envelope field", []byte(`{"v":1,"type":"counter.add","ts":1,"data":{},"x":1}`)},
		{"payload of the wrong shape", []byte(`{"v":1,"type":"counter.add","ts":1,"data":[1,2]}`)},
		{"unknown payload field", []byte(`{"v":1,"type":"counter.add","ts":1,"data":{"name":"c","delta":1,"evil":true}}`)},
		{"negative timestamp", []byte(`{"v":1,"type":"counter.add","ts":-5,"data":{"name":"c","delta":1}}`)},
		{"trailing bytes", append(append([]byte{}, valid...), []byte(" {}")...)},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is rejected the same way on every replica", func(t *testing.T) {
			a, b := openTestFSM(t), openTestFSM(t)
			before := hashOf(t, a)
			entry := &raft.Log{Index: 1, Type: raft.LogCommand, Data: tt.data}
			ra := a.Apply(entry).(Result)
			rb := b.Apply(entry).(Result)
			if !apperr.Is(ra.Err, apperr.Invalid) {
				t.Fatalf("got %v, want an invalid error", ra.Err)
			}
			if ra.Err.Error() != rb.Err.Error() {
				t.Errorf("replicas disagree: %q vs %q", ra.Err, rb.Err)
			}
			if hashOf(t, a) != before || hashOf(t, a) != hashOf(t, b) {
				t.Error("a rejected entry changed the state")
			}
			if a.AppliedIndex() != 1 {
				t.Errorf("applied index = %d, want 1: a rejected entry still consumes its index", a.AppliedIndex())
			}
		})
	}
}

func TestSnapshotRestoresIdenticalState(t *testing.T) {
	src := openTestFSM(t)
	var logs []*raft.Log
	for i := uint64(1); i <= 20; i++ {
		logs = append(logs, cmdLog(t, i, CmdCounterAdd, int64(i), counterAddCmd{Name: "c", Delta: int64(i)}))
	}
	src.ApplyBatch(logs)
	_, stream, err := src.streamState(&raft.SnapshotMeta{ID: "s", Index: 20, Term: 1}, stateRef{index: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()

	dst := openTestFSM(t)
	dst.ApplyBatch([]*raft.Log{cmdLog(t, 1, CmdCounterAdd, 1, counterAddCmd{Name: "other", Delta: 7})})
	if err := dst.Restore(stream); err != nil {
		t.Fatal(err)
	}
	if hashOf(t, dst) != hashOf(t, src) {
		t.Error("restored state differs from the snapshot source")
	}
	if dst.AppliedIndex() != 20 {
		t.Errorf("restored applied index = %d, want 20", dst.AppliedIndex())
	}
	t.Run("a stream that is not a state file is refused and the state kept", func(t *testing.T) {
		before := hashOf(t, dst)
		if err := dst.Restore(io.NopCloser(bytes.NewReader([]byte("not a bbolt file")))); err == nil {
			t.Fatal("restore accepted garbage")
		}
		if hashOf(t, dst) != before {
			t.Error("failed restore changed the state")
		}
	})
}

type memSink struct{ bytes.Buffer }

func (m *memSink) ID() string    { return "mem" }
func (m *memSink) Cancel() error { return nil }
func (m *memSink) Close() error  { return nil }

// genCommand draws one command from every type a client can cause,
// including ones that fail, so failures inside a batch are covered too.
func genCommand(t *rapid.T, owners, agentIDs []string) (string, any) {
	switch rapid.IntRange(0, 6).Draw(t, "kind") {
	case 0:
		return CmdCounterAdd, counterAddCmd{Name: rapid.SampledFrom([]string{"a", "b", ""}).Draw(t, "counter"), Delta: rapid.Int64Range(-5, 5).Draw(t, "delta")}
	case 1:
		id := rapid.SampledFrom(owners).Draw(t, "owner")
		return CmdOwnerCreate, ownerCreateCmd{ID: id, Name: rapid.SampledFrom([]string{"ann", "bo", ""}).Draw(t, "oname"), KeyHash: agents.HashKey(id + rapid.StringN(0, 3, 3).Draw(t, "salt"))}
	case 2:
		id := rapid.SampledFrom(agentIDs).Draw(t, "agent")
		return CmdAgentCreate, agentCreateCmd{ID: id, OwnerID: rapid.SampledFrom(owners).Draw(t, "aowner"),
			Name: rapid.SampledFrom([]string{"x", "y", "z"}).Draw(t, "aname"), Kind: rapid.SampledFrom([]string{"websocket", "webhook", "bogus"}).Draw(t, "akind"),
			KeyHash: agents.HashKey(id + rapid.StringN(0, 3, 3).Draw(t, "asalt"))}
	case 3:
		name := rapid.SampledFrom([]string{"x", "y", "renamed"}).Draw(t, "newname")
		return CmdAgentUpdate, agentUpdateCmd{ID: rapid.SampledFrom(agentIDs).Draw(t, "uagent"), Actor: rapid.SampledFrom(owners).Draw(t, "actor"), Patch: agents.AgentPatch{Name: &name}}
	case 4:
		return CmdAgentDelete, agentDeleteCmd{ID: rapid.SampledFrom(agentIDs).Draw(t, "dagent"), Actor: rapid.SampledFrom(owners).Draw(t, "dactor")}
	case 5:
		return CmdClusterLeader, leaderCmd{NodeID: "n1", Term: rapid.Uint64Range(1, 9).Draw(t, "term")}
	default:
		return CmdClusterNode, NodeMeta{ID: rapid.SampledFrom([]string{"n1", "n2"}).Draw(t, "node"), RaftAddr: "127.0.0.1:1", HTTPAddr: "http://x"}
	}
}

// TestBatchedAndSingleApplyAgree is the determinism property: any command
// sequence gives byte-identical state whether applied one entry per
// transaction or in arbitrary batches.
func TestBatchedAndSingleApplyAgree(t *testing.T) {
	owners := []string{"ow_1", "ow_2", "ow_3"}
	agentIDs := []string{"ag_1", "ag_2", "ag_3", "ag_4"}
	root, seq := t.TempDir(), 0
	dir := func() string {
		seq++
		d := filepath.Join(root, fmt.Sprint(seq))
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		return d
	}
	rapid.Check(t, func(rt *rapid.T) {
		t := rt
		n := rapid.IntRange(1, 60).Draw(t, "n")
		var logs []*raft.Log
		for i := 1; i <= n; i++ {
			typ, payload := genCommand(t, owners, agentIDs)
			b, err := EncodeCommand(typ, int64(rapid.IntRange(0, 1000).Draw(t, "ts")), payload)
			if err != nil {
				t.Fatal(err)
			}
			logs = append(logs, &raft.Log{Index: uint64(i), Type: raft.LogCommand, Data: b})
		}
		single, batched := openFSMIn(t, dir()), openFSMIn(t, dir())
		defer single.Close()
		defer batched.Close()
		var singleRes, batchRes []any
		for _, l := range logs {
			singleRes = append(singleRes, single.Apply(l))
		}
		for rest := logs; len(rest) > 0; {
			k := rapid.IntRange(1, len(rest)).Draw(t, "batch")
			batchRes = append(batchRes, batched.ApplyBatch(rest[:k])...)
			rest = rest[k:]
		}
		if hs, hb := hashOf(t, single), hashOf(t, batched); hs != hb {
			t.Fatalf("state hashes differ: single %s, batched %s", hs, hb)
		}
		for i := range singleRes {
			a, _ := json.Marshal(singleRes[i].(Result).Value)
			b, _ := json.Marshal(batchRes[i].(Result).Value)
			if !bytes.Equal(a, b) || errString(singleRes[i].(Result).Err) != errString(batchRes[i].(Result).Err) {
				t.Fatalf("entry %d results differ: %s/%v vs %s/%v", i+1, a, singleRes[i].(Result).Err, b, batchRes[i].(Result).Err)
			}
		}
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
