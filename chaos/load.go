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
	hist    *history
	attempt time.Duration // bound on one request
	probe   bool          // the probe: its acks measure the cluster's availability
	avoid   map[string]time.Time
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

// node picks a live node at random, passing over one that failed to
// answer in the last two seconds while others remain, as a client library
// with a circuit breaker would: one silent node then stalls one attempt,
// not every worker's every attempt.
func (w *worker) node() *client.Client {
	ns := w.nodes()
	var ok []string
	for _, n := range ns {
		if time.Now().After(w.avoid[n]) {
			ok = append(ok, n)
		}
	}
	if len(ok) == 0 {
		ok = ns
	}
	return w.cl.at(ok[w.rng.IntN(len(ok))])
}

// failed notes a node that gave no answer.
func (w *worker) failed(c *client.Client, err error) {
	if statusOf(err) == 0 {
		if w.avoid == nil {
			w.avoid = map[string]time.Time{}
		}
		w.avoid[c.BaseURL()] = time.Now().Add(2 * time.Second)
	}
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
	op := balanceOp{Owner: w.owner, Amount: g.Amount}
	call := w.hist.now()
	for attempt := 0; ; attempt++ {
		// The request itself may outlive ctx briefly so an answer already
		// on its way is not thrown away.
		rctx, cancel := context.WithTimeout(context.Background(), w.attempt)
		node := w.node()
		_, err := node.Grant(rctx, req)
		cancel()
		if err == nil {
			// One logical write, however many attempts: the ledger applies
			// the id once, somewhere between the first call and this answer.
			w.hist.done(w.id, op, balanceOut{}, call, w.hist.now(), w.probe)
			w.acked = append(w.acked, g)
			w.sum += g.Amount
			w.stats.acked.Add(1)
			return true
		}
		w.failed(node, err)
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
			w.hist.pending(w.id, op, call)
			return false
		}
	}
}

func (w *worker) checkRead(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, w.attempt)
	defer cancel()
	node := w.node()
	call := w.hist.now()
	resp, err := node.Linearizable().Balance(rctx, w.owner)
	if err != nil {
		w.failed(node, err)
		w.stats.readErrors.Add(1)
		return
	}
	w.hist.done(w.id, balanceOp{Owner: w.owner}, balanceOut{Balance: resp.Balance - w.base}, call, w.hist.now(), false)
	w.stats.linReads.Add(1)
	if resp.Balance != w.base+w.sum {
		w.stats.stale.Add(1)
		w.stats.mu.Lock()
		w.stats.problems = append(w.stats.problems,
			fmt.Sprintf("linearizable read at %s: owner %s balance %d, want %d", node.BaseURL(), w.owner, resp.Balance, w.base+w.sum))
		w.stats.mu.Unlock()
	}
}

// reader reads the workers' balances linearizably from random nodes while
// they write, so the history holds reads concurrent with grants, from
// every node, across every fault: a read a deposed leader served from its
// stale state is a linearizability violation Porcupine finds.
type reader struct {
	id      int
	workers []*worker
	cl      *nodeClients
	nodes   func() []string
	rng     *rand.Rand
	stats   *loadStats
	hist    *history
	attempt time.Duration
}

func (rd *reader) run(ctx context.Context) {
	for ctx.Err() == nil {
		w := rd.workers[rd.rng.IntN(len(rd.workers))]
		ns := rd.nodes()
		node := rd.cl.at(ns[rd.rng.IntN(len(ns))])
		rctx, cancel := context.WithTimeout(ctx, rd.attempt)
		call := rd.hist.now()
		resp, err := node.Linearizable().Balance(rctx, w.owner)
		ret := rd.hist.now()
		cancel()
		if err != nil {
			// No answer: the read did not happen as far as the history is
			// concerned (a read changes nothing).
			rd.stats.readErrors.Add(1)
			sleepCtx(ctx, backoff(1))
			continue
		}
		rd.stats.linReads.Add(1)
		rd.hist.done(rd.id, balanceOp{Owner: w.owner}, balanceOut{Balance: resp.Balance - w.base}, call, ret, false)
		sleepCtx(ctx, time.Duration(10+rd.rng.IntN(40))*time.Millisecond)
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
