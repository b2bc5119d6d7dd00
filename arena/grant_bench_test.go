package arena

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/ledger"
)

// BenchmarkApplyGrants is the state machine's own cost of a ledger grant
// as the front door's grant load sends them (256-byte memo, credit cap on):
// batches of 64 entries through ApplyBatch into a real state file, as
// Raft hands a busy node its log. Fsync per commit is the checkpoint
// default's (none per batch), so this is CPU, not disk.
// Run: go test -run '^$' -bench ApplyGrants ./arena/
func BenchmarkApplyGrants(b *testing.B) {
	f := openTestFSM(b)
	idx, ts := uint64(0), int64(1_000_000_000)
	next := func(typ string, payload any) *raft.Log {
		idx++
		ts += 1_000_000
		return cmdLog(b, idx, typ, ts, payload)
	}
	f.ApplyBatch([]*raft.Log{
		next(CmdOwnerCreate, ownerCreateCmd{ID: "ow_1", Name: "ann", KeyHash: agents.HashKey("k")}),
	})
	memo := strings.Repeat("m", 256)
	const batch = 64
	logs := make([]*raft.Log, 0, batch)
	i := 0
	for b.Loop() {
		logs = append(logs, next(CmdLedgerGrant, ledgerGrantCmd{ID: fmt.Sprintf("tx_%09d", i), OwnerID: "ow_1", Amount: 1,
			Kind: "grant", Memo: memo, MaxCredit: ledger.MaxCredit, WholeMemo: true}))
		if i++; len(logs) == batch {
			for _, r := range f.ApplyBatch(logs) {
				if err := r.(Result).Err; err != nil {
					b.Fatal(err)
				}
			}
			logs = logs[:0]
		}
	}
	f.ApplyBatch(logs)
}
