//go:build !cuda

package main

import (
	"errors"
	"io"

	"github.com/agentarena/arena/gpu"
)

const builtWithCUDA = false

var errNoCUDA = errors.New("this arena-trainer was built without CUDA: build bin/arena-trainer-cuda with `make trainer-cuda` (needs an NVIDIA driver to run; see docs/GPU.md), or use -device cpu")

// attachCUDA is what a binary built without the cuda tag can say.
func attachCUDA(*gpu.Trainer, int, int, io.Writer) (func(), error) {
	return nil, errNoCUDA
}
