//go:build cuda

package main

import "github.com/agentarena/arena/gpu"

// newBackend uses device 0. A cuda build cannot start without an NVIDIA
// driver at all (the cu package exits in its init).
func newBackend() (gpu.Backend, error) { return gpu.NewCUDA(0) }
