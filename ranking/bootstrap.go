package ranking

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/agentarena/arena/apperr"
)

// Defaults for BootstrapOptions.
const (
	DefaultRounds       = 200
	DefaultBootstrapTol = 1e-3
)

// BootstrapOptions configures bootstrap confidence intervals.
type BootstrapOptions struct {
	// BT configures the full-data fit and every refit, except that refits
	// stop at Tol.
	BT BTOptions
	// Rounds is the number of resamples; 0 selects DefaultRounds.
	Rounds int
	// Seed makes the resamples reproducible: round r draws from
	// rand.NewPCG(Seed, r), so the result depends on Seed and the data
	// only, never on Workers or scheduling.
	Seed uint64
	// Workers is how many goroutines refit in parallel; 0 selects
	// runtime.GOMAXPROCS(0).
	Workers int
	// Tol is the refits' convergence tolerance in rating points; 0 selects
	// DefaultBootstrapTol. Intervals are tens of points wide, so refits
	// need far less precision than the reported ratings.
	Tol float64
	// Context, when set, stops the refits between rounds once it is done
	// (the fit is then its error): a thousand-agent board takes seconds,
	// and a server shutting down should not wait for it.
	Context context.Context
}

// BootstrapResult is a full-data fit with 95% intervals. Each interval
// is the union of two: the percentile bootstrap, the 2.5th and 97.5th
// percentiles of agent i's rating over the resamples (linear
// interpolation between order statistics, as numpy's default), and the
// agent's conditional likelihood-ratio interval (likelihoodBounds). So
// Lower[i] = min(2.5th percentile, likelihood lower bound) and Upper[i]
// likewise. Each resample is anchored like the full fit, and so is the
// likelihood interval, so with mean anchoring the intervals measure an
// agent's standing relative to the field, and a named anchor agent's
// interval is its rating alone.
//
// With many battles the two nearly agree. With few, the bootstrap alone
// is far too narrow: when all battles are the same result between the
// same two agents (one game, or 3–0), every resample is identical and its
// interval has zero width. The likelihood interval, kept finite by the
// prior, then supplies an honest width.
type BootstrapResult struct {
	BTResult
	Lower  []float64
	Upper  []float64
	Rounds int
}

// Bootstrap fits battles and adds 95% intervals (see BootstrapResult).
func Bootstrap(battles []Battle, opt BootstrapOptions) (BootstrapResult, error) {
	b, err := aggregateBoard(battles)
	if err != nil {
		return BootstrapResult{}, err
	}
	return bootstrapBoard(func() (board, error) { return b, nil }, opt)
}

// BootstrapCounts fits pre-aggregated counts and adds 95% intervals: the
// percentile bootstrap, widened to cover the likelihood interval (see
// BootstrapResult).
func BootstrapCounts(c Counts, opt BootstrapOptions) (BootstrapResult, error) {
	return bootstrapBoard(c.board, opt)
}

func bootstrapBoard(load func() (board, error), opt BootstrapOptions) (BootstrapResult, error) {
	res, lo, hi, err := percentileBootstrap(load, opt)
	if err != nil {
		return BootstrapResult{}, err
	}
	for i := range res.Agents {
		res.Lower[i] = min(res.Lower[i], lo[i])
		res.Upper[i] = max(res.Upper[i], hi[i])
	}
	return res, nil
}

