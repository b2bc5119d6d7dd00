package sgemm

import (
	"math/rand/v2"
	"testing"
)

// TestKernelAVX2MatchesGo checks the assembly kernel against the portable
// one directly, including the kc remainders of its unrolled loop and beta's
// three cases; it skips on CPUs without AVX2/FMA.
func TestKernelAVX2MatchesGo(t *testing.T) {
	if !hasAVX2FMA() {
		t.Skip("CPU lacks AVX2/FMA")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, kc := range []int{1, 2, 3, 4, 5, 7, 8, 255, 256} {
		for _, beta := range []float32{0, 1, -0.5} {
			ap := make([]float32, kc*mr)
			bp := make([]float32, kc*nr)
			for i := range ap {
				ap[i] = 2*r.Float32() - 1
			}
			for i := range bp {
				bp[i] = 2*r.Float32() - 1
			}
			const ldc = nr + 3
			c := make([]float32, (mr-1)*ldc+nr)
			for i := range c {
				c[i] = r.Float32()
			}
			want := append([]float32(nil), c...)
			kernelGo(kc, ap, bp, want, ldc, 1.5, beta)
			kernelAVX2(kc, ap, bp, c, ldc, 1.5, beta)
			for i := range c {
				if d := c[i] - want[i]; d > 1e-4 || d < -1e-4 {
					t.Fatalf("kc=%d beta=%v: c[%d] = %v, want %v", kc, beta, i, c[i], want[i])
				}
			}
		}
	}
}

// TestInterleaveAVXMatchesGo checks the assembly packing of A panels
// against the portable loop, with a row stride wider than the row and kc
// around the multiples of four the assembly handles.
func TestInterleaveAVXMatchesGo(t *testing.T) {
	if !hasAVX2FMA() {
		t.Skip("CPU lacks AVX2/FMA")
	}
	for _, kc := range []int{1, 3, 4, 5, 8, 11, 256, 257} {
		ld := kc + 3
		src := make([]float32, (mr-1)*ld+kc)
		for i := range src {
			src[i] = float32(i)
		}
		want := make([]float32, mr*kc)
		got := make([]float32, mr*kc)
		interleaveGo(want, src, ld, kc)
		interleaveAVX(got, src, ld, kc)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("kc=%d: dst[%d] = %v, want %v", kc, i, got[i], want[i])
			}
		}
	}
}
