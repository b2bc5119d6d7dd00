package sgemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// refGemm is the float64 reference: C = alpha·op(A)·op(B) + beta·C with
// beta == 0 ignoring C, accumulated in float64.
func refGemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) []float64 {
	out := make([]float64, len(c))
	for i := range c {
		out[i] = float64(c[i])
	}
	at := func(i, p int) float64 {
		if tA == blas.NoTrans {
			return float64(a[i*lda+p])
		}
		return float64(a[p*lda+i])
	}
	bt := func(p, j int) float64 {
		if tB == blas.NoTrans {
			return float64(b[p*ldb+j])
		}
		return float64(b[j*ldb+p])
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += at(i, p) * bt(p, j)
			}
			v := float64(alpha) * s
			if beta != 0 {
				v += float64(beta) * float64(c[i*ldc+j])
			}
			out[i*ldc+j] = v
		}
	}
	return out
}

// absRef is the float64 sum of |terms|, the scale against which float32
// rounding error grows (≈ k·eps·Σ|a||b| in the worst case).
func absRef(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) []float64 {
	abs32 := func(x []float32) []float32 {
		y := make([]float32, len(x))
		for i, v := range x {
			y[i] = float32(math.Abs(float64(v)))
		}
		return y
	}
	return refGemm(tA, tB, m, n, k, float32(math.Abs(float64(alpha))), abs32(a), lda, abs32(b), ldb, float32(math.Abs(float64(beta))), abs32(c), ldc)
}

type shape struct {
	tA, tB           blas.Transpose
	m, n, k          int
	padA, padB, padC int // extra elements per row beyond the minimum ld
}

func (s shape) String() string {
	t := func(x blas.Transpose) string {
		if x == blas.NoTrans {
			return "N"
		}
		return "T"
	}
	name := fmt.Sprintf("%s%s_%dx%dx%d", t(s.tA), t(s.tB), s.m, s.n, s.k)
	if s.padA+s.padB+s.padC > 0 {
		name += fmt.Sprintf("_pad%d.%d.%d", s.padA, s.padB, s.padC)
	}
	return name
}

// operands allocates A, B, C for s with random values in [-1, 1) and
// NaN in the padding, so a read outside the matrix shows up in C.
func (s shape) operands(r *rand.Rand) (a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	rowsA, colsA := s.m, s.k
	if s.tA != blas.NoTrans {
		rowsA, colsA = s.k, s.m
	}
	rowsB, colsB := s.k, s.n
	if s.tB != blas.NoTrans {
		rowsB, colsB = s.n, s.k
	}
	fill := func(rows, cols, pad int) ([]float32, int) {
		ld := max(1, cols+pad)
		x := make([]float32, max(0, rows*ld))
		for i := range x {
			if i%ld < cols {
				x[i] = 2*r.Float32() - 1
			} else {
				x[i] = float32(math.NaN())
			}
		}
		return x, ld
	}
	a, lda = fill(rowsA, colsA, s.padA)
	b, ldb = fill(rowsB, colsB, s.padB)
	c, ldc = fill(s.m, s.n, s.padC)
	return
}

func shapes() []shape {
	var out []shape
	trans := []blas.Transpose{blas.NoTrans, blas.Trans}
	dims := [][3]int{
		{1, 1, 1}, {0, 3, 4}, {3, 0, 4}, {3, 4, 0}, {2, 3, 1},
		{6, 16, 1}, {5, 15, 7}, {7, 17, 9}, {6, 16, 256}, {13, 33, 257},
		{1, 100, 300}, {100, 1, 300}, {37, 53, 513}, {150, 40, 20},
		{64, 257, 64}, {300, 70, 33}, {12, 2100, 5}, {1, 37, 5}, {41, 1, 7},
	}
	for _, tA := range trans {
		for _, tB := range trans {
			for i, d := range dims {
				out = append(out, shape{tA: tA, tB: tB, m: d[0], n: d[1], k: d[2],
					padA: i % 3, padB: (i + 1) % 3 * 2, padC: i % 2 * 5})
			}
		}
	}
	return out
}

// checkGemm runs gemm on s for each alpha/beta in {0, 1, -0.5, 2}.
func checkGemm(t *testing.T, kern kernels, threads int, s shape) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(s.m*1000003+s.n*1009+s.k), 7))
	scalars := []float32{0, 1, -0.5, 2}
	for _, alpha := range scalars {
		for _, beta := range scalars {
			checkCase(t, kern, threads, s, alpha, beta, r)
		}
	}
}

