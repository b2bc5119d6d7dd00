package main

import (
	"slices"
	"time"
)

// percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// sorted: the smallest sample with at least p% of samples at or below it.
// Nearest rank never invents a latency nobody saw, unlike interpolation.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted)) + 0.999999999)
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

// median of a copy of xs; with an even count it averages the middle two.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// Figures are what one run (or the median of several) reports. Latencies
// are in milliseconds so the JSON reads without unit conversions.
type Figures struct {
	CommandsPerSec float64 `json:"commands_per_sec"`
	P50ms          float64 `json:"p50_ms"`
	P90ms          float64 `json:"p90_ms"`
	P99ms          float64 `json:"p99_ms"`
	MaxMs          float64 `json:"max_ms"`
	Errors         float64 `json:"errors"`
	// LogWritesPerSec counts Raft log appends on all nodes (one fdatasync
	// each on the WAL, two on bbolt) and StateTxPerSec state.db
	// transactions on all nodes (two: pages, then meta page).
	LogWritesPerSec float64 `json:"log_writes_per_sec"`
	StateTxPerSec   float64 `json:"state_tx_per_sec"`
	// CmdsPerLogWrite and CmdsPerStateTx are the mean batch sizes: how
	// many commands one fsync'd transaction carried.
	CmdsPerLogWrite float64 `json:"cmds_per_log_write"`
	CmdsPerStateTx  float64 `json:"cmds_per_state_tx"`
	// FsyncsPerSec is the fdatasyncs those appends and transactions cost the
	// cluster issued, leaving out the rare stable-store and file-growth
	// syncs. CmdsPerFsync is what each one bought.
	FsyncsPerSec float64 `json:"fsyncs_per_sec"`
	CmdsPerFsync float64 `json:"cmds_per_fsync"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// medianFigures takes the median of each figure on its own, so one noisy
// run moves no column.
func medianFigures(runs []Figures) Figures {
	pick := func(f func(Figures) float64) float64 {
		xs := make([]float64, len(runs))
		for i, r := range runs {
			xs[i] = f(r)
		}
		return median(xs)
	}
	return Figures{
		CommandsPerSec:  pick(func(f Figures) float64 { return f.CommandsPerSec }),
		P50ms:           pick(func(f Figures) float64 { return f.P50ms }),
		P90ms:           pick(func(f Figures) float64 { return f.P90ms }),
		P99ms:           pick(func(f Figures) float64 { return f.P99ms }),
		MaxMs:           pick(func(f Figures) float64 { return f.MaxMs }),
		Errors:          pick(func(f Figures) float64 { return f.Errors }),
		LogWritesPerSec: pick(func(f Figures) float64 { return f.LogWritesPerSec }),
		StateTxPerSec:   pick(func(f Figures) float64 { return f.StateTxPerSec }),
		CmdsPerLogWrite: pick(func(f Figures) float64 { return f.CmdsPerLogWrite }),
		CmdsPerStateTx:  pick(func(f Figures) float64 { return f.CmdsPerStateTx }),
		FsyncsPerSec:    pick(func(f Figures) float64 { return f.FsyncsPerSec }),
		CmdsPerFsync:    pick(func(f Figures) float64 { return f.CmdsPerFsync }),
	}
}
