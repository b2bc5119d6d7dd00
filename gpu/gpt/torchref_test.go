package gpt

import (
	"math"
	"testing"

	"github.com/agentarena/arena/gpu/safetensors"
)

// TestMatchesPyTorch checks the whole model against a GPT-2 written in
// PyTorch (testdata/torchref/make_ref.py, run in float64): same weights,
// same batch; the logits, the loss and every parameter's gradient must
// agree to 1e-4 relative to each tensor's largest value. This is how
// llm.c shows its C model is the PyTorch one.
func TestMatchesPyTorch(t *testing.T) {
	w, err := safetensors.ReadFile("testdata/torchref/weights.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	want, err := safetensors.ReadFile("testdata/torchref/expected.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Preset("tiny")
	if err != nil {
		t.Fatal(err)
	}
	m := &Model{Config: cfg, Params: make([]float32, cfg.NumParams())}
	for _, x := range m.Tensors() {
		got, err := w.Get(x.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Data) != len(x.Data) {
			t.Fatalf("%s: %v in the fixture, %v in the model", x.Name, got.Shape, x.Shape)
		}
		copy(x.Data, got.Data)
	}
	inputs, shape, err := want.GetInt32("inputs")
	if err != nil {
		t.Fatal(err)
	}
	targets, _, err := want.GetInt32("targets")
	if err != nil {
		t.Fatal(err)
	}
	b := Batch{B: shape[0], T: shape[1], Inputs: inputs, Targets: targets}
	act := m.Forward(b, nil)

	const tol = 1e-4
	compare := func(name string, got []float32) {
		t.Helper()
		ref, err := want.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(ref.Data) != len(got) {
			t.Fatalf("%s: %d values, the reference has %d", name, len(got), len(ref.Data))
		}
		var scale, worst float64
		for i := range got {
			scale = max(scale, math.Abs(float64(ref.Data[i])))
			worst = max(worst, math.Abs(float64(got[i]-ref.Data[i])))
		}
		if worst > tol*scale+1e-7 {
			t.Errorf("%s: off by up to %.3g where the largest value is %.3g (relative %.2g, allowed %g)", name, worst, scale, worst/scale, tol)
		}
	}
	compare("logits", act.Logits)
	compare("loss", []float32{m.Loss(act)})
	grads := make([]float32, len(m.Params))
	m.Backward(act, act.LossGrad(), grads)
	for _, g := range m.TensorsOf(grads) {
		compare("grad."+g.Name, g.Data)
	}
}
