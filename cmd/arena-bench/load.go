package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena"
)

// counters reads the cumulative transaction counts a run takes deltas of.
type counters func() (logWrites, logEntries, stateTxs, stateEntries float64)

// load drives one cluster: proposers goroutines each call AddCounter in a
// closed loop (next call as soon as the last returns), so offered load
// equals what the cluster sustains at that concurrency.
type load struct {
	leader    *arena.Node
	op        func(ctx context.Context) error
	proposers int
	warmup    time.Duration
	duration  time.Duration
	counters  counters
	// logSyncs is the fdatasyncs one Raft log append costs (1 on the WAL,
	// 2 on bbolt); a state.db commit costs 2.
	logSyncs float64
	// tick, if set, is called about once a second during the measured
	// window with the commands completed in it so far.
	tick func(done int64, elapsed time.Duration)
}

// counterName is the one key every proposer adds to. A single hot key keeps
// bbolt's work per command constant, so the figures measure replication
// and fsyncs rather than how many B+tree pages a batch happens to touch.
const counterName = "bench"

// run returns the run's figures. Only commands that return nil inside the
// measured window count; their latency runs from the call to its return.
func (l *load) run(ctx context.Context) Figures {
	start := time.Now()
	from, to := start.Add(l.warmup), start.Add(l.warmup+l.duration)
	lats := make([][]time.Duration, l.proposers)
	var errs, done atomic.Int64
	var wg sync.WaitGroup
	for p := range l.proposers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lats[p] = l.propose(ctx, from, to, &errs, &done)
		}()
	}
	var c0, c1 [4]float64
	l.sampleAt(ctx, from, &c0, nil)
	l.sampleAt(ctx, to, &c1, func() { l.tickProgress(done.Load(), time.Since(from)) })
	wg.Wait()
	return l.figures(slices.Concat(lats...), errs.Load(), c0, c1)
}

// propose is one closed-loop proposer; it stops starting calls at to.
func (l *load) propose(ctx context.Context, from, to time.Time, errs, done *atomic.Int64) []time.Duration {
	var lat []time.Duration
	for ctx.Err() == nil {
		t0 := time.Now()
		if !t0.Before(to) {
			return lat
		}
		err := l.op(ctx)
		t1 := time.Now()
		if t1.Before(from) || !t1.Before(to) {
			continue
		}
		if err != nil {
			errs.Add(1)
			continue
		}
		lat = append(lat, t1.Sub(t0))
		done.Add(1)
	}
	return lat
}

// sampleAt waits until t (or ctx ends), calling each, if set, once a
// second, then records the transaction counters into c.
func (l *load) sampleAt(ctx context.Context, t time.Time, c *[4]float64, each func()) {
	tk := time.NewTicker(time.Second)
	defer tk.Stop()
	deadline := time.NewTimer(time.Until(t))
	defer deadline.Stop()
	for waiting := true; waiting; {
		select {
		case <-deadline.C:
			waiting = false
		case <-ctx.Done():
			waiting = false
		case <-tk.C:
			if each != nil {
				each()
			}
		}
	}
	c[0], c[1], c[2], c[3] = l.counters()
}

func (l *load) tickProgress(done int64, elapsed time.Duration) {
	if l.tick != nil {
		l.tick(done, elapsed)
	}
}

func (l *load) figures(lat []time.Duration, errs int64, c0, c1 [4]float64) Figures {
	slices.Sort(lat)
	secs := l.duration.Seconds()
	f := Figures{
		CommandsPerSec: float64(len(lat)) / secs,
		P50ms:          ms(percentile(lat, 50)),
		P90ms:          ms(percentile(lat, 90)),
		P99ms:          ms(percentile(lat, 99)),
		Errors:         float64(errs),
	}
	if len(lat) > 0 {
		f.MaxMs = ms(lat[len(lat)-1])
	}
	logW, logE, stTx, stE := c1[0]-c0[0], c1[1]-c0[1], c1[2]-c0[2], c1[3]-c0[3]
	f.LogWritesPerSec, f.StateTxPerSec = logW/secs, stTx/secs
	if logW > 0 {
		f.CmdsPerLogWrite = logE / logW
	}
	if stTx > 0 {
		f.CmdsPerStateTx = stE / stTx
	}
	f.FsyncsPerSec = (l.logSyncs*logW + 2*stTx) / secs
	if f.FsyncsPerSec > 0 {
		f.CmdsPerFsync = f.CommandsPerSec / f.FsyncsPerSec
	}
	return f
}

// proposal returns the command a proposer sends for op.
func proposal(ctx context.Context, leader *arena.Node, op string) (func(ctx context.Context) error, error) {
	switch op {
	case "", "counter":
		return func(ctx context.Context) error {
			_, err := leader.AddCounter(ctx, counterName, 1)
			return err
		}, nil
	case "transfer":
		if _, err := leader.CreateOwner(ctx, agents.Owner{ID: "ow_bench", Name: "bench"}, agents.HashKey("bench")); err != nil {
			return nil, fmt.Errorf("create bench owner: %w", err)
		}
		var seq atomic.Int64
		return func(ctx context.Context) error {
			_, err := leader.Grant(ctx, "bench/"+strconv.FormatInt(seq.Add(1), 10), "ow_bench", 1, "grant", "")
			return err
		}, nil
	default:
		return nil, fmt.Errorf("op must be counter or transfer, got %q", op)
	}
}
