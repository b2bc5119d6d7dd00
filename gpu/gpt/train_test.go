package gpt

import (
	"math"
	"testing"
)

// At GPT-2 init the logits are nearly uniform, so the loss starts at ln(V),
// and plain gradient descent on one batch must drive it down.
func TestInitLossAndDescent(t *testing.T) {
	cfg, _ := Preset("tiny")
	m, err := New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	b := testBatch(1, cfg, 2, 16)
	act := m.Forward(b, nil)
	first := m.Loss(act)
	if want := math.Log(float64(cfg.Vocab)); math.Abs(float64(first)-want) > 0.05 {
		t.Fatalf("initial loss %.4f, want ≈ ln(%d) = %.4f", first, cfg.Vocab, want)
	}
	grads := make([]float32, len(m.Params))
	for range 30 {
		clear(grads)
		m.Backward(act, act.LossGrad(), grads)
		for i, g := range grads {
			m.Params[i] -= 0.1 * g
		}
		act = m.Forward(b, act)
	}
	if last := m.Loss(act); last > first-1 {
		t.Fatalf("loss went from %.4f to %.4f after 30 steps on one batch", first, last)
	}
}
