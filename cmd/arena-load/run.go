package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// request is one write a client makes; body builds the n-th request body
// of client c (a fresh id per call, so a grant never replays another).
type request struct {
	method string
	url    string
	header http.Header
	body   []byte
}

// workload builds the requests of one target.
type workload interface {
	// name labels the column in the report.
	name() string
	// next returns client c's n-th request.
	next(c, n int) request
}

// cellResult is one measured run of one workload at one client count.
type cellResult struct {
	Target  string  `json:"target"`
	Clients int     `json:"clients"`
	Round   int     `json:"round"`
	OK      int     `json:"ok"`
	Errors  int     `json:"errors"`
	PerSec  float64 `json:"per_sec"`
	P50ms   float64 `json:"p50_ms"`
	P90ms   float64 `json:"p90_ms"`
	P99ms   float64 `json:"p99_ms"`
	MaxMs   float64 `json:"max_ms"`
	// CPUms is the servers' CPU time (user + system, all members) spent
	// in the measured window per acknowledged write.
	CPUms    float64 `json:"server_cpu_ms_per_write"`
	FirstErr string  `json:"first_error,omitempty"`
}

// runCell drives w with clients closed-loop clients for warmup, then
// measures for dur. A request counts only if it was sent and answered 2xx
// inside the measured window; its latency runs from sending the request
// until its whole body was read. cpu reads the servers' CPU seconds so far.
func runCell(ctx context.Context, hc *http.Client, w workload, clients int, warmup, dur time.Duration, cpu func() float64) cellResult {
	start := time.Now()
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(dur)
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
				r := w.next(c, n)
				t0 := time.Now()
				err := do(ctx, hc, r)
				t1 := time.Now()
				if t0.Before(measureFrom) || t1.After(end) {
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
	res := cellResult{Target: w.name(), Clients: clients, OK: len(all), Errors: int(errs.Load()),
		PerSec: float64(len(all)) / dur.Seconds()}
	if len(all) > 0 {
		res.CPUms = cpuUsed * 1000 / float64(len(all))
		res.P50ms, res.P90ms, res.P99ms = ms(rank(all, 0.50)), ms(rank(all, 0.90)), ms(rank(all, 0.99))
		res.MaxMs = ms(all[len(all)-1])
	}
	if v, ok := firstErr.Load().(string); ok {
		res.FirstErr = v
	}
	return res
}

// rank is the nearest-rank percentile of sorted d.
func rank(d []time.Duration, p float64) time.Duration {
	i := int(float64(len(d))*p+0.999999) - 1
	return d[max(0, min(i, len(d)-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func do(ctx context.Context, hc *http.Client, r request) error {
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, bytes.NewReader(r.body))
	if err != nil {
		return err
	}
	req.Header = r.header.Clone()
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	// Read to the end, so the connection goes back to the pool.
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %.200s", r.method, r.url, resp.StatusCode, body)
	}
	return nil
}

// newClient is an HTTP/1.1 keep-alive client that keeps one idle
// connection per closed-loop client, so no request pays a new handshake.
func newClient(clients int) *http.Client {
	tr := &http.Transport{
		MaxIdleConns:        clients * 2,
		MaxIdleConnsPerHost: clients,
		IdleConnTimeout:     time.Minute,
		ForceAttemptHTTP2:   false,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}
