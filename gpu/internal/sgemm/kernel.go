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

// kernelGo is the portable micro-kernel: the fallback for other
// architectures and for amd64 CPUs without AVX2/FMA.
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
