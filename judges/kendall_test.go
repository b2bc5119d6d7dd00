package judges

import (
	"math"
	"testing"
)

func TestKendallTauB(t *testing.T) {
	cases := []struct {
		name string
		a, b []int
		want float64
		ok   bool
	}{
		{"identical", []int{0, 1, 2, 3}, []int{0, 1, 2, 3}, 1, true},
		{"reversed", []int{0, 1, 2, 3}, []int{3, 2, 1, 0}, -1, true},
		// One discordant pair of six: (5 − 1) / 6.
		{"one swap", []int{0, 1, 2, 3}, []int{0, 2, 1, 3}, 2.0 / 3, true},
		// A tie in a: C = 2, D = 0, Ta = 1, Tb = 0: 2 / sqrt(2·3).
		{"a tie on one side", []int{0, 0, 2}, []int{0, 1, 2}, 2 / math.Sqrt(6), true},
		// C = 1, D = 1 with a tie on each side: 0.
		{"ties on both sides", []int{0, 0, 1, 1}, []int{0, 1, 0, 1}, 0, true},
		// Pairs tied in both rankings count in Ta and Tb: C = 2, Ta = Tb = 1: 2 / 2.
		{"a pair tied in both", []int{0, 0, 2}, []int{1, 1, 3}, 1, true},
		// scipy.stats.kendalltau's documented example.
		{"scipy's example", []int{12, 2, 1, 12, 2}, []int{1, 4, 7, 1, 0}, -0.47140452079103173, true},
		{"everything tied is undefined", []int{0, 0, 0}, []int{0, 1, 2}, 0, false},
		{"one entry is undefined", []int{0}, []int{0}, 0, false},
		{"different lengths are undefined", []int{0, 1}, []int{0, 1, 2}, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := KendallTauB(tc.a, tc.b)
			if ok != tc.ok || math.Abs(got-tc.want) > 1e-12 {
				t.Fatalf("KendallTauB = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
			if back, _ := KendallTauB(tc.b, tc.a); back != got {
				t.Fatalf("not symmetric: %v vs %v", got, back)
			}
		})
	}
}
