package ranking

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/agentarena/arena/apperr"
	"go.uber.org/goleak"
)

func TestBootstrapIntervalsCoverTheTrueRatings(t *testing.T) {
	// Independent data sets from known strengths: a 95% interval should
	// hold the true (mean-anchored) rating about 95% of the time. The
	// interval is per agent, so every agent of every data set is a trial.
	datasets, agents, battles, rounds := 100, 8, 1500, 200
	if testing.Short() {
		datasets, rounds = 30, 100
	}
	names := agentNames(agents)
	covered, trials := 0, 0
	for d := range datasets {
		rng := rand.New(rand.NewPCG(uint64(d), 99))
		truth := make([]float64, agents)
		for i := range truth {
			truth[i] = 800 + 400*rng.Float64()
		}
		truth = centred(truth)
		res, err := Bootstrap(simulate(rng, names, truth, battles, 0), BootstrapOptions{Rounds: rounds, Seed: uint64(d)})
		if err != nil {
			t.Fatal(err)
		}
		for i := range truth {
			trials++
			if res.Lower[i] <= truth[i] && truth[i] <= res.Upper[i] {
				covered++
			}
		}
	}
	rate := float64(covered) / float64(trials)
	t.Logf("coverage %d/%d = %.3f", covered, trials, rate)
	if rate < 0.88 || rate > 0.99 {
		t.Errorf("coverage %.3f outside [0.88, 0.99]", rate)
	}
}

// digest hashes a bootstrap result's numbers bit for bit.
func digest(r BootstrapResult) uint64 {
	h := fnv.New64a()
	for _, xs := range [][]float64{r.Ratings, r.Lower, r.Upper} {
		for _, x := range xs {
			_ = binary.Write(h, binary.LittleEndian, math.Float64bits(x))
		}
	}
	return h.Sum64()
}

func TestBootstrapIsDeterministic(t *testing.T) {
	defer goleak.VerifyNone(t)
	names := agentNames(10)
	truth := make([]float64, 10)
	for i := range truth {
		truth[i] = 900 + 20*float64(i)
	}
	battles := simulate(rand.New(rand.NewPCG(3, 4)), names, truth, 3000, 0.1)
	run := func(seed uint64, workers int) BootstrapResult {
		res, err := Bootstrap(battles, BootstrapOptions{Rounds: 64, Seed: seed, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	base := run(42, 1)
	t.Run("the same seed gives the same bits", func(t *testing.T) {
		if digest(run(42, 1)) != digest(base) {
			t.Error("two runs with seed 42 differ")
		}
	})
	t.Run("the worker count does not change the result", func(t *testing.T) {
		for _, w := range []int{2, 3, 8} {
			if digest(run(42, w)) != digest(base) {
				t.Errorf("%d workers differ from 1", w)
			}
		}
	})
	t.Run("the order of the battles does not change the result", func(t *testing.T) {
		shuffled := slices.Clone(battles)
		rand.New(rand.NewPCG(5, 6)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		res, err := Bootstrap(shuffled, BootstrapOptions{Rounds: 64, Seed: 42, Workers: 2})
		if err != nil || digest(res) != digest(base) {
			t.Errorf("shuffled battles differ (err %v)", err)
		}
	})
	t.Run("another seed gives other intervals", func(t *testing.T) {
		if digest(run(43, 2)) == digest(base) {
			t.Error("seeds 42 and 43 agree to the bit")
		}
	})
	t.Run("every interval holds its point rating", func(t *testing.T) {
		for i, r := range base.Ratings {
			if base.Lower[i] > r || r > base.Upper[i] || base.Upper[i]-base.Lower[i] > 200 {
				t.Errorf("%s: %.1f not in a sensible interval [%.1f, %.1f]", base.Agents[i], r, base.Lower[i], base.Upper[i])
			}
		}
	})
}

func TestBootstrapHandlesDegenerateInputs(t *testing.T) {
	t.Run("no battles give an empty result", func(t *testing.T) {
		res, err := Bootstrap(nil, BootstrapOptions{})
		if err != nil || len(res.Agents) != 0 || len(res.Lower) != 0 || res.Rounds != DefaultRounds {
			t.Fatalf("got %+v, %v", res, err)
		}
	})
	t.Run("a single agent has a zero-width interval at the anchor", func(t *testing.T) {
		res, err := BootstrapCounts(newCounts([]string{"solo"}), BootstrapOptions{Rounds: 10})
		if err != nil || res.Lower[0] != 1000 || res.Upper[0] != 1000 {
			t.Fatalf("got %+v, %v", res, err)
		}
	})
	t.Run("a named anchor agent has a zero-width interval", func(t *testing.T) {
		battles := simulate(rand.New(rand.NewPCG(1, 1)), agentNames(3), []float64{900, 1000, 1100}, 300, 0)
		res, err := Bootstrap(battles, BootstrapOptions{Rounds: 20, BT: BTOptions{AnchorAgent: "agent-001"}})
		if err != nil || math.Abs(res.Lower[1]-1000) > 1e-9 || math.Abs(res.Upper[1]-1000) > 1e-9 {
			t.Fatalf("got %+v, %v", res, err)
		}
	})
	for _, tt := range []struct {
		name string
		opt  BootstrapOptions
	}{
		{"negative rounds are rejected", BootstrapOptions{Rounds: -1}},
		{"negative workers are rejected", BootstrapOptions{Workers: -2}},
		{"a NaN tolerance is rejected", BootstrapOptions{Tol: math.NaN()}},
		{"an invalid fit option is rejected", BootstrapOptions{BT: BTOptions{Prior: -1}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Bootstrap([]Battle{{"a", "b", WinnerA}}, tt.opt); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("got %v, want an invalid error", err)
			}
		})
	}
	t.Run("a self-battle is rejected", func(t *testing.T) {
		if _, err := Bootstrap([]Battle{{"a", "a", Tie}}, BootstrapOptions{}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("got %v, want an invalid error", err)
		}
	})
}

func TestPercentileInterpolatesBetweenOrderStatistics(t *testing.T) {
	xs := []float64{10, 20, 30, 40, 50}
	for _, tt := range []struct {
		q, want float64
	}{{0, 10}, {0.25, 20}, {0.5, 30}, {0.1, 14}, {0.975, 49}, {1, 50}} {
		if got := percentile(xs, tt.q); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("percentile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
}
