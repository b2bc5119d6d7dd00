package arena

import (
	"testing"

	"github.com/hashicorp/raft"
)

// FuzzApplyEntry feeds arbitrary bytes to the state machine as a committed
// log entry: it must never panic, and two replicas must agree on the result
// and the state.
func FuzzApplyEntry(f *testing.F) {
	for _, seed := range []string{
		`{"v":1,"type":"counter.add","ts":5,"data":{"name":"a","delta":3}}`,
		`{"v":1,"type":"owner.create","ts":5,"data":{"id":"ow_1","name":"ann","key_hash":"00"}}`,
		`{"v":1,"type":"agent.create","ts":5,"data":{"id":"ag_1","owner_id":"ow_1","name":"b","kind":"webhook","webhook_url":"http://x","key_hash":"01"}}`,
		`{"v":1,"type":"cluster.node","ts":1,"data":{"id":"n","raft_addr":"a","http_addr":"h"}}`,
		`{"v":2}`, `null`, `[]`, ``, "\x00\xff",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, b := openTestFSM(t), openTestFSM(t)
		entry := &raft.Log{Index: 1, Type: raft.LogCommand, Data: data}
		ra, rb := a.Apply(entry).(Result), b.Apply(entry).(Result)
		if errString(ra.Err) != errString(rb.Err) {
			t.Fatalf("replicas disagree: %v vs %v", ra.Err, rb.Err)
		}
		if hashOf(t, a) != hashOf(t, b) {
			t.Fatal("replicas hold different state")
		}
	})
}

// FuzzDecodeEnvelope checks the envelope parser never panics and that what
// it accepts re-encodes to an envelope it accepts again.
func FuzzDecodeEnvelope(f *testing.F) {
	f.Add([]byte(`{"v":1,"type":"counter.add","ts":1,"data":{}}`))
	f.Add([]byte(`{"v":1,"type":"","ts":1,"data":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := DecodeEnvelope(data)
		if err != nil {
			return
		}
		again, err := EncodeCommand(env.Type, env.TS, env.Data)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if _, err := DecodeEnvelope(again); err != nil {
			t.Fatalf("re-decode of %q: %v", again, err)
		}
	})
}
