package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/agentarena/arena/games/verifiable"
	"github.com/agentarena/arena/gpu"
)

// parseDevice reads -device: "cpu", "cuda" (the first GPU) or "cuda:N".
func parseDevice(s string) (ordinal int, cuda bool, err error) {
	switch {
	case s == "cpu" || s == "":
		return 0, false, nil
	case s == "cuda":
		return 0, true, nil
	case strings.HasPrefix(s, "cuda:"):
		n, err := strconv.Atoi(strings.TrimPrefix(s, "cuda:"))
		if err != nil || n < 0 {
			return 0, false, fmt.Errorf("-device %q: want cpu, cuda or cuda:N with N a GPU's ordinal (0, 1, …)", s)
		}
		return n, true, nil
	}
	return 0, false, fmt.Errorf("-device %q: want cpu, cuda or cuda:N", s)
}

// checkDevice refuses, before any work, a -device this binary cannot
// use.
func checkDevice(s string) error {
	_, cuda, err := parseDevice(s)
	if err == nil && cuda && !builtWithCUDA {
		return errNoCUDA
	}
	return err
}

// attachDevice moves tr onto the device o names, sized for steps of
// batch sequences or pairs in accumulate micro-batches, and says on
// stderr where it runs. The returned function releases the device.
func attachDevice(tr *gpu.Trainer, device string, batch, accumulate int, stderr io.Writer) (func(), error) {
	ordinal, cuda, err := parseDevice(device)
	if err != nil {
		return nil, err
	}
	if !cuda {
		fmt.Fprintln(stderr, "device: cpu")
		return func() {}, nil
	}
	return attachCUDA(tr, ordinal, gpu.EnginePositions(tr.Policy().Config, batch, accumulate), stderr)
}

// policySampler answers from the trainer's current policy: a snapshot on
// the device when the trainer runs on one, else the live CPU model (or,
// with snapshot, a copy of it that later steps leave alone).
func policySampler(tr *gpu.Trainer, snapshot bool) (gpu.Sampler, func(), error) {
	if sn, ok := tr.Engine().(gpu.Snapshotter); ok {
		return sn.Snapshot()
	}
	m := tr.Policy()
	if snapshot {
		m = m.Clone()
	}
	return gpu.ModelSampler(m), func() {}, nil
}

// evaluateTrainer is evaluate on the trainer's current policy.
func evaluateTrainer(ctx context.Context, tr *gpu.Trainer, tasks []verifiable.Task, maxTokens int, trained map[string]bool) (accuracy, error) {
	s, release, err := policySampler(tr, false)
	if err != nil {
		return accuracy{}, err
	}
	defer release()
	return evaluate(ctx, s, tr.Tokenizer(), tasks, maxTokens, trained)
}
