package gpu

import (
	"math"

	"github.com/agentarena/arena/gpu/gpt"
)

// AdamW is Adam with decoupled weight decay (Loshchilov & Hutter), the
// optimiser GPT-2-style models train with, over the model's flat float32
// parameters. M and V are exported because checkpoints must carry them:
// resuming with fresh moments would not continue the same run.
type AdamW struct {
	Beta1, Beta2, Eps float64
	// WeightDecay applies only where Decay is true: to matrices and
	// embeddings, never to biases or LayerNorm gains, as GPT-2 recipes do.
	WeightDecay float64
	Decay       []bool
	// Steps is how many updates have been applied since the last Reset;
	// it drives the bias correction.
	Steps int
	M, V  []float32
}

// NewAdamW returns AdamW for m's parameters with the GPT-2 constants
// (β1 0.9, β2 0.95, ε 1e-8).
func NewAdamW(m *gpt.Model, weightDecay float64) *AdamW {
	n := len(m.Params)
	decay := make([]bool, n)
	off := 0
	for _, t := range m.Tensors() {
		for i := range t.Data {
			decay[off+i] = len(t.Shape) == 2
		}
		off += len(t.Data)
	}
	return &AdamW{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: weightDecay, Decay: decay,
		M: make([]float32, n), V: make([]float32, n)}
}

// Reset forgets the moments, as a new training run would start.
func (a *AdamW) Reset() {
	clear(a.M)
	clear(a.V)
	a.Steps = 0
}

// Update applies one step with learning rate lr to params from grads.
func (a *AdamW) Update(params, grads []float32, lr float64) {
	a.Steps++
	c1 := 1 - math.Pow(a.Beta1, float64(a.Steps))
	c2 := 1 - math.Pow(a.Beta2, float64(a.Steps))
	b1, b2 := float32(a.Beta1), float32(a.Beta2)
	lrc := float32(lr / c1)
	ic2 := float32(1 / c2)
	eps := float32(a.Eps)
	wd := float32(lr * a.WeightDecay)
	m, v, decay := a.M[:len(params)], a.V[:len(params)], a.Decay[:len(params)]
	grads = grads[:len(params)]
	for i, g := range grads {
		m[i] = b1*m[i] + (1-b1)*g
		v[i] = b2*v[i] + (1-b2)*g*g
		p := params[i]
		if decay[i] {
			p -= wd * p
		}
		params[i] = p - lrc*m[i]/(float32(math.Sqrt(float64(v[i]*ic2)))+eps)
	}
}

// ClipGradNorm scales grads so their global L2 norm is at most maxNorm
// (no clipping when maxNorm ≤ 0) and returns the norm before clipping,
// which is what TRL logs as grad_norm. The sum of squares is taken in
// float64: over millions of parameters a float32 sum loses the small ones.
func ClipGradNorm(grads []float32, maxNorm float64) float64 {
	var ss float64
	for _, g := range grads {
		ss += float64(g) * float64(g)
	}
	norm := math.Sqrt(ss)
	if maxNorm > 0 && norm > maxNorm {
		s := float32(maxNorm / norm)
		for i := range grads {
			grads[i] *= s
		}
	}
	return norm
}
