package ranking

import "math"

// Coefficients 1/(2k+1) of the series ln m = 2·(s + s³/3 + s⁵/5 + …),
// s = (m−1)/(m+1); constant expressions, each rounded once.
var atanhCoeffs = [...]float64{
	1, 1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11, 1.0 / 13, 1.0 / 15,
	1.0 / 17, 1.0 / 19, 1.0 / 21, 1.0 / 23, 1.0 / 25,
}

// log10of2 is log₁₀2, folded exactly by the compiler and rounded once.
const log10of2 = math.Ln2 / math.Ln10

// log10 returns log₁₀x for finite x > 0 using only IEEE-754 basic
// operations and exact bit manipulation, for the same reason pow10 exists:
// math.Log has per-architecture implementations that may differ in the
// last bit, and ratings must not. Accurate to a few ulps.
func log10(x float64) float64 {
	m, e := math.Frexp(x) // x = m·2^e, m ∈ [½, 1): exact
	if m < math.Sqrt2/2 {
		m, e = m*2, e-1 // now m ∈ [√½, √2): exact
	}
	s := (m - 1) / (m + 1) // |s| ≤ 0.172, so s² ≤ 0.0295
	s2 := float64(s * s)
	// Horner; the first omitted term s²⁷/27 < 1e-21 relative to s.
	q := atanhCoeffs[len(atanhCoeffs)-1]
	for k := len(atanhCoeffs) - 2; k >= 0; k-- {
		q = atanhCoeffs[k] + float64(q*s2)
	}
	lnm := float64(2 * float64(s*q))
	return float64(float64(e)*log10of2) + float64(lnm/math.Ln10)
}
