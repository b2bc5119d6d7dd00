package gpu

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// CPU is the Backend that always works: matrix products go to gonum's
// pure-Go BLAS (blocked, parallel over GOMAXPROCS, assembly inner loops),
// everything else is a plain loop. It holds no state, so the zero value
// is ready and one CPU may serve any number of models.
type CPU struct{}

var _ Backend = (*CPU)(nil)

// NewCPU returns the CPU backend.
func NewCPU() *CPU { return &CPU{} }

// Name reports "cpu".
func (*CPU) Name() string { return "cpu" }

// Gemm computes C = alpha·op(A)·op(B) + beta·C with row-major storage, so
// the leading dimension of each operand is its stored column count.
func (*CPU) Gemm(transA, transB bool, m, n, k int, alpha float64, a, b []float64, beta float64, c []float64) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		// BLAS rejects a zero leading dimension; the product is empty, so
		// only the beta scaling of C remains.
		for i := range c[:m*n] {
			c[i] *= beta
		}
		return
	}
	ta, lda := blas.NoTrans, k
	if transA {
		ta, lda = blas.Trans, m
	}
	tb, ldb := blas.NoTrans, n
	if transB {
		tb, ldb = blas.Trans, k
	}
	blas64.Implementation().Dgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, n)
}

// AddBias adds bias to every row of the m×n matrix x.
func (*CPU) AddBias(m, n int, x, bias []float64) {
	bias = bias[:n]
	for i := range m {
		row := x[i*n : (i+1)*n]
		for j, v := range bias {
			row[j] += v
		}
	}
}

// Tanh applies tanh element-wise in place.
func (*CPU) Tanh(x []float64) {
	for i, v := range x {
		x[i] = math.Tanh(v)
	}
}

// TanhBackward turns dy into dx = dy·(1−y²), where y is the forward output.
func (*CPU) TanhBackward(y, dy []float64) {
	y = y[:len(dy)]
	for i, v := range y {
		dy[i] *= 1 - v*v
	}
}

// LogSoftmax replaces each row of x by its log-softmax, subtracting the
// row maximum first so exp never overflows.
func (*CPU) LogSoftmax(m, n int, x []float64) {
	for i := range m {
		row := x[i*n : (i+1)*n]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = max(mx, v)
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(v - mx)
		}
		lse := mx + math.Log(sum)
		for j := range row {
			row[j] -= lse
		}
	}
}

// Close does nothing: the CPU backend holds no resources.
func (*CPU) Close() error { return nil }
