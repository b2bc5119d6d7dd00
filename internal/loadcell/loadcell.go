// Package loadcell runs one measured cell of a closed-loop load: clients
// that each send their next request when the last one is answered, a
// warm-up that is not measured, then a window that is. cmd/arena-load
// (HTTP) and tools/etcdload (etcd's gRPC client) share it, so that both
// sides of a comparison are counted the same way.
package loadcell

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Op makes client c's n-th request and reports whether it succeeded.
type Op func(ctx context.Context, c, n int) error

// Result is one measured window.
type Result struct {
	OK, Errors         int
	PerSec             float64
	P50, P90, P99, Max time.Duration
	// CPUSeconds is what the cpu function passed to Run advanced by over
	// the window (the servers' CPU time).
	CPUSeconds float64
	FirstErr   string
}

// Run drives op with clients closed-loop clients for warmup, then
// measures for dur. A request counts only if it was sent and answered
// inside the measured window; its latency runs from the call to its
// return. Errors after the window closed (the context ending) are not
// counted. cpu reads the servers' CPU seconds so far.
func Run(ctx context.Context, clients int, warmup, dur time.Duration, op Op, cpu func() float64) Result {
	start := time.Now()
	from, end := start.Add(warmup), start.Add(warmup+dur)
	ctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	lat := make([][]time.Duration, clients)
	var errs atomic.Int64
	var firstErr atomic.Value
	// The reading at the start of the window; the timer always fires
	// before the window ends, so the receive below never waits long.
	cpuFrom := make(chan float64, 1)
	time.AfterFunc(warmup, func() { cpuFrom <- cpu() })
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, 1024)
			for n := 0; ctx.Err() == nil; n++ {
				t0 := time.Now()
				err := op(ctx, c, n)
				t1 := time.Now()
				if t0.Before(from) || t1.After(end) {
					continue
				}
				if err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					}
					continue
				}
				mine = append(mine, t1.Sub(t0))
			}
			lat[c] = mine
		}()
	}
	wg.Wait()
	cpuUsed := cpu() - <-cpuFrom
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	res := Result{OK: len(all), Errors: int(errs.Load()), PerSec: float64(len(all)) / dur.Seconds(), CPUSeconds: cpuUsed}
	if len(all) > 0 {
		res.P50, res.P90, res.P99, res.Max = Rank(all, 0.50), Rank(all, 0.90), Rank(all, 0.99), all[len(all)-1]
	}
	if v, ok := firstErr.Load().(string); ok {
		res.FirstErr = v
	}
	return res
}

// Rank is the nearest-rank percentile of sorted d.
func Rank(d []time.Duration, p float64) time.Duration {
	i := int(float64(len(d))*p+0.999999) - 1
	return d[max(0, min(i, len(d)-1))]
}

// Ms is d in milliseconds, to the microsecond.
func Ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Median of xs (the mean of the middle two for an even count); 0 for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
