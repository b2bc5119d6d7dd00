// Command arena-trainer trains a GPT-2-shaped policy on arena
// preferences: supervised fine-tuning, then DPO against the frozen SFT
// reference, version after version.
//
//	arena-trainer offline [flags]  the measured loop on verifiable tasks (no server)
//	arena-trainer run [flags]      pull preferences from a node, train in rounds, enter each version as an agent
//	arena-trainer bench [flags]    training throughput of the CPU backend (make bench-train)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		usage()
		return 2
	}
	var err error
	switch args[0] {
	case "offline":
		err = runOffline(ctx, args[1:], os.Stdout, os.Stderr)
	case "run":
		err = runOnline(ctx, args[1:], os.Stdout, os.Stderr)
	case "bench":
		err = runBench(ctx, args[1:], os.Stdout, os.Stderr)
	case "help", "-h", "--help":
		usage()
		return 0
	default:
		fmt.Fprintf(os.Stderr, "arena-trainer: unknown command %q\n", args[0])
		usage()
		return 2
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0 // the flag package printed the command's flags
	case err != nil:
		fmt.Fprintln(os.Stderr, "arena-trainer:", err)
		return 1
	}
	return 0
}

// atLeast refuses a count flag below its floor: a batch, a step count or
// a sequence length of 0 or less panicked deep in the trainer.
func atLeast(fs *flag.FlagSet, floors map[string]int) error {
	for _, name := range slices.Sorted(maps.Keys(floors)) {
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		n, err := strconv.Atoi(f.Value.String())
		if err == nil && n < floors[name] {
			return fmt.Errorf("-%s must be at least %d, got %d", name, floors[name], n)
		}
	}
	return nil
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: arena-trainer <command> [flags]

commands:
  offline   version after version, SFT then DPO on the preferences the built-in
            verifiable bots (and the learner's own answers) produce, checked by
            the task checker; reports each version's accuracy on held-out tasks
  run       train on a node's preferences in rounds and enter each version
            into the arena as an agent (learner@vN)
  bench     training tokens per second (forward, backward, AdamW) at a preset
`)
}
