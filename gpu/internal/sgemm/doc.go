// Package sgemm multiplies row-major float32 matrices fast enough for CPU
// training: Gemm is a drop-in for gonum's blas32 Sgemm, built the
// GotoBLAS/BLIS way from packed panels, cache blocking, goroutines over row
// blocks and AVX2+FMA assembly for the micro-kernel and the packing of A
// (with pure-Go fallbacks).
//
// The loop nest, outermost first (BLIS names):
//
//	jc over N in NC columns   B block KC×NC packed once, shared by workers
//	pc over K in KC steps      (first step applies beta, later ones add)
//	ic over M in mc rows      A block mc×KC packed per worker (L2)
//	jr over the block in NR   one B micro-panel KC×NR stays in L1
//	ir over the block in MR   the micro-kernel: MR×NR of C over KC
//
// Packing puts every transpose case into the same panel layout, so the
// micro-kernel never sees tA or tB; zero padding in the last panels lets it
// always compute a full MR×NR tile, and partial tiles go through a scratch
// tile instead of C.
package sgemm
