package gpu

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// naiveGemm is the definition, for checking the BLAS call's leading
// dimensions and transposes.
func naiveGemm(tA, tB bool, m, n, k int, alpha float64, a, b []float64, beta float64, c []float64) {
	at := func(i, p int) float64 {
		if tA {
			return a[p*m+i]
		}
		return a[i*k+p]
	}
	bt := func(p, j int) float64 {
		if tB {
			return b[j*k+p]
		}
		return b[p*n+j]
	}
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				s += at(i, p) * bt(p, j)
			}
			c[i*n+j] = alpha*s + beta*c[i*n+j]
		}
	}
}

func TestCPUGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randv := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
	for _, tc := range []struct {
		name    string
		tA, tB  bool
		m, n, k int
	}{
		{"plain product", false, false, 3, 4, 5},
		{"A transposed", true, false, 7, 2, 3},
		{"B transposed", false, true, 1, 6, 4},
		{"both transposed", true, true, 5, 5, 2},
		{"large enough to run in parallel", false, false, 130, 70, 65},
		{"empty inner dimension only scales C", false, false, 2, 3, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b, c := randv(tc.m*tc.k), randv(tc.k*tc.n), randv(tc.m*tc.n)
			want := append([]float64(nil), c...)
			naiveGemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, 0.7, a, b, 0.3, want)
			NewCPU().Gemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, 0.7, a, b, 0.3, c)
			for i := range c {
				if math.Abs(c[i]-want[i]) > 1e-12 {
					t.Fatalf("c[%d] = %v, want %v", i, c[i], want[i])
				}
			}
		})
	}
}

func TestCPUElementwise(t *testing.T) {
	cpu := NewCPU()
	t.Run("log-softmax rows exponentiate to one even with huge logits", func(t *testing.T) {
		x := []float64{1, 2, 3, 1000, 1001, 1002}
		cpu.LogSoftmax(2, 3, x)
		for r := range 2 {
			var s float64
			for _, v := range x[r*3 : r*3+3] {
				s += math.Exp(v)
			}
			if math.Abs(s-1) > 1e-12 {
				t.Fatalf("row %d sums to %v", r, s)
			}
		}
		if math.Abs(x[0]-x[3]) > 1e-12 {
			t.Fatalf("shifted rows differ: %v vs %v", x[0], x[3])
		}
	})
	t.Run("tanh backward is dy times one minus y squared", func(t *testing.T) {
		y := []float64{0.5, -1, 0}
		cpu.Tanh(y)
		dy := []float64{2, 3, 4}
		cpu.TanhBackward(y, dy)
		for i, x := range []float64{0.5, -1, 0} {
			want := []float64{2, 3, 4}[i] * (1 - math.Tanh(x)*math.Tanh(x))
			if math.Abs(dy[i]-want) > 1e-15 {
				t.Fatalf("dy[%d] = %v, want %v", i, dy[i], want)
			}
		}
	})
	t.Run("bias is added to every row", func(t *testing.T) {
		x := []float64{1, 2, 3, 4}
		cpu.AddBias(2, 2, x, []float64{10, 20})
		if !slices.Equal(x, []float64{11, 22, 13, 24}) {
			t.Fatalf("got %v", x)
		}
	})
}
