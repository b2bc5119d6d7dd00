//go:build cuda

package cudagpt

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/agentarena/arena/gpu/gpt"
)

// RunIsolated runs the calling test in a child process and reports
// whether the caller is that child (and so runs the body); the parent
// returns false and passes or fails with the child. A test that faults a
// kernel on purpose needs this: on a GPU the fault is sticky, so the
// process can never create a working context again, and every later
// test in it would fail (seen on an H200; the emulated driver is sticky
// too).
func RunIsolated(t *testing.T) bool {
	t.Helper()
	const key = "CUDAGPT_ISOLATED"
	if os.Getenv(key) == t.Name() {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), key+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err == nil && strings.Contains(string(out), "--- SKIP: "+t.Name()) {
		t.Skipf("skipped in a child process:\n%s", out)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("%s in a child process: %v\n%s", t.Name(), err, out)
	}
	t.Logf("in a child process:\n%s", out)
	return false
}

// TestCUDAFaultNamesTheKernelAndKeepsTheWeights frees an activation
// buffer under a model and takes a step: the step fails with the layer
// and the kernel that hit the bad pointer, and the lost context refuses
// everything after, so only the last good weights (what the trainer's
// last checkpoint holds) can ever be saved. Only the emulated driver checks every pointer at
// launch; a real GPU may read freed memory without a fault and would
// lose its context to an illegal access, so this runs on the emulator
// only, in a child process (the fault is sticky).
func TestCUDAFaultNamesTheKernelAndKeepsTheWeights(t *testing.T) {
	if !RunIsolated(t) {
		return
	}
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
	// The context is lost, as on a GPU: the weights cannot be read back,
	// so nothing can save what the failed step left, and the next step
	// fails at once instead of training on. The last good weights are
	// those pulled before (the trainer's last checkpoint).
	after := State{Params: make([]float32, m.n)}
	if err := m.Pull(&after, false); err == nil {
		t.Fatal("pulling the weights after a kernel fault succeeded; want the lost context's error")
	}
	if _, err := m.SFTStep(b, 1e-3, 1); err == nil {
		t.Fatal("a step after a kernel fault succeeded")
	}
	if good.AdamSteps != 1 || slices.ContainsFunc(good.Params, func(x float32) bool { return x != x }) {
		t.Fatalf("the last good weights: step %d", good.AdamSteps)
	}
}
