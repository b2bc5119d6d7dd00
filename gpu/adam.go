package gpu

import "math"

// Adam is the Adam optimiser (Kingma & Ba) with bias correction, over a
// flat parameter vector. M and V are exported because checkpoints must
// carry them: resuming with fresh moments would not continue the same run.
type Adam struct {
	LR    float64
	Beta1 float64
	Beta2 float64
	Eps   float64
	// Steps is how many updates have been applied; it drives the bias
	// correction.
	Steps int
	M, V  []float64
}

// NewAdam returns Adam for n parameters with the usual constants
// (β1 0.9, β2 0.999, ε 1e-8).
func NewAdam(n int, lr float64) *Adam {
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8,
		M: make([]float64, n), V: make([]float64, n)}
}

// Reset forgets the moments, as a new training run would start.
func (a *Adam) Reset() {
	clear(a.M)
	clear(a.V)
	a.Steps = 0
}

// Update applies one step to params from grads.
func (a *Adam) Update(params, grads []float64) {
	a.Steps++
	c1 := 1 - math.Pow(a.Beta1, float64(a.Steps))
	c2 := 1 - math.Pow(a.Beta2, float64(a.Steps))
	m, v := a.M[:len(params)], a.V[:len(params)]
	grads = grads[:len(params)]
	for i, g := range grads {
		m[i] = a.Beta1*m[i] + (1-a.Beta1)*g
		v[i] = a.Beta2*v[i] + (1-a.Beta2)*g*g
		params[i] -= a.LR * (m[i] / c1) / (math.Sqrt(v[i]/c2) + a.Eps)
	}
}

// ClipGradNorm scales grads so their global L2 norm is at most maxNorm
// (no clipping when maxNorm ≤ 0) and returns the norm before clipping,
// which is what TRL logs as grad_norm.
func ClipGradNorm(grads []float64, maxNorm float64) float64 {
	var ss float64
	for _, g := range grads {
		ss += g * g
	}
	norm := math.Sqrt(ss)
	if maxNorm > 0 && norm > maxNorm {
		s := maxNorm / norm
		for i := range grads {
			grads[i] *= s
		}
	}
	return norm
}
