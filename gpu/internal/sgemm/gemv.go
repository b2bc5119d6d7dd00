package sgemm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// gemv handles a one-row or one-column C (m == 1 or n == 1, as in sampling
// one token with a KV cache) with gonum's Sgemv, and reports whether it
// did. Packing would pad the single row or column to a full micro-tile and
// copy all of the other operand for one use, which runs at a third of
// Sgemv's speed. Arguments are already checked and alpha, k are nonzero.
func gemv(aTrans, bTrans bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	var impl gonum.Implementation
	switch {
	case m == 1:
		// C row = op(B)ᵀ · (row of op(A)); y is cut to n because gonum's
		// GemvT clears all of y when beta == 0.
		x, incX := a, 1
		if aTrans {
			incX = lda
		}
		if bTrans {
			impl.Sgemv(blas.NoTrans, n, k, alpha, b, ldb, x, incX, beta, c[:n], 1)
		} else {
			impl.Sgemv(blas.Trans, k, n, alpha, b, ldb, x, incX, beta, c[:n], 1)
		}
		return true
	case n == 1:
		// C column = op(A) · (column of op(B)), written with stride ldc.
		x, incX := b, ldb
		if bTrans {
			incX = 1
		}
		y := c[:(m-1)*ldc+1]
		if aTrans {
			impl.Sgemv(blas.Trans, k, m, alpha, a, lda, x, incX, beta, y, ldc)
		} else {
			impl.Sgemv(blas.NoTrans, m, k, alpha, a, lda, x, incX, beta, y, ldc)
		}
		return true
	}
	return false
}
