//go:build !cuda

package main

import (
	"io"
	"strings"
	"testing"

	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/gpu/gpt"
)

// TestDeviceCUDANeedsTheCUDABuild: the default binary refuses -device
// cuda and names the target that builds the one that has it.
func TestDeviceCUDANeedsTheCUDABuild(t *testing.T) {
	cfg, _ := gpt.Preset("tiny")
	m, err := gpt.New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := openTokenizer("bytes", "", "")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := gpu.NewTrainer(m, tok, gpu.DefaultTrainerConfig())
	if err != nil {
		t.Fatal(err)
	}
	_, err = attachDevice(tr, "cuda:1", 4, 1, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "built without CUDA") || !strings.Contains(err.Error(), "make trainer-cuda") {
		t.Fatalf("attachDevice cuda on the default build: %v", err)
	}
	if err := checkDevice("cuda"); err == nil || !strings.Contains(err.Error(), "make trainer-cuda") {
		t.Fatalf("checkDevice cuda on the default build: %v", err)
	}
	if err := checkDevice("cpu"); err != nil {
		t.Fatal(err)
	}
	release, err := attachDevice(tr, "cpu", 4, 1, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	release()
}
