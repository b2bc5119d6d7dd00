package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/agentarena/arena/arena"
)

// Options are the parsed flags.
type Options struct {
	Cells            []Cell
	Duration         time.Duration
	Warmup           time.Duration
	Repeat           int
	MaxAppendEntries int
	// RaftLog is the nodes' Raft log store (arena.RaftLogWAL or
	// arena.RaftLogBolt; empty: the default).
	RaftLog    string
	JSON       bool
	CPUProfile string
	Dir        string
	ProbeFsync bool
	// Op is the replicated command each proposer sends: "counter" (a
	// diagnostic counter increment) or "transfer" (a ledger grant with a
	// unique transfer id, the full money path: idempotency check, balance
	// update, hash chain). "abuse" runs the abuse scenario (abuse.go)
	// instead of the matrix.
	Op string
	// Abuse sizes -op abuse; its Duration and Dir come from -duration and
	// -dir.
	Abuse AbuseOptions
	// Agents sizes -op agents (agents_ext.go), run against a cluster
	// given by -server; its times come from -duration and -warmup.
	Agents AgentsOptions
}

// Bench runs the matrix. Out receives the report, Progress the running
// commentary, so `arena-bench -json > out.json` stays clean. Live adds a
// once-a-second rate that rewrites its line; only a terminal wants that.
type Bench struct {
	Opts     Options
	Out      io.Writer
	Progress io.Writer
	Live     bool
}

// CellResult is one cell's runs and their per-figure median.
type CellResult struct {
	Cell
	Median Figures   `json:"median"`
	Runs   []Figures `json:"runs"`
}

// Report is everything printed at the end.
type Report struct {
	GoMaxProcs       int          `json:"gomaxprocs"`
	NumCPU           int          `json:"num_cpu"`
	FsyncsPerSec     float64      `json:"fsyncs_per_sec,omitempty"`
	Duration         string       `json:"duration"`
	Warmup           string       `json:"warmup"`
	Repeat           int          `json:"repeat"`
	MaxAppendEntries int          `json:"max_append_entries,omitempty"`
	RaftLog          string       `json:"raft_log"`
	Cells            []CellResult `json:"cells"`
}

// Run runs every cell Repeat times, each on a fresh cluster, then prints
// the report.
func (b *Bench) Run(ctx context.Context) error {
	o := b.Opts
	rep := Report{GoMaxProcs: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(),
		Duration: o.Duration.String(), Warmup: o.Warmup.String(), Repeat: o.Repeat,
		MaxAppendEntries: o.MaxAppendEntries, RaftLog: raftLogOrDefault(o.RaftLog)}
	if o.ProbeFsync {
		rate, err := probeFsync(o.Dir, time.Second)
		if err != nil {
			return err
		}
		rep.FsyncsPerSec = rate
		fmt.Fprintf(b.Progress, "disk: %.0f fsyncs/s\n", rate)
	}
	if o.CPUProfile != "" {
		stop, err := startCPUProfile(o.CPUProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	total := len(o.Cells) * o.Repeat
	for i, cell := range o.Cells {
		res := CellResult{Cell: cell}
		for r := range o.Repeat {
			prefix := fmt.Sprintf("[%d/%d] %s run %d/%d:", i*o.Repeat+r+1, total, cell, r+1, o.Repeat)
			if b.Live {
				fmt.Fprintf(b.Progress, "%s starting", prefix)
			}
			f, err := b.runOnce(ctx, cell, prefix)
			if err != nil {
				if b.Live {
					fmt.Fprintln(b.Progress)
				}
				return fmt.Errorf("%s: %w", cell, err)
			}
			if b.Live {
				fmt.Fprint(b.Progress, "\r")
			}
			fmt.Fprintf(b.Progress, "%s %8.0f cmd/s  p50 %6.2fms  p99 %7.2fms  errors %.0f\n",
				prefix, f.CommandsPerSec, f.P50ms, f.P99ms, f.Errors)
			res.Runs = append(res.Runs, f)
		}
		res.Median = medianFigures(res.Runs)
		rep.Cells = append(rep.Cells, res)
	}
	if o.JSON {
		return writeJSON(b.Out, rep)
	}
	return writeTable(b.Out, rep)
}

// runOnce starts a fresh cluster for one run, so no run inherits a longer
// log or a fuller state file from the one before.
func (b *Bench) runOnce(ctx context.Context, cell Cell, prefix string) (Figures, error) {
	c, err := startCluster(ctx, cell.Nodes, cell.Batching, b.Opts.MaxAppendEntries, b.Opts.RaftLog, b.Opts.Dir)
	if err != nil {
		return Figures{}, err
	}
	op, err := proposal(ctx, c.leader, b.Opts.Op)
	if err != nil {
		return Figures{}, err
	}
	l := &load{leader: c.leader, op: op, proposers: cell.Proposers, warmup: b.Opts.Warmup, duration: b.Opts.Duration,
		logSyncs: logSyncsPerAppend(b.Opts.RaftLog),
		counters: func() (float64, float64, float64, float64) {
			lw, le := c.histogramTotals("arena_raft_log_append_batch_size")
			st, se := c.histogramTotals("arena_fsm_apply_batch_size")
			return lw, le, st, se
		},
	}
	if b.Live {
		l.tick = func(done int64, elapsed time.Duration) {
			fmt.Fprintf(b.Progress, "\r%s %8.0f cmd/s so far", prefix, float64(done)/elapsed.Seconds())
		}
	}
	f := l.run(ctx)
	if err := c.Close(); err != nil {
		return f, err
	}
	if ctx.Err() != nil {
		return f, ctx.Err()
	}
	return f, nil
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func raftLogOrDefault(kind string) string {
	if kind == "" {
		return arena.DefaultRaftLog
	}
	return kind
}

// logSyncsPerAppend is how many fdatasyncs one Raft log append costs: the
// WAL syncs its segment once, bbolt its pages and then its meta page.
func logSyncsPerAppend(kind string) float64 {
	if raftLogOrDefault(kind) == arena.RaftLogBolt {
		return 2
	}
	return 1
}
