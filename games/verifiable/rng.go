package verifiable

import "hash/fnv"

// rng is SplitMix64: tiny, fully specified, and the same on every Go
// release and CPU. math/rand's helpers are not promised to stay
// bit-for-bit stable across releases, and a task must be generated the
// same on every replica of a rolling upgrade.
type rng struct{ s uint64 }

func newRNG(seed uint64, salt string) *rng {
	h := fnv.New64a()
	_, _ = h.Write([]byte(salt))
	return &rng{s: seed ^ h.Sum64()}
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n); n must be positive. The modulo bias
// (at most n/2^64) is irrelevant for task generation.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// pick returns one element of list.
func pick[T any](r *rng, list []T) T { return list[r.intn(len(list))] }

// sample returns k distinct elements of list in random order.
func sample[T any](r *rng, list []T, k int) []T {
	c := append([]T(nil), list...)
	for i := 0; i < k; i++ {
		j := i + r.intn(len(c)-i)
		c[i], c[j] = c[j], c[i]
	}
	return c[:k]
}

// shuffle permutes list in place.
func shuffle[T any](r *rng, list []T) {
	for i := len(list) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		list[i], list[j] = list[j], list[i]
	}
}
