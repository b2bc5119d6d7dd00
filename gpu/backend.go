// Package gpu is the built-in DPO trainer: a small causal language model
// over bytes, supervised fine-tuning, then Direct Preference Optimisation
// against the frozen fine-tuned reference, on a Backend that does the
// tensor work (CPU via gonum BLAS always; CUDA behind the cuda build tag).
package gpu

// Backend is the tensor work the trainer needs. Matrices are row-major
// float64 slices; dimensions are passed explicitly. Implementations must
// give the same numbers within float tolerance (the CUDA backend is
// checked against the CPU one).
type Backend interface {
	Name() string
	// Gemm computes C = alpha·op(A)·op(B) + beta·C where op transposes
	// when the flag is set; op(A) is m×k, op(B) is k×n, C is m×n.
	Gemm(transA, transB bool, m, n, k int, alpha float64, a []float64, b []float64, beta float64, c []float64)
	// AddBias adds bias (length n) to every row of the m×n matrix x.
	AddBias(m, n int, x, bias []float64)
	// Tanh applies tanh element-wise in place; TanhBackward computes
	// dx = dy·(1−y²) in place into dy given the forward output y.
	Tanh(x []float64)
	TanhBackward(y, dy []float64)
	// LogSoftmax replaces each row of the m×n matrix x by its log-softmax.
	LogSoftmax(m, n int, x []float64)
	// Close releases device resources.
	Close() error
}
