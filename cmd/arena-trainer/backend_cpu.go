//go:build !cuda

package main

import "github.com/agentarena/arena/gpu"

// newBackend is the CPU backend in the default build; `make trainer-cuda`
// builds the trainer with the CUDA one instead.
func newBackend() (gpu.Backend, error) { return gpu.NewCPU(), nil }
