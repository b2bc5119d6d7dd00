package sgemm

import (
	"math/rand/v2"
	"testing"

	"github.com/agentarena/arena/internal/fuzzseed"
	"gonum.org/v1/gonum/blas"
)

// FuzzGemm checks random shapes, strides, transposes, scalars, kernels and
// goroutine counts against the float64 reference. Dimensions are folded
// into small ranges that still cross the mr, nr and a kc boundary.
func FuzzGemm(f *testing.F) {
	fuzzseed.Add(f, uint64(0), 1, 1, 1, 0, 0)
	fuzzseed.Add(f, uint64(0xb7), 7, 17, 9, 1, 2)
	fuzzseed.Add(f, uint64(0x1234), 13, 33, 300, 3, 1)
	fuzzseed.Add(f, uint64(0xffff), 1, 40, 5, 2, 3)
	fuzzseed.Add(f, uint64(0x5a5a), 50, 1, 260, 0, 3)
	f.Fuzz(func(t *testing.T, bits uint64, m, n, k, pad, beta int) {
		fold := func(x, n int) int { return ((x % n) + n) % n }
		s := shape{
			tA: blas.NoTrans, tB: blas.NoTrans,
			m: fold(m, 50), n: fold(n, 70), k: fold(k, 300),
			padA: fold(pad, 4), padB: fold(pad+1, 4), padC: fold(pad+2, 4),
		}
		if bits&1 != 0 {
			s.tA = blas.Trans
		}
		if bits&2 != 0 {
			s.tB = blas.Trans
		}
		kern := defaultKernels
		if bits&4 != 0 {
			kern = portable
		}
		threads := 1 + int(bits>>3&3)
		scalars := []float32{0, 1, -0.5, 2}
		alpha := scalars[bits>>5&3]
		checkCase(t, kern, threads, s, alpha, scalars[fold(beta, 4)], rand.New(rand.NewPCG(bits, 1)))
	})
}
