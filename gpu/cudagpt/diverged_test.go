//go:build cuda

package cudagpt_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/gpu/cudagpt"
	"github.com/agentarena/arena/gpu/internal/finite"
)

// TestCUDADivergedStepSaysWhatTheCPUSays: a device step whose loss is
// not finite is refused as the CPU trainer refuses it, as gpu.ErrNotFinite
// with the same advice, and leaves the weights as they were. It said only
// "cudagpt: loss is NaN", which a caller could not tell from a device
// failure, with no word of the learning rate.
func TestCUDADivergedStepSaysWhatTheCPUSays(t *testing.T) {
	dev := openDevice(t)
	cfg := testConfig(t)
	cpu := randomModel(t, cfg, 31)
	cpu.Params[0] = float32(math.NaN()) // one poisoned embedding: every loss it feeds is NaN
	b := randomBatch(cfg, 2, 9, 3)
	for i := range b.Inputs {
		b.Inputs[i] = 0
	}
	dm := newModel(t, dev, cpu, 2*cfg.BlockSize)
	_, err := dm.SFTStep(b, 1e-3, 1)
	if !errors.Is(err, gpu.ErrNotFinite) {
		t.Fatalf("SFTStep on a poisoned model: %v, want gpu.ErrNotFinite", err)
	}
	for _, want := range []string{"training diverged", "step skipped, weights unchanged", finite.Advice} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %q, want it to say %q", err, want)
		}
	}
	st := cudagpt.State{Params: make([]float32, dm.NumParams())}
	if err := dm.Pull(&st, false); err != nil {
		t.Fatal(err)
	}
	same := func(a, b float32) bool { return a == b || (a != a && b != b) }
	if !slices.EqualFunc(st.Params, cpu.Params, same) {
		t.Error("the refused step changed the weights")
	}
}
