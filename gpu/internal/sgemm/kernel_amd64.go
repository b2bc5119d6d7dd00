package sgemm

// defaultKernel is chosen once at init from the CPU's features; it is the
// package's only global state and never changes afterwards.
var defaultKernel = pickKernel(hasAVX2FMA())

func pickKernel(avx2fma bool) kernelFunc {
	if avx2fma {
		return kernelAVX2
	}
	return kernelGo
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
