package ranking

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"slices"
	"testing"

	"github.com/agentarena/arena/apperr"
	"pgregory.net/rapid"
)

func pts(p ...float64) []Rating {
	out := make([]Rating, len(p))
	for i, f := range p {
		out[i] = FromFloat(f)
	}
	return out
}

// The reference values below are worked by hand from
// E_a = 1/(1+10^((R_b−R_a)/400)) and Δ = K/(N−1) · Σ (S − E), using
// 10^0.25 = 1.7782794100, 10^0.5 = 3.1622776602. Results are in points,
// rounded half away from zero to thousandths.
func TestEloUpdateMatchesHandComputedValues(t *testing.T) {
	tests := []struct {
		name    string
		ratings []Rating
		ranks   []int
		k       float64
		want    []Rating
	}{{
		// E = 1/(1+10^0) = 0.5; Δ = 32·(1−0.5) = 16.
		name: "a win between equals moves half of K", ratings: pts(1000, 1000), ranks: []int{0, 1}, k: 32,
		want: pts(16, -16),
	}, {
		// E = 1/(1+10^(−200/400)) = 1/(1+0.3162277660) = 0.7597469266;
		// Δ = 32·(1−0.7597469266) = 32·0.2402530734 = 7.6880983 → 7.688.
		name: "a favourite's win earns little", ratings: pts(1200, 1000), ranks: []int{0, 1}, k: 32,
		want: pts(7.688, -7.688),
	}, {
		// Underdog's E = 1 − 0.7597469266 = 0.2402530734;
		// Δ = 32·(1−0.2402530734) = 32·0.7597469266 = 24.3119017 → 24.312.
		name: "an upset earns a lot", ratings: pts(1200, 1000), ranks: []int{1, 0}, k: 32,
		want: pts(-24.312, 24.312),
	}, {
		// Δ_1200 = 32·(0.5−0.7597469266) = 32·(−0.2597469266) = −8.3119017.
		name: "a draw moves points from the favourite to the underdog", ratings: pts(1200, 1000), ranks: []int{0, 0}, k: 32,
		want: pts(-8.312, 8.312),
	}, {
		// K/(N−1) = 16. E(1000 vs 1100) = 1/(1+10^0.25) = 1/2.7782794100 = 0.3599350002,
		// E(1000 vs 1200) = 0.2402530734, E(1100 vs 1200) = 0.3599350002.
		// 1000 (1st): 16·(1−0.3599350002) + 16·(1−0.2402530734) = 10.2410400 + 12.1559508 = 22.3969908
		// 1100 (3rd): 16·(0−0.6400649998) + 16·(0−0.3599350002) = −16 exactly
		// 1200 (2nd): 16·(0−0.7597469266) + 16·(1−0.6400649998) = −12.1559508 + 5.7589600 = −6.3969908
		name: "a three-player ranking counts each pair with K halved", ratings: pts(1000, 1100, 1200), ranks: []int{0, 2, 1}, k: 32,
		want: pts(22.397, -16, -6.397),
	}, {
		// K/(N−1) = 32/3. All E = 0.5. First: 3 wins → 3·0.5·32/3 = 16.
		// The tied pair: one loss (−0.5), one draw (0), one win (+0.5) → 0.
		// Last: 3 losses → −16.
		name: "a shared rank among equals nets the tied players nothing", ratings: pts(1000, 1000, 1000, 1000), ranks: []int{0, 1, 1, 3}, k: 32,
		want: pts(16, 0, 0, -16),
	}, {
		// K/(N−1) = 32/3. Each 1000 draws the other 1000 (0) and beats both
		// 1200s: 2·(1−0.2402530734) = 1.5194938532; ·32/3 = 16.2079345 → 16.208.
		// The 1200s mirror it: 2·(0−0.7597469266)·32/3 = −16.2079345.
		name: "tied underdogs who beat tied favourites split the gain", ratings: pts(1000, 1000, 1200, 1200), ranks: []int{0, 0, 1, 1}, k: 32,
		want: pts(16.208, 16.208, -16.208, -16.208),
	}, {
		name: "only the order of ranks matters", ratings: pts(1000, 1100, 1200), ranks: []int{0, 9, 4}, k: 32,
		want: pts(22.397, -16, -6.397),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EloUpdate(tt.ratings, tt.ranks, tt.k)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("deltas = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEloUpdateRejectsMalformedContests(t *testing.T) {
	tests := []struct {
		name    string
		ratings []Rating
		ranks   []int
		k       float64
	}{
		{"lengths must agree", pts(1000, 1000), []int{0}, 32},
		{"one entry is not a contest", pts(1000), []int{0}, 32},
		{"ranks cannot be negative", pts(1000, 1000), []int{0, -1}, 32},
		{"k must be positive", pts(1000, 1000), []int{0, 1}, 0},
		{"k must be finite", pts(1000, 1000), []int{0, 1}, math.Inf(1)},
		{"k must be a number", pts(1000, 1000), []int{0, 1}, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EloUpdate(tt.ratings, tt.ranks, tt.k)
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("err = %v, want an invalid error", err)
			}
		})
	}
}

func TestSettlePlacesTheResidueDeterministically(t *testing.T) {
	tests := []struct {
		name  string
		units []float64
		want  []Rating
	}{
		// Rounding gives 1, 1, −1 (sum +1); both halves were pulled up by
		// 0.5, so the lower index gives the thousandth back.
		{"an excess is taken from the lowest index among equal pulls", []float64{0.5, 0.5, -1}, []Rating{0, 1, -1}},
		// Rounding gives −1, −1, 1 (sum −1); mirror image.
		{"a shortfall is given to the lowest index among equal pulls", []float64{-0.5, -0.5, 1}, []Rating{0, -1, 1}},
		// Rounding gives 0, 0, −1 (sum −1); raw−rounded is 0.4, 0.4, 0.2,
		// so a thousandth goes to index 0 (tied with 1, lower index wins).
		{"the entry rounded furthest down is raised first", []float64{0.4, 0.4, -0.8}, []Rating{1, 0, -1}},
		{"exact values are left alone", []float64{16000, -16000}, []Rating{16000, -16000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := settle(tt.units); !slices.Equal(got, tt.want) {
				t.Fatalf("settle(%v) = %v, want %v", tt.units, got, tt.want)
			}
		})
	}
}

func TestFromFloatRoundsHalfAwayFromZero(t *testing.T) {
	tests := []struct {
		name string
		in   float64
		want Rating
	}{
		{"a whole rating is exact", 1000, 1_000_000},
		{"a positive half thousandth rounds up", 0.0005, 1},
		{"a negative half thousandth rounds down", -0.0005, -1},
		{"just under half rounds toward zero", 7.6880983, 7688},
		{"NaN becomes zero", math.NaN(), 0},
		{"huge values saturate", 1e300, math.MaxInt64},
		{"huge negative values saturate", -1e300, math.MinInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromFloat(tt.in); got != tt.want {
				t.Fatalf("FromFloat(%v) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestRatingStringShowsThreeDecimals(t *testing.T) {
	for r, want := range map[Rating]string{
		InitialRating: "1000.000", -7688: "-7.688", 5: "0.005", math.MinInt64: "-9223372036854775.808",
	} {
		if got := r.String(); got != want {
			t.Errorf("Rating(%d).String() = %q, want %q", int64(r), got, want)
		}
	}
}

func TestPow10AgreesWithTheStandardLibrary(t *testing.T) {
	for x := -12.0; x <= 12; x += 0.0013 {
		got, want := pow10(x), math.Pow(10, x)
		if rel := math.Abs(got-want) / want; rel > 1e-14 {
			t.Fatalf("pow10(%v) = %v, math.Pow = %v (rel err %g)", x, got, want, rel)
		}
	}
	if got := pow10(0); got != 1 {
		t.Fatalf("pow10(0) = %v, want exactly 1 so equal ratings expect exactly ½", got)
	}
}

// Nodes must agree on every bit of every expected score, on every CPU and
// GOAMD64 level. This pins the exact bits over a sweep of rating gaps; if it
// ever changes, ratings computed by old and new binaries diverge, so a change
// here is a replicated-state format change, not a refactor.
func TestExpectedScoreBitsArePinned(t *testing.T) {
	h := fnv.New64a()
	var b [8]byte
	for d := int64(-3_000_000); d <= 3_000_000; d += 997 {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(ExpectedScore(InitialRating+Rating(d), InitialRating)))
		h.Write(b[:])
	}
	if got, want := h.Sum64(), uint64(0xfce5ba2c6bb1694d); got != want {
		t.Fatalf("expected-score bits hash = %#x, want %#x", got, want)
	}
	if got := math.Float64bits(ExpectedScore(1200*Point, 1000*Point)); got != 0x3fe84fd8c966104d {
		t.Fatalf("E(1200 vs 1000) bits = %#x", got)
	}
}

// Elo's invariants over random contests: the pool is conserved exactly,
// nobody moves more than K, and among equal-rated entries a better rank
// never ends below a worse one.
func TestEloUpdateProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 8).Draw(t, "n")
		ratings := make([]Rating, n)
		ranks := make([]int, n)
		for i := range n {
			// A few distinct ratings so equal-rated pairs are common.
			ratings[i] = Rating(rapid.SampledFrom([]int64{0, 800_000, 1_000_000, 1_000_001, 1_234_567, 2_900_000}).Draw(t, "rating"))
			ranks[i] = rapid.IntRange(0, n-1).Draw(t, "rank")
		}
		k := rapid.Float64Range(1, 64).Draw(t, "k")

		deltas, err := EloUpdate(ratings, ranks, k)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := EloUpdate(ratings, ranks, k)
		if !slices.Equal(deltas, again) {
			t.Fatalf("not deterministic: %v then %v", deltas, again)
		}
		var sum Rating
		for _, d := range deltas {
			sum += d
			if d.Float() > k+0.001 || d.Float() < -k-0.001 {
				t.Fatalf("delta %v exceeds K=%v", d, k)
			}
		}
		if sum != 0 {
			t.Fatalf("deltas %v sum to %v, want exactly 0", deltas, sum)
		}
		allEqual := true
		for i := range n {
			allEqual = allEqual && ratings[i] == ratings[0]
			for j := range n {
				if ratings[i] != ratings[j] {
					continue
				}
				if ranks[i] < ranks[j] && deltas[i] < deltas[j] {
					t.Fatalf("entry %d outranked equal-rated %d but got %v < %v", i, j, deltas[i], deltas[j])
				}
				if ranks[i] == ranks[j] && (deltas[i]-deltas[j] > 1 || deltas[j]-deltas[i] > 1) {
					t.Fatalf("tied equal-rated entries %d and %d differ by more than rounding: %v vs %v", i, j, deltas[i], deltas[j])
				}
			}
		}
		if allEqual {
			best := slices.Min(ranks)
			for i := range n {
				if ranks[i] == best && deltas[i] < 0 {
					t.Fatalf("best-ranked entry %d among equals lost points: %v", i, deltas[i])
				}
			}
		}
	})
}
