package sgemm

// mr×nr is the micro-tile every kernel computes. 6×16 fits the AVX2 kernel's
// register budget: 12 YMM accumulators (6 rows × 2 vectors of 8), 2 for the
// row of B and 2 for broadcasts of A, 16 in all.
const (
	mr = 6
	nr = 16
)

// kernelFunc computes one mr×nr tile over kc steps of packed panels:
//
//	C = alpha·Ap·Bp + beta·C
//
// where ap holds kc groups of mr values of A (column p of the panel at
// ap[p*mr:]) and bp holds kc groups of nr values of B. beta == 0 overwrites
// C without reading it, so NaNs already there do not leak through (BLAS
// semantics). C rows start ldc apart; all mr×nr entries are written.
type kernelFunc func(kc int, ap, bp, c []float32, ldc int, alpha, beta float32)

// interleaveFunc packs one full panel of a non-transposed A: dst[p*mr+i]
// = src[i*ld+p] for i < mr, p < kc. It is the hot loop of packing when n is
// small and A is repacked for every k block.
type interleaveFunc func(dst, src []float32, ld, kc int)

// kernels is one implementation of the machine-specific loops; gemm takes
// it as a value so tests run the portable one on amd64 too.
type kernels struct {
	micro      kernelFunc
	interleave interleaveFunc
}

// portable is the pure-Go implementation: the fallback for other
// architectures and for amd64 CPUs without AVX2/FMA.
var portable = kernels{micro: kernelGo, interleave: interleaveGo}

// interleaveGo is the portable interleaveFunc: it walks each row,
// scattering with stride mr.
func interleaveGo(dst, src []float32, ld, kc int) {
	dst = dst[:mr*kc]
	for i := 0; i < mr; i++ {
		row := src[i*ld : i*ld+kc]
		for p, v := range row {
			dst[p*mr+i] = v
		}
	}
}

// kernelGo is the portable micro-kernel.
func kernelGo(kc int, ap, bp, c []float32, ldc int, alpha, beta float32) {
	var acc [mr * nr]float32
	ap = ap[:kc*mr]
	bp = bp[:kc*nr]
	for p := 0; p < kc; p++ {
		a := ap[p*mr : p*mr+mr : p*mr+mr]
		b := bp[p*nr : p*nr+nr : p*nr+nr]
		for i, ai := range a {
			row := acc[i*nr : i*nr+nr : i*nr+nr]
			for j, bj := range b {
				row[j] += ai * bj
			}
		}
	}
	for i := 0; i < mr; i++ {
		row := acc[i*nr : i*nr+nr : i*nr+nr]
		cr := c[i*ldc : i*ldc+nr : i*ldc+nr]
		if beta == 0 {
			for j, v := range row {
				cr[j] = alpha * v
			}
			continue
		}
		for j, v := range row {
			cr[j] = alpha*v + beta*cr[j]
		}
	}
}
