package gpt

import (
	"math/rand/v2"
	"testing"
)

// opCase builds one op's inputs, runs its backward for a random upstream
// gradient, and returns the perturbable inputs with their analytic gradients
// and the matching scalar loss.
type opCase struct {
	name  string
	build func(rng *rand.Rand) (xs, grads [][]float32, loss func() float64)
}

var opCases = []opCase{
	{"layernorm", func(rng *rand.Rand) ([][]float32, [][]float32, func() float64) {
		n, c := 3, 8
		x, w, b := randSlice(rng, n*c, 1), randSlice(rng, c, 1), randSlice(rng, c, 1)
		r := randSlice(rng, n*c, 1)
		out, mean, rstd := make([]float32, n*c), make([]float32, n), make([]float32, n)
		loss := func() float64 { layerNormForward(out, mean, rstd, x, w, b, n, c); return weightedSum(out, r) }
		loss()
		dx, dw, db := make([]float32, n*c), make([]float32, c), make([]float32, c)
		layerNormBackward(dx, dw, db, r, x, w, mean, rstd, n, c)
		return [][]float32{x, w, b}, [][]float32{dx, dw, db}, loss
	}},
	{"matmul+bias", func(rng *rand.Rand) ([][]float32, [][]float32, func() float64) {
		n, in, o := 4, 5, 6
		x, w, b := randSlice(rng, n*in, 1), randSlice(rng, in*o, 1), randSlice(rng, o, 1)
		r := randSlice(rng, n*o, 1)
		out := make([]float32, n*o)
		loss := func() float64 { linearForward(out, x, w, b, n, in, o, false); return weightedSum(out, r) }
		dx, dw, db := make([]float32, n*in), make([]float32, in*o), make([]float32, o)
		linearBackward(dx, dw, db, r, x, w, n, in, o, false)
		return [][]float32{x, w, b}, [][]float32{dx, dw, db}, loss
	}},
	{"residual", func(rng *rand.Rand) ([][]float32, [][]float32, func() float64) {
		// y = x + LN(x)·W + b: the residual add is fused into the GEMM's accumulate and
		// its gradient into LayerNorm backward's accumulate, as in the model.
		n, c := 3, 6
		x, lw, lb := randSlice(rng, n*c, 1), randSlice(rng, c, 1), randSlice(rng, c, 1)
		w, b := randSlice(rng, c*c, 1), randSlice(rng, c, 1)
		r := randSlice(rng, n*c, 1)
		ln, mean, rstd, y := make([]float32, n*c), make([]float32, n), make([]float32, n), make([]float32, n*c)
		loss := func() float64 {
			layerNormForward(ln, mean, rstd, x, lw, lb, n, c)
			copy(y, x)
			linearForward(y, ln, w, b, n, c, c, true)
			return weightedSum(y, r)
		}
		loss()
		dx := append([]float32(nil), r...)
		dln := make([]float32, n*c)
		dlw, dlb, dw, db := make([]float32, c), make([]float32, c), make([]float32, c*c), make([]float32, c)
		linearBackward(dln, dw, db, r, ln, w, n, c, c, false)
		layerNormBackward(dx, dlw, dlb, dln, x, lw, mean, rstd, n, c)
		return [][]float32{x, lw, lb, w, b}, [][]float32{dx, dlw, dlb, dw, db}, loss
	}},
	{"attention", func(rng *rand.Rand) ([][]float32, [][]float32, func() float64) {
		B, T, C, H := 2, 5, 8, 2
		qkv := randSlice(rng, B*T*3*C, 1)
		r := randSlice(rng, B*T*C, 1)
		y, att := make([]float32, B*T*C), make([]float32, B*H*T*T)
		loss := func() float64 { attentionForward(y, att, qkv, B, T, C, H); return weightedSum(y, r) }
		loss()
		dqkv := make([]float32, len(qkv))
		attentionBackward(dqkv, r, qkv, att, B, T, C, H)
		return [][]float32{qkv}, [][]float32{dqkv}, loss
	}},
	{"gelu", func(rng *rand.Rand) ([][]float32, [][]float32, func() float64) {
		x, r := randSlice(rng, 40, 2), randSlice(rng, 40, 1)
		y := make([]float32, 40)
		loss := func() float64 { geluForward(y, x); return weightedSum(y, r) }
		dx := make([]float32, 40)
		geluBackward(dx, x, r)
		return [][]float32{x}, [][]float32{dx}, loss
	}},
	{"softmax cross-entropy", func(rng *rand.Rand) ([][]float32, [][]float32, func() float64) {
		n, V := 4, 7
		logits, r := randSlice(rng, n*V, 2), randSlice(rng, n, 1)
		targets := []int32{3, -1, 0, 6}
		logp, lse := make([]float32, n), make([]float32, n)
		loss := func() float64 { targetLogProbs(logp, lse, logits, targets, n, V); return weightedSum(logp, r) }
		loss()
		d := make([]float32, n*V)
		targetLogProbsBackward(d, r, logits, lse, targets, n, V)
		return [][]float32{logits}, [][]float32{d}, loss
	}},
	{"tied logits", func(rng *rand.Rand) ([][]float32, [][]float32, func() float64) {
		n, C, V := 3, 4, 5
		x, wte, r := randSlice(rng, n*C, 1), randSlice(rng, V*C, 1), randSlice(rng, n*V, 1)
		out := make([]float32, n*V)
		loss := func() float64 { logitsForward(out, x, wte, n, C, V); return weightedSum(out, r) }
		dx, dwte := make([]float32, n*C), make([]float32, V*C)
		logitsBackward(dx, dwte, r, x, wte, n, C, V)
		return [][]float32{x, wte}, [][]float32{dx, dwte}, loss
	}},
	{"embedding", func(rng *rand.Rand) ([][]float32, [][]float32, func() float64) {
		B, T, C, V := 2, 3, 4, 5
		wte, wpe, r := randSlice(rng, V*C, 1), randSlice(rng, T*C, 1), randSlice(rng, B*T*C, 1)
		inputs := []int32{1, 4, 1, 0, 1, 3} // repeats check the scatter-add
		out := make([]float32, B*T*C)
		loss := func() float64 { encoderForward(out, inputs, wte, wpe, B, T, C); return weightedSum(out, r) }
		dwte, dwpe := make([]float32, V*C), make([]float32, T*C)
		encoderBackward(dwte, dwpe, r, inputs, B, T, C)
		return [][]float32{wte, wpe}, [][]float32{dwte, dwpe}, loss
	}},
}

func TestOpGradients(t *testing.T) {
	for i, tc := range opCases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 99))
			xs, grads, loss := tc.build(rng)
			for k := range xs {
				if err := fdCheck(xs[k], grads[k], allIdx(len(xs[k])), 1e-2, 1e-3, 1e-2, loss); err != nil {
					t.Errorf("input %d: %v", k, err)
				}
			}
		})
	}
}

// Each op's check must be able to fail: scaling one analytic gradient entry is caught.
func TestOpGradientChecksDetectErrors(t *testing.T) {
	for i, tc := range opCases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 99))
			xs, grads, loss := tc.build(rng)
			g := grads[0]
			best := 0
			for j := range g {
				if abs32(g[j]) > abs32(g[best]) {
					best = j
				}
			}
			g[best] = g[best]*1.05 + 0.01
			if err := fdCheck(xs[0], g, []int{best}, 1e-2, 1e-3, 1e-2, loss); err == nil {
				t.Fatal("a 5% gradient error passed the check")
			}
		})
	}
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
