package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentarena/arena/client"
)

// grant is one logical write: a credit to a worker's owner under a fixed
// transfer id. Retries reuse id, amount and memo, so the ledger applies it
// at most once.
type grant struct {
	ID     string
	Amount int64
}

// worker writes grants one at a time to one owner, retrying each until it
// is acknowledged, and now and then reads the owner's balance with
// ?consistency=linearizable from a random node: since the worker's writes
// are sequential and each is acknowledged before the next, the balance must
// equal exactly the sum acknowledged so far.
type worker struct {
	id      int
	owner   string
	cl      *nodeClients
	nodes   func() []string
	rng     *rand.Rand
	seed    uint64
	stats   *loadStats
	acked   []grant
	pending *grant // sent, not acknowledged when the run ended
	refused []grant
	sum     int64 // of acked
	base    int64 // balance before the first grant
}

type loadStats struct {
	acked, retries, unknown     atomic.Int64
	linReads, stale, readErrors atomic.Int64
	mu                          sync.Mutex
	problems                    []string
}

// node picks a live node at random.
func (w *worker) node() *client.Client {
	ns := w.nodes()
	return w.cl.at(ns[w.rng.IntN(len(ns))])
}

// createOwner signs up the worker's owner, retrying until it succeeds.
func (w *worker) createOwner(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		resp, err := w.node().CreateOwner(ctx, client.CreateOwnerRequest{Name: fmt.Sprintf("chaos-worker-%d", w.id)})
		if err == nil {
			w.owner = resp.Owner.ID
			return w.readBase(ctx)
		}
		if !retryable(err) {
			return fmt.Errorf("create owner: %w", err)
		}
		if !sleepCtx(ctx, backoff(attempt)) {
			return ctx.Err()
		}
	}
}

// readBase notes the owner's starting balance (a sign-up grant, say), so
// later reads compare against base plus what the worker wrote.
func (w *worker) readBase(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		resp, err := w.node().Linearizable().Balance(ctx, w.owner)
		if err == nil {
			w.base = resp.Balance
			return nil
		}
		if !retryable(err) {
			return fmt.Errorf("read starting balance: %w", err)
		}
		if !sleepCtx(ctx, backoff(attempt)) {
			return ctx.Err()
		}
	}
}

// run writes until ctx ends.
func (w *worker) run(ctx context.Context) {
	for seq := 1; ctx.Err() == nil; seq++ {
		g := grant{ID: fmt.Sprintf("tr_chaos_%d_%d_%d", w.seed, w.id, seq), Amount: 1 + w.rng.Int64N(100)}
		if !w.send(ctx, g) {
			return
		}
		if seq%4 == 0 {
			w.checkRead(ctx)
		}
	}
}

// send retries g until acknowledged; false when ctx ended first (g is then
// pending: applied or not, but at most once).
func (w *worker) send(ctx context.Context, g grant) bool {
	req := client.GrantRequest{ID: g.ID, OwnerID: w.owner, Amount: g.Amount, Memo: g.ID}
	for attempt := 0; ; attempt++ {
		// The request itself may outlive ctx briefly so an answer already
		// on its way is not thrown away.
		rctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		_, err := w.node().Grant(rctx, req)
		cancel()
		if err == nil {
			w.acked = append(w.acked, g)
			w.sum += g.Amount
			w.stats.acked.Add(1)
			return true
		}
		if !retryable(err) {
			// A definite refusal of a well-formed grant is a bug. It was
			// not applied, so the worker goes on; the checks report it.
			w.refused = append(w.refused, g)
			w.stats.mu.Lock()
			w.stats.problems = append(w.stats.problems, fmt.Sprintf("grant %s refused: %v", g.ID, err))
			w.stats.mu.Unlock()
			return true
		}
		w.stats.retries.Add(1)
		if statusOf(err) == 0 || statusOf(err) == http.StatusServiceUnavailable {
			w.stats.unknown.Add(1)
		}
		if ctx.Err() != nil || !sleepCtx(ctx, backoff(attempt)) {
			w.pending = &g
			return false
		}
	}
}

func (w *worker) checkRead(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	node := w.node()
	resp, err := node.Linearizable().Balance(rctx, w.owner)
	if err != nil {
		w.stats.readErrors.Add(1)
		return
	}
	w.stats.linReads.Add(1)
	if resp.Balance != w.base+w.sum {
		w.stats.stale.Add(1)
		w.stats.mu.Lock()
		w.stats.problems = append(w.stats.problems,
			fmt.Sprintf("linearizable read at %s: owner %s balance %d, want %d", node.BaseURL(), w.owner, resp.Balance, w.base+w.sum))
		w.stats.mu.Unlock()
	}
}

func backoff(attempt int) time.Duration {
	d := 50 * time.Millisecond << min(attempt, 5)
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
