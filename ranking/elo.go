// Package ranking computes ratings from contest results.
//
// Everything here runs inside the replicated state machine, so it is pure
// and deterministic to the bit: no clocks, no map iteration, no library
// transcendental functions (math.Exp picks an FMA code path at run time on
// amd64, so two nodes could disagree in the last bit), and every float
// product is wrapped in float64() so the compiler cannot fuse it into a
// multiply-add on architectures that have one.
package ranking

import (
	"fmt"
	"math"
	"slices"

	"github.com/agentarena/arena/apperr"
)

// Rating is an Elo rating in fixed point: integer thousandths of a rating
// point. Ratings are stored and replicated as integers so that nodes on
// different CPU architectures hold identical bytes; floats exist only
// transiently inside one deterministic computation.
type Rating int64

const (
	// Point is one rating point in fixed point.
	Point Rating = 1000
	// InitialRating is what a new agent starts at: 1000 points.
	InitialRating Rating = 1000 * Point
	// Scale and Base define the Elo curve: a Scale-point advantage means
	// Base-to-one odds of winning.
	Scale = 400.0
	Base  = 10.0
	// DefaultK is a conventional K-factor for arenas that do not set one.
	DefaultK = 32.0
)

// Float returns r in rating points.
func (r Rating) Float() float64 { return float64(r) / float64(Point) }

// FromFloat converts rating points to fixed point, rounding half away from
// zero. NaN becomes 0 and values outside int64 saturate, because Go leaves
// an out-of-range float-to-int conversion implementation-defined, which
// would differ between architectures.
func FromFloat(f float64) Rating { return fromUnits(float64(f * float64(Point))) }

// fromUnits rounds a value already expressed in thousandths.
func fromUnits(x float64) Rating {
	switch {
	case math.IsNaN(x):
		return 0
	case x >= math.MaxInt64: // 2^63 as a float64; anything above overflows
		return math.MaxInt64
	case x <= math.MinInt64:
		return math.MinInt64
	}
	return Rating(math.Round(x)) // math.Round: half away from zero, exact
}

// String formats r with three decimals, e.g. "1200.000" or "-7.688",
// using integer arithmetic so it never shows float noise.
func (r Rating) String() string {
	sign := ""
	u := uint64(r)
	if r < 0 {
		sign = "-"
		u = -u // two's complement negation also handles MinInt64
	}
	return fmt.Sprintf("%s%d.%03d", sign, u/1000, u%1000)
}

// ExpectedScore is the Elo expectation of a against b:
// E_a = 1 / (1 + Base^((R_b − R_a)/Scale)).
func ExpectedScore(a, b Rating) float64 {
	// Subtract as floats: int64 subtraction could overflow for extreme
	// ratings, and float64 holds any realistic rating exactly.
	x := (b.Float() - a.Float()) / Scale
	return 1 / (1 + pow10(x))
}

// EloUpdate returns each entry's rating change for one contest.
//
// ratings[i] is entry i's pre-contest rating and ranks[i] its placement:
// lower is better, equal ranks are ties, and only the order matters (0,0,2
// and 0,0,1 mean the same). The ranking counts as all N(N−1)/2 pairs, each
// scored 1, ½ or 0, with K scaled by 1/(N−1) so a contest moves a rating
// about as much as one two-player game does. Every pair uses the
// pre-contest ratings, so the result does not depend on entry order beyond
// the documented rounding tie-break.
//
// Deltas are rounded to fixed point and always sum to exactly zero: see
// settle for how the rounding residue is placed.
func EloUpdate(ratings []Rating, ranks []int, k float64) ([]Rating, error) {
	n := len(ratings)
	switch {
	case n != len(ranks):
		return nil, apperr.New(apperr.Invalid, "elo: %d ratings but %d ranks", n, len(ranks))
	case n < 2:
		return nil, apperr.New(apperr.Invalid, "elo: a contest needs at least 2 entries, got %d", n)
	case math.IsNaN(k) || math.IsInf(k, 0) || k <= 0:
		return nil, apperr.New(apperr.Invalid, "elo: k must be a positive finite number, got %v", k)
	}
	for i, r := range ranks {
		if r < 0 {
			return nil, apperr.New(apperr.Invalid, "elo: rank of entry %d is negative (%d)", i, r)
		}
	}

	kp := k / float64(n-1)
	units := make([]float64, n)
	for i := range n {
		// Sum entry i's own pairs in ascending j. Two tied, equal-rated
		// entries then add the same terms in the same order (their mutual
		// term is exactly 0), so their raw deltas are bit-identical.
		var d float64
		for j := range n {
			if j == i {
				continue
			}
			s := score(ranks[i], ranks[j])
			d += float64(kp * (s - ExpectedScore(ratings[i], ratings[j])))
		}
		units[i] = float64(d * float64(Point))
	}
	return settle(units), nil
}

