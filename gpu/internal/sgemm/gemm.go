package sgemm

import (
	"runtime"

	"gonum.org/v1/gonum/blas"
)

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major float32
// matrices, where op(A) is m×k, op(B) is k×n and C is m×n. It has exactly
// the signature, argument checks (same panic messages) and semantics of
// gonum's blas32 Sgemm, so a caller swaps one for the other; in particular
// beta == 0 overwrites C without reading it. It uses up to
// runtime.GOMAXPROCS(0) goroutines and returns when C is complete.
func Gemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemm(defaultKernels, runtime.GOMAXPROCS(0), tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemm is Gemm with the kernels and the goroutine budget injected, so tests
// can run the portable kernel on amd64 too and compare thread counts.
func gemm(ks kernels, threads int, tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	aTrans, bTrans := checkArgs(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	if gemv(aTrans, bTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	p := problem{
		m: m, n: n, k: k,
		alpha: alpha, beta: beta,
		a:   matrix{data: a, ld: lda, trans: aTrans},
		b:   matrix{data: b, ld: ldb, trans: bTrans},
		c:   c,
		ldc: ldc,
		ks:  ks,
	}
	p.run(threads)
}

// scale sets C = beta·C, writing zeros (not beta·NaN) when beta == 0.
func scale(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// Panic messages match gonum's blas/gonum so callers see the same errors
// whichever implementation they use.
const (
	badTranspose = "blas: illegal transpose"
	mLT0         = "blas: m < 0"
	nLT0         = "blas: n < 0"
	kLT0         = "blas: k < 0"
	badLdA       = "blas: bad leading dimension of A"
	badLdB       = "blas: bad leading dimension of B"
	badLdC       = "blas: bad leading dimension of C"
	shortA       = "blas: insufficient length of a"
	shortB       = "blas: insufficient length of b"
	shortC       = "blas: insufficient length of c"
)

// checkArgs panics on the arguments gonum's Sgemm rejects, in its order,
// and reports whether A and B are transposed.
func checkArgs(tA, tB blas.Transpose, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) (aTrans, bTrans bool) {
	for _, t := range []blas.Transpose{tA, tB} {
		if t != blas.NoTrans && t != blas.Trans && t != blas.ConjTrans {
			panic(badTranspose)
		}
	}
	switch {
	case m < 0:
		panic(mLT0)
	case n < 0:
		panic(nLT0)
	case k < 0:
		panic(kLT0)
	}
	aTrans = tA != blas.NoTrans
	bTrans = tB != blas.NoTrans
	if aTrans && lda < max(1, m) || !aTrans && lda < max(1, k) {
		panic(badLdA)
	}
	if bTrans && ldb < max(1, k) || !bTrans && ldb < max(1, n) {
		panic(badLdB)
	}
	if ldc < max(1, n) {
		panic(badLdC)
	}
	if m == 0 || n == 0 {
		return aTrans, bTrans
	}
	if aTrans && len(a) < (k-1)*lda+m || !aTrans && len(a) < (m-1)*lda+k {
		panic(shortA)
	}
	if bTrans && len(b) < (n-1)*ldb+k || !bTrans && len(b) < (k-1)*ldb+n {
		panic(shortB)
	}
	if len(c) < (m-1)*ldc+n {
		panic(shortC)
	}
	return aTrans, bTrans
}
