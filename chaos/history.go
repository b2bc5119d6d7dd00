package chaos

import (
	"sort"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// balanceOp is the input of one client-visible operation on an owner's
// balance: a grant of Amount, or a read when Amount is 0.
type balanceOp struct {
	Owner  string
	Amount int64
}

// balanceOut is what the operation returned: the balance a read saw
// (relative to the owner's starting balance), nothing for a grant.
type balanceOut struct {
	Balance int64
}

// history records every client-visible operation with the times it was
// invoked and completed, for the linearizability check and for measuring
// how long writes were unavailable.
type history struct {
	start time.Time
	mu    sync.Mutex
	ops   []porcupine.Operation
	open  []porcupine.Operation // invoked, never acknowledged
	acks  []time.Duration       // completions of acknowledged writes
	// probeAcks are the probe's acknowledgements (writes sent only to
	// nodes the current fault spares), kept apart from acks.
	probeAcks []time.Duration
}

func newHistory() *history { return &history{start: time.Now()} }

// now is the time since the run began, the history's clock.
func (h *history) now() int64 { return int64(time.Since(h.start)) }

// done records an operation that completed with out; probe marks the
// probe's writes.
func (h *history) done(client int, in balanceOp, out balanceOut, call, ret int64, probe bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Output: out, Call: call, Return: ret})
	switch {
	case in.Amount == 0:
	case probe:
		h.probeAcks = append(h.probeAcks, time.Duration(ret))
	default:
		h.acks = append(h.acks, time.Duration(ret))
	}
}

// pending records a grant whose outcome the client never learned: it may
// have been applied at any time after call, or never.
func (h *history) pending(client int, in balanceOp, call int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.open = append(h.open, porcupine.Operation{ClientId: client, Input: in, Call: call})
}

// operations returns the history for Porcupine. A pending grant completes
// after everything else: linearized last it changes no read, and a read
// that saw it proves it happened in between.
func (h *history) operations() []porcupine.Operation {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := append([]porcupine.Operation(nil), h.ops...)
	var last int64
	for _, op := range out {
		last = max(last, op.Return)
	}
	for _, op := range h.open {
		op.Return = max(last, op.Call) + 1
		out = append(out, op)
	}
	return out
}

// writeGap is the longest stretch within [from, to] in which no worker's
// write was acknowledged (the probe's with probe set): how long writes
// were unavailable around a fault.
func (h *history) writeGap(from, to time.Duration, probe bool) time.Duration {
	h.mu.Lock()
	acks := append([]time.Duration(nil), h.acks...)
	if probe {
		acks = append(acks[:0], h.probeAcks...)
	}
	h.mu.Unlock()
	sort.Slice(acks, func(i, j int) bool { return acks[i] < acks[j] })
	gap, prev := time.Duration(0), from
	for _, a := range acks {
		if a < from {
			continue
		}
		if a > to {
			break
		}
		gap = max(gap, a-prev)
		prev = a
	}
	return max(gap, to-prev)
}
