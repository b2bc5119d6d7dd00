package sgemm

// defaultKernels are chosen once at init from the CPU's features; this is
// the package's only global state and never changes afterwards.
var defaultKernels = pickKernels(hasAVX2FMA())

func pickKernels(avx2fma bool) kernels {
	if avx2fma {
		return kernels{micro: kernelAVX2, interleave: interleaveAVX}
	}
	return portable
}

// interleave6x4 is in pack_amd64.s: interleaveFunc for kc = 4·groups.
//
//go:noescape
func interleave6x4(groups int, src *float32, ld int, dst *float32)

// interleaveAVX runs the assembly on whole groups of four columns and
// finishes the rest in Go. The slice checks keep the assembly's reads and
// writes inside the caller's slices.
func interleaveAVX(dst, src []float32, ld, kc int) {
	g := kc / 4
	if g > 0 {
		_ = src[(mr-1)*ld+4*g-1]
		_ = dst[mr*4*g-1]
		interleave6x4(g, &src[0], ld, &dst[0])
	}
	for i := 0; i < mr; i++ {
		for p := 4 * g; p < kc; p++ {
			dst[p*mr+i] = src[i*ld+p]
		}
	}
}

// kernel6x16 is in kernel_amd64.s; it computes the same as kernelGo.
//
//go:noescape
func kernel6x16(kc int, ap, bp, c *float32, ldc int, alpha, beta float32)

// kernelAVX2 adapts the assembly kernel to kernelFunc. The slice checks
// keep the assembly's reads and writes inside the caller's slices.
func kernelAVX2(kc int, ap, bp, c []float32, ldc int, alpha, beta float32) {
	_ = ap[kc*mr-1]
	_ = bp[kc*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	kernel6x16(kc, &ap[0], &bp[0], &c[0], ldc, alpha, beta)
}
