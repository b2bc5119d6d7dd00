package arena

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/internal/fuzzseed"
)

// fuzzPrefix is a short history that gives a fuzzed entry something to
// act on: both default arenas, an owner with four agents, and one running
// contest of each game (c4 between ag_a and ag_b, pr between ag_c and
// ag_d).
func fuzzPrefix(t testing.TB) []*raft.Log {
	t.Helper()
	cmds := []struct {
		typ     string
		payload any
	}{
		{CmdSystemSeed, systemSeedCmd{Arenas: DefaultArenas()[:2]}},
		{CmdOwnerCreate, ownerCreateCmd{ID: "ow_1", Name: "ann", KeyHash: agents.HashKey("k")}},
		{CmdAgentCreate, agentCreateCmd{ID: "ag_a", OwnerID: "ow_1", Name: "a", Kind: agents.KindWebsocket, KeyHash: agents.HashKey("ka")}},
		{CmdAgentCreate, agentCreateCmd{ID: "ag_b", OwnerID: "ow_1", Name: "b", Kind: agents.KindWebsocket, KeyHash: agents.HashKey("kb")}},
		{CmdAgentCreate, agentCreateCmd{ID: "ag_c", OwnerID: "ow_1", Name: "c", Kind: agents.KindWebsocket, KeyHash: agents.HashKey("kc")}},
		{CmdAgentCreate, agentCreateCmd{ID: "ag_d", OwnerID: "ow_1", Name: "d", Kind: agents.KindWebsocket, KeyHash: agents.HashKey("kd")}},
		{CmdLedgerGrant, ledgerGrantCmd{ID: "g1", OwnerID: "ow_1", Amount: 10_000, Kind: "grant"}},
		{CmdContestCreate, contestCreateCmd{ID: "c4", Arena: "connect4", Agents: []string{"ag_a", "ag_b"}, Seed: 1}},
		{CmdContestCreate, contestCreateCmd{ID: "pr", Arena: "prompt", Agents: []string{"ag_c", "ag_d"}, Seed: 2}},
	}
	logs := make([]*raft.Log, len(cmds))
	for i, c := range cmds {
		logs[i] = cmdLog(t, uint64(i+1), c.typ, int64(i+1)*1_000_000, c.payload)
	}
	return logs
}

// fuzzReplica opens a fresh FSM and applies the prefix in one batch.
func fuzzReplica(t *testing.T, prefix []*raft.Log) *FSM {
	t.Helper()
	f := openTestFSM(t)
	for i, r := range f.ApplyBatch(prefix) {
		if err := r.(Result).Err; err != nil {
			t.Fatalf("prefix entry %d: %v", i+1, err)
		}
	}
	return f
}

// checkEntry applies data as the next committed entry on two replicas
// that hold the same state, and checks what a corrupt entry must never
// break: no panic; both replicas give the same result and hold the same
// state; a rejected entry is an invalid, not_found, conflict or
// insufficient_funds error and leaves the state hash where it was; and
// the replica still applies the next good entry.
func checkEntry(t *testing.T, prefix []*raft.Log, data []byte) {
	a, b := fuzzReplica(t, prefix), fuzzReplica(t, prefix)
	before := hashOf(t, a)
	idx := uint64(len(prefix) + 1)
	entry := &raft.Log{Index: idx, Type: raft.LogCommand, Data: data}
	ra, rb := a.Apply(entry).(Result), b.Apply(entry).(Result)
	if errString(ra.Err) != errString(rb.Err) {
		t.Fatalf("replicas disagree: %v vs %v", ra.Err, rb.Err)
	}
	va, _ := json.Marshal(ra.Value)
	vb, _ := json.Marshal(rb.Value)
	if string(va) != string(vb) {
		t.Fatalf("replicas return different values: %s vs %s", va, vb)
	}
	ha, hb := hashOf(t, a), hashOf(t, b)
	if ha != hb {
		t.Fatal("replicas hold different state")
	}
	if ra.Err != nil {
		var ae *apperr.Error
		if !errors.As(ra.Err, &ae) {
			t.Fatalf("rejection %v is not an application error", ra.Err)
		}
		if ha != before {
			t.Fatalf("rejected entry (%v) changed the state", ra.Err)
		}
	}
	if a.AppliedIndex() != idx {
		t.Fatalf("applied index %d, want %d: every entry consumes its index", a.AppliedIndex(), idx)
	}
	next := cmdLog(t, idx+1, CmdCounterAdd, 1<<62, counterAddCmd{Name: "after", Delta: 1})
	if r := a.Apply(next).(Result); r.Err != nil {
		t.Fatalf("replica refuses a good entry after %q: %v", data, r.Err)
	}
}

