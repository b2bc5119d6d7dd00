//go:build cuda

package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/gpu/cudagpt"
)

const builtWithCUDA = true

var errNoCUDA error // this build has CUDA

// attachCUDA opens GPU ordinal, refuses a run it has no memory for
// (before allocating), and moves the trainer's state onto it.
func attachCUDA(tr *gpu.Trainer, ordinal, positions int, stderr io.Writer) (func(), error) {
	dev, err := cudagpt.Open(ordinal)
	if err != nil {
		return nil, fmt.Errorf("-device cuda:%d: %w", ordinal, err)
	}
	fmt.Fprintf(stderr, "device: %s\n", gpu.DeviceName(ordinal, dev))
	eng, err := gpu.NewCUDAEngine(dev, ordinal, tr, positions)
	if err != nil {
		return nil, errors.Join(err, dev.Close())
	}
	if err := tr.UseEngine(eng); err != nil {
		return nil, errors.Join(err, eng.Close(), dev.Close())
	}
	return func() {
		_ = eng.Close()
		_ = dev.Close()
	}, nil
}
