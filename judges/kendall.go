package judges

import (
	"cmp"
	"math"
)

// KendallTauB is Kendall's rank correlation between two rankings of the
// same entries, in the tau-b form that corrects for ties:
//
//	tau_b = (C − D) / sqrt((P − Ta)(P − Tb))
//
// over the P = n(n−1)/2 pairs of entries, where C pairs are ordered the
// same way by both rankings, D the opposite way, and Ta (Tb) are tied in
// a (b). A pair tied in either ranking counts as neither concordant nor
// discordant. Values are places (lower = better) or any other numbers
// where only the order matters. It is 1 for identical orders, −1 for
// reversed ones; ok is false when it is undefined: lengths differ, fewer
// than two entries, or a ranking ties every entry (nothing to correlate).
func KendallTauB(a, b []int) (tau float64, ok bool) {
	n := len(a)
	if n != len(b) || n < 2 {
		return 0, false
	}
	var c, d, ta, tb int
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			sa, sb := cmp.Compare(a[i], a[j]), cmp.Compare(b[i], b[j])
			switch {
			case sa == 0 && sb == 0:
				ta++
				tb++
			case sa == 0:
				ta++
			case sb == 0:
				tb++
			case sa == sb:
				c++
			default:
				d++
			}
		}
	}
	p := n * (n - 1) / 2
	den := math.Sqrt(float64(p-ta) * float64(p-tb))
	if den == 0 {
		return 0, false
	}
	return float64(c-d) / den, true
}