// FuzzApplyEntry feeds arbitrary bytes to the state machine as a committed
// log entry (see checkEntry for what must hold).
func FuzzApplyEntry(f *testing.F) {
	prefix := fuzzPrefix(f)
	for _, seed := range []string{
		`{"v":1,"type":"counter.add","ts":5,"data":{"name":"a","delta":3}}`,
		`{"v":1,"type":"owner.create","ts":5,"data":{"id":"ow_2","name":"ann","key_hash":"00"}}`,
		`{"v":1,"type":"agent.create","ts":5,"data":{"id":"ag_9","owner_id":"ow_1","name":"b","kind":"webhook","webhook_url":"http://x","key_hash":"01"}}`,
		`{"v":1,"type":"cluster.node","ts":1,"data":{"id":"n","raft_addr":"a","http_addr":"h"}}`,
		`{"v":1,"type":"contest.move","ts":99000000,"data":{"contest":"c4","agent_id":"ag_a","turn":0,"move":3}}`,
		`{"v":1,"type":"contest.move","ts":99000000,"data":{"contest":"c4","agent_id":"ag_b","move":3}}`,
		`{"v":1,"type":"contest.move","ts":99000000,"data":{"contest":"c4","agent_id":"ag_a","move":"3"}}`,
		`{"v":1,"type":"contest.move","ts":99000000,"data":{"contest":"pr","agent_id":"ag_c","move":{"text":"hi","final":true}}}`,
		`{"v":1,"type":"contest.judged","ts":99000000,"data":{"contest":"pr","ranks":[0,1],"verdict":{},"flagged":[7]}}`,
		`{"v":1,"type":"contest.forfeit","ts":99000000,"data":{"contest":"c4","seat":5}}`,
		`{"v":1,"type":"contest.abort","ts":99000000,"data":{"contest":"c4","reason":"x"}}`,
		`{"v":1,"type":"ledger.grant","ts":5,"data":{"id":"g1","owner_id":"ow_1","amount":-99999999,"kind":"adjust"}}`,
		`{"v":1,"type":"ledger.grant","ts":5,"data":{"id":"g2","owner_id":"ow_1","amount":-9223372036854775808,"kind":"adjust"}}`,
		`{"v":1,"type":"arena.put","ts":5,"data":{"arena":{"name":"x","game":"connect4","seats":2}}}`,
		`{"v":1,"type":"queue.join","ts":5,"data":{"arena":"connect4","agent_id":"ag_a"}}`,
		`{"v":1,"type":"agent.delete","ts":5,"data":{"id":"ag_a"}}`,
		`{"v":2}`, `{"v":1,"type":"counter.add","ts":-1,"data":{}}`, `{"v":1,"type":"no.such","ts":1,"data":{}}`,
		`{"v":1,"type":"counter.add","ts":1,"data":{"name":"a","delta":1}} {}`, `null`, `[]`, ``, "\x00\xff",
	} {
		fuzzseed.Add(f, []byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkEntry(t, prefix, data) })
}

