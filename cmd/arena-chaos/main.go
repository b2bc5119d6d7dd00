// Command arena-chaos runs the fault-injection driver against a real
// cluster of arena processes on loopback and prints what it measured.
//
//	arena-chaos -duration 3m -port-base 24000 -pause-min 15s -pause-max 60s -report chaos.json
//
// It exits 1 when any end-of-run check fails. See docs/OPERATIONS.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/agentarena/arena/chaos"
)

// options are the command's flags.
type options struct {
	duration, every, drain, pauseMin, pauseMax, termDeadline, attempt time.Duration
	nodes, workers, readers, portBase                                 int
	stateMB                                                           int64
	faults, bin, module, dir, report, viz                             string
	seed                                                              uint64
	verbose                                                           bool
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 5*time.Minute, "how long to inject faults and load")
	flag.IntVar(&o.nodes, "nodes", 3, "cluster size (at least 3)")
	flag.IntVar(&o.portBase, "port-base", 0, "node i (from 0) serves HTTP on port-base+i, Raft on port-base+nodes+i, its fault proxy on port-base+2*nodes+i (0: free ports)")
	flag.StringVar(&o.faults, "faults", strings.Join(chaos.AllFaults, ","), "comma-separated fault kinds: "+strings.Join(chaos.AllFaults, ", "))
	flag.Uint64Var(&o.seed, "seed", 0, "random seed (0: from the clock; the report prints it)")
	flag.DurationVar(&o.every, "every", 3*time.Second, "mean pause between healed faults")
	flag.DurationVar(&o.pauseMin, "pause-min", 15*time.Second, "shortest SIGSTOP pause, partition or slow network")
	flag.DurationVar(&o.pauseMax, "pause-max", 60*time.Second, "longest SIGSTOP pause, partition or slow network")
	flag.DurationVar(&o.termDeadline, "term-deadline", 10*time.Second, "how long a node may take to exit after SIGTERM before it counts as hung")
	flag.DurationVar(&o.attempt, "attempt-timeout", 5*time.Second, "bound on one client request")
	flag.IntVar(&o.workers, "workers", 4, "concurrent grant writers, one owner each")
	flag.IntVar(&o.readers, "readers", 0, "concurrent linearizable balance readers (0: as many as workers)")
	flag.Int64Var(&o.stateMB, "state-mb", 0, "grow the state by this many MB of bulk grants (1 KB memos) before the faults")
	flag.StringVar(&o.bin, "bin", "", "arena binary to run (default: build ./cmd/arena from -module)")
	flag.StringVar(&o.module, "module", ".", "module root to build the arena binary from")
	flag.StringVar(&o.dir, "dir", "", "directory for data dirs and node logs (default: a temp dir, removed on success)")
	flag.StringVar(&o.report, "report", "", "write the report as JSON to this file")
	flag.StringVar(&o.viz, "viz", "", "write Porcupine's HTML visualization of the history to this file")
	flag.DurationVar(&o.drain, "drain-wait", 30*time.Second, "how long contests may take to end by deadline before the rest are aborted")
	flag.BoolVar(&o.verbose, "v", false, "log every fault")
	flag.Parse()

	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, log, o))
}

func run(ctx context.Context, log *slog.Logger, o options) int {
	keep := o.dir != ""
	dir := o.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "arena-chaos-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "arena-chaos:", err)
			return 2
		}
		dir = d
	}
	bin := o.bin
	if bin == "" {
		fmt.Fprintln(os.Stderr, "building the arena binary...")
		b, err := chaos.Build(ctx, o.module, dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "arena-chaos:", err)
			return 2
		}
		bin = b
	}
	var kinds []string
	for _, f := range strings.Split(o.faults, ",") {
		if f = strings.TrimSpace(f); f != "" {
			kinds = append(kinds, f)
		}
	}
	viz := o.viz
	if viz != "" {
		viz, _ = filepath.Abs(viz)
	}
	fmt.Fprintf(os.Stderr, "running %d nodes for %s (data and logs in %s)...\n", o.nodes, o.duration, dir)
	rep, err := chaos.Run(ctx, chaos.Config{Binary: bin, Dir: filepath.Join(dir, "cluster"), Nodes: o.nodes, PortBase: o.portBase,
		Duration: o.duration, Faults: kinds, FaultEvery: o.every, PauseMin: o.pauseMin, PauseMax: o.pauseMax,
		TermDeadline: o.termDeadline, AttemptTimeout: o.attempt, Workers: o.workers, Readers: o.readers,
		StateBytes: o.stateMB << 20, Seed: o.seed, DrainWait: o.drain, VisualizationPath: viz, Logger: log})
	if rep != nil {
		fmt.Print(rep.String())
		if o.report != "" {
			if werr := rep.WriteJSON(o.report); werr != nil {
				fmt.Fprintln(os.Stderr, "arena-chaos:", werr)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "arena-chaos:", err, "(logs in", dir+")")
		return 1
	}
	if !rep.OK() {
		fmt.Fprintln(os.Stderr, "arena-chaos: checks failed; node logs are in", filepath.Join(dir, "cluster"))
		return 1
	}
	if !keep {
		os.RemoveAll(dir)
	}
	return 0
}
