// Command arena-chaos runs the fault-injection driver against a real
// cluster of arena processes on loopback and prints what it measured.
//
//	arena-chaos -duration 5m -nodes 3 -faults kill-leader,kill-follower,pause,remove-readd -seed 42
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
	"strings"
	"syscall"
	"time"

	"github.com/agentarena/arena/chaos"
)

func main() {
	duration := flag.Duration("duration", 5*time.Minute, "how long to inject faults and load")
	nodes := flag.Int("nodes", 3, "cluster size (at least 3)")
	faults := flag.String("faults", strings.Join(chaos.AllFaults, ","), "comma-separated fault kinds: "+strings.Join(chaos.AllFaults, ", "))
	seed := flag.Uint64("seed", 0, "random seed (0: from the clock; the report prints it)")
	every := flag.Duration("every", 3*time.Second, "mean pause between healed faults")
	workers := flag.Int("workers", 4, "concurrent grant writers")
	bin := flag.String("bin", "", "arena binary to run (default: build ./cmd/arena from -module)")
	module := flag.String("module", ".", "module root to build the arena binary from")
	dir := flag.String("dir", "", "directory for data dirs and node logs (default: a temp dir, removed on success)")
	drain := flag.Duration("drain-wait", 30*time.Second, "how long contests may take to end by deadline before the rest are aborted")
	verbose := flag.Bool("v", false, "log every fault")
	flag.Parse()

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, log, *duration, *nodes, *faults, *seed, *every, *workers, *bin, *module, *dir, *drain))
}

func run(ctx context.Context, log *slog.Logger, duration time.Duration, nodes int, faults string, seed uint64,
	every time.Duration, workers int, bin, module, dir string, drain time.Duration) int {
	keep := dir != ""
	if dir == "" {
		d, err := os.MkdirTemp("", "arena-chaos-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "arena-chaos:", err)
			return 2
		}
		dir = d
	}
	if bin == "" {
		fmt.Fprintln(os.Stderr, "building the arena binary...")
		b, err := chaos.Build(ctx, module, dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "arena-chaos:", err)
			return 2
		}
		bin = b
	}
	var kinds []string
	for _, f := range strings.Split(faults, ",") {
		if f = strings.TrimSpace(f); f != "" {
			kinds = append(kinds, f)
		}
	}
	fmt.Fprintf(os.Stderr, "running %d nodes for %s (data and logs in %s)...\n", nodes, duration, dir)
	rep, err := chaos.Run(ctx, chaos.Config{Binary: bin, Dir: dir + "/cluster", Nodes: nodes, Duration: duration,
		Faults: kinds, FaultEvery: every, Workers: workers, Seed: seed, DrainWait: drain, Logger: log})
	if rep != nil {
		fmt.Print(rep.String())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "arena-chaos:", err, "(logs in", dir+")")
		return 1
	}
	if !rep.OK() {
		fmt.Fprintln(os.Stderr, "arena-chaos: checks failed; node logs are in", dir+"/cluster")
		return 1
	}
	if !keep {
		os.RemoveAll(dir)
	}
	return 0
}