// percentileBootstrap fits the board load returns and returns the percentile-bootstrap
// intervals alone, with the likelihood-ratio bounds in lo and hi.
// It resamples battles with replacement, aggregates each resample back to
// counts and refits it starting from the full-data strengths, which is why
// a thousand rounds over a hundred thousand battles take seconds.
func percentileBootstrap(load func() (board, error), opt BootstrapOptions) (res BootstrapResult, lo, hi []float64, err error) {
	switch {
	case opt.Rounds < 0:
		return BootstrapResult{}, nil, nil, apperr.New(apperr.Invalid, "bootstrap: rounds must not be negative, got %d", opt.Rounds)
	case opt.Workers < 0:
		return BootstrapResult{}, nil, nil, apperr.New(apperr.Invalid, "bootstrap: workers must not be negative, got %d", opt.Workers)
	case opt.Tol < 0 || opt.Tol != opt.Tol:
		return BootstrapResult{}, nil, nil, apperr.New(apperr.Invalid, "bootstrap: tolerance must be a positive number, got %v", opt.Tol)
	}
	if opt.Rounds == 0 {
		opt.Rounds = DefaultRounds
	}
	if opt.Workers == 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Tol == 0 {
		opt.Tol = DefaultBootstrapTol
	}
	var b board
	full, p, err := fitBoard(func() (board, error) {
		var err error
		b, err = load()
		return b, err
	}, opt.BT)
	if err != nil {
		return BootstrapResult{}, nil, nil, err
	}
	bt, _ := opt.BT.withDefaults() // already validated by fitBoard
	bt.Tol = opt.Tol
	anchor := -1
	if bt.AnchorAgent != "" {
		anchor = slices.Index(full.Agents, bt.AnchorAgent)
	}
	cs, m := b.cs, b.m

	n, rounds := len(full.Agents), opt.Rounds
	samples := make([]float64, rounds*n) // round r's ratings at [r*n, r*n+n)
	if len(cs) == 0 {
		// Nothing to resample: every round reproduces the full fit.
		for r := range rounds {
			copy(samples[r*n:], full.Ratings)
		}
	} else {
		of := expand(m)
		pr := newPairs(n, cs)
		ctx := opt.Context
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(opt.Workers, rounds) {
			wg.Go(func() {
				w := newRefitter(n, pr, len(cs), p)
				for r := int(next.Add(1) - 1); r < rounds; r = int(next.Add(1) - 1) {
					if ctx != nil && ctx.Err() != nil {
						return
					}
					w.round(uint64(opt.Seed), uint64(r), cs, of, bt, anchor, samples[r*n:r*n+n])
				}
			})
		}
		wg.Wait()
		if ctx != nil && ctx.Err() != nil {
			return BootstrapResult{}, nil, nil, fmt.Errorf("bootstrap stopped before its %d rounds: %w", rounds, context.Cause(ctx))
		}
	}

	res = BootstrapResult{BTResult: full, Lower: make([]float64, n), Upper: make([]float64, n), Rounds: rounds}
	col := make([]float64, rounds)
	for i := range n {
		for r := range rounds {
			col[r] = samples[r*n+i]
		}
		slices.Sort(col)
		res.Lower[i] = percentile(col, 0.025)
		res.Upper[i] = percentile(col, 0.975)
	}
	t := newTally(n, newPairs(n, cs))
	t.fill(cs, m)
	lo, hi = likelihoodBounds(t, p, full.Ratings, bt.Prior, anchor)
	return res, lo, hi, nil
}

// expand lists, for every battle, the cell it belongs to; drawing uniform
// indices into it is exactly resampling battles with replacement.
func expand(m []int32) []int32 {
	total := 0
	for _, k := range m {
		total += int(k)
	}
	of := make([]int32, 0, total)
	for id, k := range m {
		for range k {
			of = append(of, int32(id))
		}
	}
	return of
}

// refitter holds one worker's scratch space, reused across its rounds.
type refitter struct {
	t     *tally
	count []int32
	p     []float64
	start []float64
}

func newRefitter(n int, pr *pairs, cells int, start []float64) *refitter {
	return &refitter{t: newTally(n, pr), count: make([]int32, cells), p: make([]float64, n), start: start}
}

// round draws resample r, refits it and writes its anchored ratings to out.
// Everything it computes depends on (seed, r) and the data alone.
func (w *refitter) round(seed, r uint64, cs []cell, of []int32, opt BTOptions, anchor int, out []float64) {
	rng := rand.New(rand.NewPCG(seed, r))
	clear(w.count)
	total := len(of)
	for range total {
		w.count[of[rng.IntN(total)]]++
	}
	w.t.fill(cs, w.count)
	copy(w.p, w.start)
	fitMM(w.t, w.p, opt)
	toRatings(w.p, anchor, opt.Anchor, out)
}

// percentile returns the q-quantile of sorted values, interpolating
// linearly between the two nearest order statistics.
func percentile(sorted []float64, q float64) float64 {
	h := float64(float64(len(sorted)-1) * q)
	lo := int(h)
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	frac := h - float64(lo)
	return sorted[lo] + float64(frac*(sorted[lo+1]-sorted[lo]))
}
