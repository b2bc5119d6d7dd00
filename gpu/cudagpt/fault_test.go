//go:build cuda

package cudagpt

import (
	"slices"
	"strings"
	"testing"

	"github.com/agentarena/arena/gpu/gpt"
)

// TestCUDAFaultNamesTheKernelAndKeepsTheWeights frees an activation
// buffer under a model and takes a step: the step fails with the layer
// and the kernel that hit the bad pointer, and no update happens, so the
// weights are those of the last good step (what the trainer's last
// checkpoint holds). Only the emulated driver checks every pointer at
// launch; a real GPU may read freed memory without a fault and would
// lose its context to an illegal access, so this runs on the emulator
// only.
func TestCUDAFaultNamesTheKernelAndKeepsTheWeights(t *testing.T) {
	dev, err := Open(0)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if !strings.Contains(dev.Name(), "emulator") {
		t.Skipf("%s: fault injection needs the emulated driver's pointer checks", dev.Name())
	}
	cfg, err := gpt.Preset("tiny")
	if err != nil {
		t.Fatal(err)
	}
	policy, err := gpt.New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(dev, policy, Adam{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1}, Options{Positions: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	b := gpt.Batch{B: 1, T: 4, Inputs: []int32{1, 2, 3, 4}, Targets: []int32{2, 3, 4, 5}}
	if _, err := m.SFTStep(b, 1e-3, 1); err != nil {
		t.Fatal(err)
	}
	good := State{Params: make([]float32, m.n)}
	if err := m.Pull(&good, false); err != nil {
		t.Fatal(err)
	}
	qkv := m.act.layers[1].qkv
	_ = dev.Do(func() error { dev.Free(qkv); return nil })
	m.act.allocated = slices.DeleteFunc(m.act.allocated, func(p Ptr) bool { return p == qkv })
	_, err = m.SFTStep(b, 1e-3, 1)
	if err == nil || !strings.Contains(err.Error(), "layer 1") || !strings.Contains(err.Error(), "kernel") {
		t.Fatalf("a step over a freed buffer: %v, want an error naming the layer and the kernel", err)
	}
	t.Logf("the failed step: %v", err)
	after := State{Params: make([]float32, m.n)}
	if err := m.Pull(&after, false); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(after.Params, good.Params) || after.AdamSteps != 1 {
		t.Fatalf("the failed step changed the weights or the step count (%d)", after.AdamSteps)
	}
}
