package judges

import mrand "math/rand/v2"

// Shuffle returns a permutation of 0..n-1 drawn from seed (Fisher–Yates
// over PCG): the order a panel or an AI judge shows entries in, so no
// judge sees them in the order the contest seated them. Verdicts record
// the permutation itself, so an audit does not depend on this function's
// stream staying the same across releases.
func Shuffle(n int, seed uint64) []int {
	r := mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		k := r.IntN(i + 1)
		p[i], p[k] = p[k], p[i]
	}
	return p
}
