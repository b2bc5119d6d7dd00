package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/gpu/gpt"
)

// benchResult is one JSON line, in the fields scripts/bench_train_torch.py
// prints, so `make bench-train` can set the two side by side.
type benchResult struct {
	Impl      string    `json:"impl"`
	Preset    string    `json:"preset"`
	Params    int       `json:"params"`
	Threads   int       `json:"threads"`
	Batch     int       `json:"batch"`
	Seq       int       `json:"seq"`
	TokPerSec float64   `json:"tokens_per_s_median"`
	All       []float64 `json:"tokens_per_s_all"`
	StepMS    float64   `json:"step_ms_median"`
}

// runBench times training steps (forward, backward, AdamW) on random
// tokens at a preset: the same work PyTorch's loop does in the script.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("arena-trainer bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	preset := fs.String("preset", "cpu", "model shape: one of the presets")
	batch := fs.Int("batch", 8, "sequences per step")
	seq := fs.Int("seq", 256, "positions per sequence")
	vocab := fs.Int("vocab", 257, "vocabulary size")
	steps := fs.Int("steps", 10, "timed steps")
	warmup := fs.Int("warmup", 2, "untimed steps first")
	threads := fs.Int("threads", runtime.GOMAXPROCS(0), "cores to use (GOMAXPROCS)")
	if err := fs.Parse(args); err != nil {
		return parseError(err)
	}
	if err := atLeast(fs, map[string]int{"batch": 1, "seq": 1, "vocab": 2, "steps": 1, "warmup": 0, "threads": 1}); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		// The flag package stops at the first word that is not a flag and
		// ignores every flag after it: refuse rather than run on defaults.
		return fmt.Errorf("unexpected argument %q: every option is a flag (see -h), and flags after it were not read", fs.Arg(0))
	}
	runtime.GOMAXPROCS(*threads)
	cfg, err := gpt.Preset(*preset)
	if err != nil {
		return err
	}
	cfg.Vocab = *vocab
	cfg.BlockSize = max(cfg.BlockSize, *seq)
	if err := checkMemory(cfg, *batch); err != nil {
		return err
	}
	m, err := gpt.New(cfg, 1)
	if err != nil {
		return err
	}
	opt := gpu.NewAdamW(m, 0.1)
	grads := make([]float32, len(m.Params))
	rng := rand.New(rand.NewPCG(1, 2))
	b := gpt.Batch{B: *batch, T: *seq, Inputs: make([]int32, *batch**seq), Targets: make([]int32, *batch**seq)}
	for i := range b.Inputs {
		b.Inputs[i] = int32(rng.IntN(*vocab))
		b.Targets[i] = int32(rng.IntN(*vocab))
	}
	d := make([]float32, len(b.Targets))
	for i := range d {
		d[i] = -1 / float32(len(d))
	}
	var act *gpt.Activations
	var rates, ms []float64
	// Said before the first step, which takes a while at a large preset.
	fmt.Fprintf(stderr, "benchmarking %s (%d parameters): %d × %d tokens a step, %d warm-up and %d timed steps, %d threads\n",
		*preset, len(m.Params), *batch, *seq, *warmup, *steps, *threads)
	for i := 0; i < *warmup+*steps && ctx.Err() == nil; i++ {
		start := time.Now()
		act = m.Forward(b, act)
		clear(grads)
		m.Backward(act, d, grads)
		gpu.ClipGradNorm(grads, 1)
		opt.Update(m.Params, grads, 1e-4)
		el := time.Since(start)
		if i >= *warmup {
			rates = append(rates, float64(b.B*b.T)/el.Seconds())
			ms = append(ms, float64(el.Microseconds())/1000)
		}
		fmt.Fprintf(stderr, "step %d: %.0f tokens/s\n", i+1, float64(b.B*b.T)/el.Seconds())
	}
	if len(rates) == 0 {
		return ctx.Err()
	}
	res := benchResult{Impl: "go", Preset: *preset, Params: len(m.Params), Threads: *threads, Batch: *batch, Seq: *seq,
		TokPerSec: median(rates), All: rates, StepMS: median(ms)}
	out, _ := json.Marshal(res)
	fmt.Fprintf(stdout, "%s\n", out)
	return nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
