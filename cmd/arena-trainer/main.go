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
	"math"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/agentarena/arena/gpu"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	said := make(chan struct{})
	go func() {
		<-ctx.Done()
		// A step of a large preset takes minutes on a CPU. The first
		// signal lets it finish and keeps what is saved; the default
		// handling is back for a second one, which quits at once (files
		// are written whole or not at all, so the last checkpoint stays).
		stop()
		fmt.Fprintln(os.Stderr, "arena-trainer: stopping after the current step; interrupt again to quit now (the last checkpoint stays)")
		close(said)
	}()
	code := run(ctx, os.Args[1:])
	if ctx.Err() != nil {
		<-said // a run that stopped at once still says why
	}
	os.Exit(code)
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
	var refused flagError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0 // the flag package printed the command's flags
	case errors.As(err, &refused):
		return 2 // the flag package printed the error and the flags
	case err != nil:
		fmt.Fprintln(os.Stderr, "arena-trainer:", err)
		return 1
	}
	return 0
}

// flagError is a command line the flag package refused; it has printed
// the error with the command's flags already, so it is not printed again.
type flagError struct{ error }

// parseError marks a flag parse error as printed (flag.ErrHelp stays
// itself: asking for help is not an error).
func parseError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return flagError{err}
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

// contextFlag refuses a -context window too small to hold a prompt and
// its answer (gpu.MinContext): -context 3 trained on answers whose
// question had been cut away entirely. 0 keeps the preset's window.
func contextFlag(fs *flag.FlagSet) error {
	f := fs.Lookup("context")
	if f == nil {
		return nil
	}
	n, err := strconv.Atoi(f.Value.String())
	if err == nil && n != 0 && n < gpu.MinContext {
		return fmt.Errorf("-context must be 0 (the preset's window) or at least %d tokens, got %d: a clipped prompt keeps a quarter of the window and an answer an eighth, and in fewer than %d tokens one of them gets none",
			gpu.MinContext, n, gpu.MinContext)
	}
	return nil
}

// realFlags refuses a float flag that is not a finite number within its
// range: -lr Inf trained a step and stopped on a NaN loss, a negative
// -temperature sampled as if it were 0, and -prompt-loss -1 was refused
// as a dump of the trainer's settings without naming the flag.
func realFlags(fs *flag.FlagSet, positive, nonNegative []string) error {
	check := func(name string, ok func(float64) bool, want string) error {
		f := fs.Lookup(name)
		if f == nil {
			return nil
		}
		x, err := strconv.ParseFloat(f.Value.String(), 64)
		if err == nil && (math.IsNaN(x) || math.IsInf(x, 0) || !ok(x)) {
			return fmt.Errorf("-%s must be %s, got %s", name, want, f.Value.String())
		}
		return nil
	}
	for _, name := range positive {
		if err := check(name, func(x float64) bool { return x > 0 }, "a finite number above 0"); err != nil {
			return err
		}
	}
	for _, name := range nonNegative {
		if err := check(name, func(x float64) bool { return x >= 0 }, "a finite number, 0 or more"); err != nil {
			return err
		}
	}
	return nil
}

// durationFlags refuses a negative wait, which was taken as no wait at
// all.
func durationFlags(fs *flag.FlagSet, names ...string) error {
	for _, name := range names {
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		if d, err := time.ParseDuration(f.Value.String()); err == nil && d < 0 {
			return fmt.Errorf("-%s must not be negative, got %s", name, f.Value.String())
		}
	}
	return nil
}

// divergedHint says what to do about a step refused for a NaN or
// infinite loss or gradient.
func divergedHint(err error) error {
	if !errors.Is(err, gpu.ErrNotFinite) {
		return err
	}
	// The error has said the learning rate is most likely too high
	// (gpu.ErrNotFinite, the same words on every backend); these are the
	// flags that set it.
	return fmt.Errorf("%w: lower -lr (SFT steps) or -dpo-lr (DPO steps), or -beta", err)
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
