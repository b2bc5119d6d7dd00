package sgemm

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// benchShapes are the trainer's multiplies: forward x·W at B·T = 2048 rows,
// the tied logits x·wteᵀ (n = 257), the backward dX = dY·Wᵀ and
// dW = Xᵀ·dY, per-head attention, and one-row sampling steps.
var benchShapes = []shape{
	{tA: blas.NoTrans, tB: blas.NoTrans, m: 2048, n: 768, k: 256},
	{tA: blas.NoTrans, tB: blas.NoTrans, m: 2048, n: 256, k: 256},
	{tA: blas.NoTrans, tB: blas.NoTrans, m: 2048, n: 1024, k: 256},
	{tA: blas.NoTrans, tB: blas.NoTrans, m: 2048, n: 256, k: 1024},
	{tA: blas.NoTrans, tB: blas.Trans, m: 2048, n: 257, k: 256},
	{tA: blas.NoTrans, tB: blas.Trans, m: 2048, n: 256, k: 768},
	{tA: blas.Trans, tB: blas.NoTrans, m: 256, n: 768, k: 2048},
	{tA: blas.Trans, tB: blas.NoTrans, m: 1024, n: 256, k: 2048},
	// Per-head attention at T = 256, head size 64: q·kᵀ and att·v.
	{tA: blas.NoTrans, tB: blas.Trans, m: 256, n: 256, k: 64},
	{tA: blas.NoTrans, tB: blas.NoTrans, m: 256, n: 64, k: 256},
	{tA: blas.NoTrans, tB: blas.NoTrans, m: 64, n: 64, k: 64},
	{tA: blas.NoTrans, tB: blas.NoTrans, m: 1, n: 768, k: 256},
}

type gemmFunc func(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// BenchmarkGemm reports GFLOP/s for this package and gonum side by side.
func BenchmarkGemm(b *testing.B) {
	impls := []struct {
		name string
		f    gemmFunc
	}{
		{"sgemm", Gemm},
		{"gonum", blas32.Implementation().Sgemm},
	}
	for _, s := range benchShapes {
		for _, impl := range impls {
			b.Run(s.String()+"/"+impl.name, func(b *testing.B) {
				a, lda, bm, ldb, c, ldc := s.operands(rand.New(rand.NewPCG(1, 1)))
				flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
				b.ResetTimer()
				for b.Loop() {
					impl.f(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, ldc)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