// FuzzApplyCommand wraps an arbitrary payload in a well-formed envelope of
// a real command type (chosen by typ, modulo the registered types), so the
// fuzzer spends its time in the handlers rather than in the envelope.
func FuzzApplyCommand(f *testing.F) {
	prefix := fuzzPrefix(f)
	types := registeredTypes(f)
	seeds := map[string][]string{
		CmdContestMove:   {`{"contest":"c4","agent_id":"ag_a","turn":0,"move":6}`, `{"contest":"pr","agent_id":"ag_d","move":{"text":"é"}}`, `{"contest":"c4","agent_id":"ag_a","move":-1}`},
		CmdContestJudged: {`{"contest":"pr","ranks":[1,0],"verdict":{"judge":"x"}}`, `{"contest":"pr","ranks":[0],"verdict":null}`, `{"contest":"pr","ranks":[0,0],"verdict":"{","flagged":[-1]}`},
		CmdContestCreate: {`{"id":"c9","arena":"connect4","agents":["ag_a","ag_a"],"seed":1}`, `{"id":"c9","arena":"prompt","agents":[],"seed":0}`},
		CmdLedgerGrant:   {`{"id":"x","owner_id":"ow_1","amount":9223372036854775807,"kind":"grant"}`, `{"id":"","owner_id":"ow_1","amount":1,"kind":"steal"}`},
		CmdArenaPut:      {`{"arena":{"name":"prompt","game":"prompt","seats":9,"rewards":[200],"injection":"flag_only"}}`, `{"arena":{"name":"","game":"chess"}}`},
		CmdKeyRotate:     {`{"owner_id":"ow_1","key_hash":""}`},
		CmdAgentUpdate:   {`{"id":"ag_a","owner_id":"ow_1","patch":{"name":""}}`},
		CmdClusterID:     {`{"id":"0123456789abcdef0123456789abcdef"}`, `{"id":"0123456789ABCDEF0123456789ABCDEF"}`, `{"id":""}`},
	}
	for i, typ := range types {
		fuzzseed.Add(f, i, []byte(`{}`))
		fuzzseed.Add(f, i, []byte(`null`))
		for _, s := range seeds[typ] {
			fuzzseed.Add(f, i, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, typ int, payload []byte) {
		if typ < 0 {
			typ = -(typ + 1)
		}
		env, err := json.Marshal(struct {
			V    int             `json:"v"`
			Type string          `json:"type"`
			TS   int64           `json:"ts"`
			Data json.RawMessage `json:"data"`
		}{EnvelopeVersion, types[typ%len(types)], 99_000_000, json.RawMessage(payload)})
		if err != nil {
			env = payload // not JSON: the envelope cannot hold it, so offer it raw
		}
		checkEntry(t, prefix, env)
	})
}

// registeredTypes lists the FSM's command types in a fixed order.
func registeredTypes(t testing.TB) []string {
	t.Helper()
	fsm := openTestFSM(t)
	var out []string
	for typ := range fsm.handlers {
		out = append(out, typ)
	}
	slices.Sort(out)
	return out
}

// FuzzDecodeEnvelope checks the envelope parser: no panic; every refusal
// is an invalid error, the same for the same bytes; what it accepts
// re-encodes to an envelope that decodes to the same value.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"type":"counter.add","ts":1,"data":{}}`, `{"v":1,"type":"","ts":1,"data":{}}`,
		`{"v":1,"type":"x","ts":9223372036854775807,"data":[1,2]}`, `{"v":1,"type":"x","ts":-1,"data":{}}`,
		`{"v":1,"type":"x","ts":1.5,"data":{}}`, `{"v":1,"type":"x","ts":1,"data":{},"extra":1}`,
		`{"v":1,"type":"x","type":"y","ts":1,"data":{}}`, `{"v":1,"type":"x","ts":1,"data":"\ud800"}`,
		`{"v":1,"type":"x","ts":1}`, `{"v":1,"type":"x","ts":1,"data":null}`, `{"v":2,"type":"x","ts":1,"data":{}}`,
		`{"v":1,"type":"x","ts":1,"data":{}}{}`, `[]`, `null`, ``, "\xff",
	} {
		fuzzseed.Add(f, []byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := DecodeEnvelope(data)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("refusal %v is not invalid", err)
			}
			if _, err2 := DecodeEnvelope(data); errString(err2) != err.Error() {
				t.Fatalf("refused %q as %v, then as %v", data, err, err2)
			}
			return
		}
		again, err := EncodeCommand(env.Type, env.TS, env.Data)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		env2, err := DecodeEnvelope(again)
		if err != nil {
			t.Fatalf("re-decode of %q: %v", again, err)
		}
		if env2.V != env.V || env2.Type != env.Type || env2.TS != env.TS || !jsonEqual(env.Data, env2.Data) {
			t.Fatalf("round trip changed %+v into %+v", env, env2)
		}
	})
}

// jsonEqual compares two JSON values by meaning (json.RawMessage is
// compacted when re-encoded, so its bytes may differ).
func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return reflect.DeepEqual(x, y)
}
