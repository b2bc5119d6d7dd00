package gpt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// fdCheck compares analytic gradients with float64 central differences of loss
// at the given indices of x. float32 forwards make the difference noisy, so
// each index passes when |a−n| ≤ atol + rtol·max(|a|,|n|).
func fdCheck(x, analytic []float32, idx []int, eps, atol, rtol float64, loss func() float64) error {
	for _, i := range idx {
		orig := x[i]
		x[i] = orig + float32(eps)
		up := loss()
		x[i] = orig - float32(eps)
		down := loss()
		x[i] = orig
		// The perturbation actually applied is rounded to float32.
		h := float64(orig+float32(eps)) - float64(orig-float32(eps))
		num := (up - down) / h
		a := float64(analytic[i])
		if math.Abs(a-num) > atol+rtol*math.Max(math.Abs(a), math.Abs(num)) {
			return fmt.Errorf("index %d: analytic %.6g, numeric %.6g", i, a, num)
		}
	}
	return nil
}

func randSlice(rng *rand.Rand, n int, std float64) []float32 {
	d := make([]float32, n)
	normal(rng, d, std)
	return d
}

func allIdx(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// weightedSum is a scalar loss Σ w·y in float64 so the check sees every output.
func weightedSum(y, w []float32) float64 {
	var s float64
	for i := range y {
		s += float64(y[i]) * float64(w[i])
	}
	return s
}

// testModel is the tiny preset with its parameters spread wider than GPT-2's
// init, so attention is far from uniform and every path carries gradient.
func testModel(t testing.TB, seed uint64) *Model {
	t.Helper()
	cfg, err := Preset("tiny")
	if err != nil {
		t.Fatal(err)
	}
	cfg.NLayer, cfg.BlockSize, cfg.Vocab = 2, 16, 23
	m, err := New(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	for i := range m.Params {
		m.Params[i] += float32(rng.NormFloat64() * 0.1)
	}
	return m
}

func testBatch(seed uint64, cfg Config, B, T int) Batch {
	rng := rand.New(rand.NewPCG(seed, 11))
	b := Batch{B: B, T: T, Inputs: make([]int32, B*T), Targets: make([]int32, B*T)}
	for i := range b.Inputs {
		b.Inputs[i] = int32(rng.IntN(cfg.Vocab))
		b.Targets[i] = int32(rng.IntN(cfg.Vocab))
		if rng.IntN(5) == 0 {
			b.Targets[i] = -1
		}
	}
	return b
}

func TestModelGradients(t *testing.T) {
	m := testModel(t, 1)
	b := testBatch(2, m.Config, 2, 7)
	rng := rand.New(rand.NewPCG(3, 3))
	// Random upstream weights exercise the general (DPO-style) contract, not only mean CE.
	up := randSlice(rng, b.B*b.T, 1)
	act := m.Forward(b, nil)
	grads := make([]float32, len(m.Params))
	m.Backward(act, up, grads)

	loss := func() float64 {
		a := m.Forward(b, nil)
		return weightedSum(a.TargetLogP, up)
	}
	gt := m.TensorsOf(grads)
	for ti, pt := range m.Tensors() {
		t.Run(pt.Name, func(t *testing.T) {
			// Offsets into m.Params so the check perturbs the live parameters.
			off := 0
			for _, x := range m.Tensors()[:ti] {
				off += len(x.Data)
			}
			var idx []int
			for range 4 {
				idx = append(idx, off+rng.IntN(len(pt.Data)))
			}
			if err := fdCheck(m.Params, grads, idx, 1e-2, 2e-3, 3e-2, loss); err != nil {
				t.Errorf("%s: %v", pt.Name, err)
			}
			_ = gt[ti]
		})
	}
}

// The checker must be able to fail: a gradient off by 10% is caught.
func TestModelGradientCheckDetectsError(t *testing.T) {
	m := testModel(t, 4)
	b := testBatch(5, m.Config, 1, 6)
	act := m.Forward(b, nil)
	grads := make([]float32, len(m.Params))
	m.Backward(act, act.LossGrad(), grads)
	loss := func() float64 { return float64(m.Loss(m.Forward(b, nil))) }
	// Pick the largest gradient so the error is not lost in the tolerance.
	best := 0
	for i, g := range grads {
		if math.Abs(float64(g)) > math.Abs(float64(grads[best])) {
			best = i
		}
	}
	if err := fdCheck(m.Params, grads, []int{best}, 1e-2, 2e-3, 3e-2, loss); err != nil {
		t.Fatalf("correct gradient rejected: %v", err)
	}
	grads[best] *= 1.1
	if err := fdCheck(m.Params, grads, []int{best}, 1e-2, 2e-3, 3e-2, loss); err == nil {
		t.Fatal("gradient off by 10% passed the check")
	}
}

// Backward accumulates, so two calls give twice one call's gradient, and the
// mean-CE upstream from LossGrad agrees with Loss.
func TestBackwardAccumulates(t *testing.T) {
	m := testModel(t, 6)
	b := testBatch(7, m.Config, 2, 5)
	act := m.Forward(b, nil)
	once := make([]float32, len(m.Params))
	m.Backward(act, act.LossGrad(), once)
	twice := make([]float32, len(m.Params))
	m.Backward(act, act.LossGrad(), twice)
	m.Backward(act, act.LossGrad(), twice)
	for i := range once {
		if d := twice[i] - 2*once[i]; d > 1e-5 || d < -1e-5 {
			t.Fatalf("param %d: twice %g, once %g", i, twice[i], once[i])
		}
	}
}