// score is entry a's result against entry b from their ranks.
func score(a, b int) float64 {
	switch {
	case a < b:
		return 1
	case a == b:
		return 0.5
	}
	return 0
}

// settle rounds raw deltas (in thousandths) to fixed point so that they sum
// to exactly zero, which keeps the rating pool constant per contest.
//
// Each value is rounded half away from zero; the rounded values then miss
// zero by a small residue S (|S| < N, since each rounding moves a value by
// at most ½ and the raw values sum to zero up to float noise). The residue
// is removed one thousandth at a time from the entries whose rounding moved
// them furthest in the residue's direction — largest (rounded − raw) when
// S > 0, largest (raw − rounded) when S < 0 — ties going to the lower
// index. That keeps every delta within one thousandth of its exact value
// and makes the choice a pure function of the inputs.
func settle(units []float64) []Rating {
	n := len(units)
	out := make([]Rating, n)
	var sum Rating
	for i, x := range units {
		out[i] = fromUnits(x)
		sum += out[i]
	}
	if sum == 0 {
		return out
	}
	step := Rating(-1) // too much handed out: take back
	if sum < 0 {
		step = 1
	}
	// pull(i) is how far rounding pushed entry i against the fix's
	// direction; the biggest pulls are corrected first.
	pull := func(i int) float64 {
		if step < 0 {
			return float64(out[i]) - units[i]
		}
		return units[i] - float64(out[i])
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		pa, pb := pull(a), pull(b)
		switch {
		case pa > pb:
			return -1
		case pa < pb:
			return 1
		}
		return a - b
	})
	for u := 0; sum != 0; u++ {
		i := order[u%n] // wraps only if float noise made |S| ≥ N
		out[i] += step
		sum += step
	}
	return out
}

// Coefficients 1/n! for the Taylor series of e^r. They are constant
// expressions, evaluated exactly by the compiler and rounded once.
var expCoeffs = [...]float64{
	1, 1, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
	1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800,
	1.0 / 479001600, 1.0 / 6227020800, 1.0 / 87178291200,
}

// log2of10 is log₂10, folded exactly by the compiler and rounded once.
const log2of10 = math.Log2E * math.Ln10

// pow10 returns 10^x using only IEEE-754 basic operations (each rounded
// individually) and exact bit manipulation, so every platform computes the
// same bits. Accuracy is within a few ulps, far finer than the thousandth
// that deltas are rounded to.
func pow10(x float64) float64 {
	// Beyond ±300 the expected score is 0 or 1 to within 1e-300 anyway;
	// clamping keeps Ldexp's exponent in range.
	x = max(-300, min(300, x))
	t := float64(x * log2of10) // 10^x = 2^t
	k := math.Round(t)
	f := t - k                 // exact: |f| ≤ ½
	r := float64(f * math.Ln2) // 2^f = e^r with |r| ≤ 0.347
	// Horner; the truncation error r^15/15! < 1e-19.
	p := expCoeffs[len(expCoeffs)-1]
	for i := len(expCoeffs) - 2; i >= 0; i-- {
		p = expCoeffs[i] + float64(p*r)
	}
	return math.Ldexp(p, int(k))
}
