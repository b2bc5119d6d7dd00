package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/agentarena/arena/internal/loadcell"
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
// measures for dur (loadcell.Run); a request's latency runs until its
// whole body was read. cpu reads the servers' CPU seconds so far.
func runCell(ctx context.Context, hc *http.Client, w workload, clients int, warmup, dur time.Duration, cpu func() float64) cellResult {
	r := loadcell.Run(ctx, clients, warmup, dur, func(ctx context.Context, c, n int) error {
		return do(ctx, hc, w.next(c, n))
	}, cpu)
	res := cellResult{Target: w.name(), Clients: clients, OK: r.OK, Errors: r.Errors, PerSec: r.PerSec, FirstErr: r.FirstErr,
		P50ms: loadcell.Ms(r.P50), P90ms: loadcell.Ms(r.P90), P99ms: loadcell.Ms(r.P99), MaxMs: loadcell.Ms(r.Max)}
	if r.OK > 0 {
		res.CPUms = r.CPUSeconds * 1000 / float64(r.OK)
	}
	return res
}

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
