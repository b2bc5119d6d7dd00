package gpt

import (
	"gonum.org/v1/gonum/blas"

	kernel "github.com/agentarena/arena/gpu/internal/sgemm"
)

// sgemm is the only place the model reaches a GEMM: the packed AVX2/FMA
// kernel (gpu/internal/sgemm, gonum's Sgemm signature), 8–12× gonum's own
// on the training shapes.
func sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	kernel.Gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// linearForward computes out = inp·w + bias for inp [n,in], w [in,out] (Conv1D layout).
// With accumulate the product is added to what out holds, which is how residual adds are fused.
func linearForward(out, inp, w, bias []float32, n, in, outDim int, accumulate bool) {
	beta := float32(0)
	if accumulate {
		beta = 1
	}
	sgemm(blas.NoTrans, blas.NoTrans, n, outDim, in, 1, inp, in, w, outDim, beta, out, outDim)
	if bias == nil {
		return
	}
	parallelFor(n, 64, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := out[r*outDim : (r+1)*outDim]
			for j, b := range bias[:outDim] {
				row[j] += b
			}
		}
	})
}

// linearBackward sets dinp = dout·wᵀ (or adds to it with accumulate) and accumulates dw += inpᵀ·dout, dbias += Σ rows of dout.
func linearBackward(dinp, dw, dbias, dout, inp, w []float32, n, in, outDim int, accumulate bool) {
	beta := float32(0)
	if accumulate {
		beta = 1
	}
	if dinp != nil {
		sgemm(blas.NoTrans, blas.Trans, n, in, outDim, 1, dout, outDim, w, outDim, beta, dinp, in)
	}
	sgemm(blas.Trans, blas.NoTrans, in, outDim, n, 1, inp, in, dout, outDim, 1, dw, outDim)
	if dbias != nil {
		parallelFor(outDim, 64, func(lo, hi int) {
			for r := 0; r < n; r++ {
				row := dout[r*outDim : (r+1)*outDim]
				for j := lo; j < hi; j++ {
					dbias[j] += row[j]
				}
			}
		})
	}
}

// logitsForward is the tied output head: logits = x·wteᵀ.
func logitsForward(logits, x, wte []float32, n, C, V int) {
	sgemm(blas.NoTrans, blas.Trans, n, V, C, 1, x, C, wte, C, 0, logits, V)
}

// logitsBackward sets dx = dlogits·wte and accumulates dwte += dlogitsᵀ·x.
func logitsBackward(dx, dwte, dlogits, x, wte []float32, n, C, V int) {
	sgemm(blas.NoTrans, blas.NoTrans, n, C, V, 1, dlogits, V, wte, C, 0, dx, C)
	sgemm(blas.Trans, blas.NoTrans, V, C, n, 1, dlogits, V, x, C, 1, dwte, C)
}
