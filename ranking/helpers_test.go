package ranking

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// agentNames returns n names that sort in index order.
func agentNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("agent-%03d", i)
	}
	return out
}

// simulate draws battles between uniformly chosen distinct agents whose
// true Elo-scale ratings are given; a fraction tieRate of battles are ties,
// the rest are won per the Bradley–Terry probability.
func simulate(rng *rand.Rand, names []string, ratings []float64, battles int, tieRate float64) []Battle {
	out := make([]Battle, battles)
	n := len(names)
	for k := range out {
		i := rng.IntN(n)
		j := rng.IntN(n - 1)
		if j >= i {
			j++
		}
		b := Battle{A: names[i], B: names[j], Winner: WinnerB}
		pA := 1 / (1 + math.Pow(10, (ratings[j]-ratings[i])/400))
		switch {
		case rng.Float64() < tieRate:
			b.Winner = Tie
		case rng.Float64() < pA:
			b.Winner = WinnerA
		}
		out[k] = b
	}
	return out
}

// centred shifts ratings so their mean is 1000, the fit's default anchor.
func centred(ratings []float64) []float64 {
	var sum float64
	for _, r := range ratings {
		sum += r
	}
	out := make([]float64, len(ratings))
	for i, r := range ratings {
		out[i] = r - sum/float64(len(ratings)) + 1000
	}
	return out
}