// checkCase compares one gemm call with the float64 reference, allowing
// float32 rounding relative to Σ|terms|, and checks that C's padding is
// untouched.
func checkCase(t *testing.T, kern kernels, threads int, s shape, alpha, beta float32, r *rand.Rand) {
	t.Helper()
	a, lda, b, ldb, c, ldc := s.operands(r)
	if beta == 0 {
		// BLAS ignores C when beta == 0, NaNs included.
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	want := refGemm(s.tA, s.tB, s.m, s.n, s.k, alpha, a, lda, b, ldb, beta, c, ldc)
	scale := absRef(s.tA, s.tB, s.m, s.n, s.k, alpha, a, lda, b, ldb, beta, c, ldc)
	got := append([]float32(nil), c...)
	gemm(kern, threads, s.tA, s.tB, s.m, s.n, s.k, alpha, a, lda, b, ldb, beta, got, ldc)
	tol := float64(s.k+2) * 1.2e-7
	for i := range got {
		inside := s.n > 0 && i%ldc < s.n
		if !inside {
			// Padding of C must be untouched (NaN stays NaN bitwise).
			if math.Float32bits(got[i]) != math.Float32bits(c[i]) {
				t.Fatalf("alpha=%v beta=%v: wrote padding c[%d]", alpha, beta, i)
			}
			continue
		}
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= tol*scale[i]+1e-30) {
			t.Fatalf("alpha=%v beta=%v: c[%d] = %v, want %v (scale %v)", alpha, beta, i, got[i], want[i], scale[i])
		}
	}
}

func TestGemmMatchesReference(t *testing.T) {
	impls := []struct {
		name string
		kern kernels
	}{
		{"default kernels", defaultKernels},
		{"portable Go kernels", portable},
	}
	for _, kc := range impls {
		for _, threads := range []int{1, 3} {
			for _, s := range shapes() {
				t.Run(fmt.Sprintf("%s/%d threads/%v", kc.name, threads, s), func(t *testing.T) {
					checkGemm(t, kc.kern, threads, s)
				})
			}
		}
	}
}

// TestGemmLargeMatchesReference covers the blocking loops (several kc and
// nc blocks, many work items) on a shape too slow for every alpha/beta.
func TestGemmLargeMatchesReference(t *testing.T) {
	if testing.Short() {
		t.Skip("large reference multiply")
	}
	for _, s := range []shape{
		{tA: blas.NoTrans, tB: blas.NoTrans, m: 200, n: 2100, k: 600, padC: 3},
		{tA: blas.Trans, tB: blas.Trans, m: 190, n: 2060, k: 520, padA: 1, padB: 2},
	} {
		t.Run(s.String(), func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			a, lda, b, ldb, c, ldc := s.operands(r)
			alpha, beta := float32(-0.5), float32(2)
			want := refGemm(s.tA, s.tB, s.m, s.n, s.k, alpha, a, lda, b, ldb, beta, c, ldc)
			scale := absRef(s.tA, s.tB, s.m, s.n, s.k, alpha, a, lda, b, ldb, beta, c, ldc)
			Gemm(s.tA, s.tB, s.m, s.n, s.k, alpha, a, lda, b, ldb, beta, c, ldc)
			for i := 0; i < s.m; i++ {
				for j := 0; j < s.n; j++ {
					x := i*ldc + j
					if d := math.Abs(float64(c[x]) - want[x]); !(d <= float64(s.k+2)*1.2e-7*scale[x]) {
						t.Fatalf("c[%d,%d] = %v, want %v", i, j, c[x], want[x])
					}
				}
			}
		})
	}
}

func TestGemmPanicsLikeGonum(t *testing.T) {
	a := make([]float32, 12)
	cases := []struct {
		name string
		call func()
		want string
	}{
		{"bad transpose", func() { Gemm('x', blas.NoTrans, 2, 2, 2, 1, a, 2, a, 2, 0, a, 2) }, badTranspose},
		{"negative m", func() { Gemm(blas.NoTrans, blas.NoTrans, -1, 2, 2, 1, a, 2, a, 2, 0, a, 2) }, mLT0},
		{"short lda", func() { Gemm(blas.NoTrans, blas.NoTrans, 2, 2, 3, 1, a, 2, a, 2, 0, a, 2) }, badLdA},
		{"short ldb for Bᵀ", func() { Gemm(blas.NoTrans, blas.Trans, 2, 2, 3, 1, a, 3, a, 2, 0, a, 2) }, badLdB},
		{"short ldc", func() { Gemm(blas.NoTrans, blas.NoTrans, 2, 3, 2, 1, a, 2, a, 3, 0, a, 2) }, badLdC},
		{"short c", func() { Gemm(blas.NoTrans, blas.NoTrans, 4, 3, 2, 1, a, 2, a, 3, 0, a[:5], 3) }, shortC},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if got := recover(); got != tc.want {
					t.Fatalf("panic %v, want %q", got, tc.want)
				}
			}()
			tc.call()
		})
	}
}
