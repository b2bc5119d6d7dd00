package ranking

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/agentarena/arena/apperr"
)

// newtonBT maximises the same penalised log-likelihood as FitBTCounts, but
// independently: Newton's method on natural-log strengths θ with
// math.Exp and a dense linear solve, then the same mean anchoring at 1000.
//
//	ℓ(θ) = Σ_i Σ_j w_ij·log σ(θ_i−θ_j) + Σ_i (c/2)·(log σ(θ_i) + log σ(−θ_i))
//
// w_ij is i's wins over j plus half their ties; the prior term is c
// virtual ties against a reference at θ = 0.
func newtonBT(c Counts, prior float64) []float64 {
	n := len(c.Agents)
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	theta := make([]float64, n)
	for range 100 {
		grad := make([]float64, n)
		hess := make([][]float64, n)
		for i := range n {
			hess[i] = make([]float64, n+1) // augmented with −grad
			s := sig(theta[i])
			grad[i] = prior/2 - prior*s
			hess[i][i] = -prior * s * (1 - s)
			for j := range n {
				if j == i {
					continue
				}
				games := float64(c.Wins[i][j] + c.Wins[j][i] + c.Ties[i][j])
				score := float64(c.Wins[i][j]) + float64(c.Ties[i][j])/2
				s := sig(theta[i] - theta[j])
				grad[i] += score - games*s
				hess[i][i] -= games * s * (1 - s)
				hess[i][j] += games * s * (1 - s)
			}
		}
		// Solve hess·δ = −grad by Gaussian elimination with pivoting.
		for i := range n {
			hess[i][n] = -grad[i]
		}
		for k := range n {
			piv := k
			for r := k + 1; r < n; r++ {
				if math.Abs(hess[r][k]) > math.Abs(hess[piv][k]) {
					piv = r
				}
			}
			hess[k], hess[piv] = hess[piv], hess[k]
			for r := k + 1; r < n; r++ {
				f := hess[r][k] / hess[k][k]
				for col := k; col <= n; col++ {
					hess[r][col] -= f * hess[k][col]
				}
			}
		}
		delta := make([]float64, n)
		for k := n - 1; k >= 0; k-- {
			v := hess[k][n]
			for col := k + 1; col < n; col++ {
				v -= hess[k][col] * delta[col]
			}
			delta[k] = v / hess[k][k]
		}
		for i := range n {
			theta[i] += delta[i]
		}
	}
	ratings := make([]float64, n)
	for i := range n {
		ratings[i] = theta[i] * 400 / math.Ln10
	}
	return centred(ratings)
}

// countsOf builds Counts from a compact list of (winner, loser) results.
func countsOf(agents []string, wins map[[2]int]int, ties map[[2]int]int) Counts {
	c := newCounts(agents)
	for k, m := range wins {
		c.Wins[k[0]][k[1]] = m
	}
	for k, m := range ties {
		c.Ties[k[0]][k[1]] = m
		c.Ties[k[1]][k[0]] = m
	}
	return c
}

func TestFitBTMatchesAnIndependentNewtonSolution(t *testing.T) {
	abc := []string{"a", "b", "c"}
	tests := []struct {
		name   string
		counts Counts
		prior  float64
	}{{
		name: "three agents with wins losses and ties agree with Newton's method",
		counts: countsOf(abc,
			map[[2]int]int{{0, 1}: 7, {1, 0}: 3, {1, 2}: 6, {2, 1}: 4, {0, 2}: 5, {2, 0}: 1},
			map[[2]int]int{{0, 1}: 2, {0, 2}: 1}),
	}, {
		name: "an undefeated agent still has the finite rating Newton's method finds",
		counts: countsOf(abc,
			map[[2]int]int{{0, 1}: 9, {0, 2}: 4, {1, 2}: 3, {2, 1}: 2}, nil),
	}, {
		name: "a stronger prior is matched too",
		counts: countsOf(abc,
			map[[2]int]int{{0, 1}: 2, {1, 2}: 1, {2, 0}: 1, {0, 2}: 3}, nil),
		prior: 4,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prior := tt.prior
			if prior == 0 {
				prior = DefaultPrior
			}
			got, err := FitBTCounts(tt.counts, BTOptions{Prior: tt.prior, Tol: 1e-10})
			if err != nil {
				t.Fatal(err)
			}
			if !got.Converged {
				t.Fatalf("fit did not converge in %d iterations", got.Iterations)
			}
			want := newtonBT(tt.counts, prior)
			for i := range want {
				if math.Abs(got.Ratings[i]-want[i]) > 1e-6 {
					t.Errorf("%s: rating %.9f, Newton gives %.9f", got.Agents[i], got.Ratings[i], want[i])
				}
			}
		})
	}
}

func TestFitBTMatchesHandComputedCases(t *testing.T) {
	// Each agent beats the next twice and loses to it once, round the
	// cycle: by symmetry all three are equal, so all sit at the anchor.
	cycle := []Battle{
		{"a", "b", WinnerA}, {"a", "b", WinnerA}, {"a", "b", WinnerB},
		{"b", "c", WinnerA}, {"b", "c", WinnerA}, {"b", "c", WinnerB},
		{"c", "a", WinnerA}, {"c", "a", WinnerA}, {"c", "a", WinnerB},
	}
	// 3 wins to 1 with a negligible prior: p_a/p_b = 3, so the gap is
	// 400·log₁₀3 = 190.848501887865 points, split around 1000.
	gap := 400 * math.Log10(3)
	threeToOne := []Battle{{"a", "b", WinnerA}, {"a", "b", WinnerA}, {"b", "a", WinnerB}, {"b", "a", WinnerA}}
	tests := []struct {
		name    string
		battles []Battle
		opt     BTOptions
		want    []float64
	}{
		{"a symmetric cycle rates everyone at the anchor", cycle, BTOptions{}, []float64{1000, 1000, 1000}},
		{"three wins to one is a 400·log10(3) gap", threeToOne, BTOptions{Prior: 1e-12, Tol: 1e-10}, []float64{1000 + gap/2, 1000 - gap/2}},
		{"a named anchor agent sits exactly at the anchor", threeToOne, BTOptions{Prior: 1e-12, Tol: 1e-10, AnchorAgent: "b", Anchor: 1500}, []float64{1500 + gap, 1500}},
		{"two ties score like a win and a loss", []Battle{{"a", "b", Tie}, {"b", "a", Tie}}, BTOptions{}, []float64{1000, 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FitBT(tt.battles, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range tt.want {
				if math.Abs(got.Ratings[i]-w) > 1e-6 {
					t.Errorf("%s: rating %.9f, want %.9f", got.Agents[i], got.Ratings[i], w)
				}
			}
		})
	}
}

func TestFitBTRecoversTheTrueOrderingOfTwelveAgents(t *testing.T) {
	const agents = 12
	names := agentNames(agents)
	truth := make([]float64, agents)
	for i := range truth {
		truth[i] = 1000 + 45*(float64(i)-5.5) // 45 points apart
	}
	// No ties: ties drawn independently of strength would compress the
	// ratings, and this test is about recovering a true model.
	rng := rand.New(rand.NewPCG(11, 12))
	res, err := FitBT(simulate(rng, names, truth, 24_000, 0), BTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	order := func(r []float64) []int {
		idx := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
		slices.SortFunc(idx, func(a, b int) int { return int(math.Copysign(1, r[a]-r[b])) })
		return idx
	}
	if got, want := order(res.Ratings), order(truth); !slices.Equal(got, want) {
		t.Errorf("fitted order %v, true order %v", got, want)
	}
	for i := range truth {
		if d := math.Abs(res.Ratings[i] - truth[i]); d > 25 {
			t.Errorf("%s: fitted %.1f, true %.1f", names[i], res.Ratings[i], truth[i])
		}
	}
}

func TestFitBTHandlesDegenerateInputs(t *testing.T) {
	t.Run("no battles give an empty result", func(t *testing.T) {
		res, err := FitBT(nil, BTOptions{})
		if err != nil || len(res.Agents) != 0 || len(res.Ratings) != 0 {
			t.Fatalf("got %+v, %v; want an empty result", res, err)
		}
	})
	t.Run("a single agent without battles sits at the anchor", func(t *testing.T) {
		res, err := FitBTCounts(newCounts([]string{"solo"}), BTOptions{})
		if err != nil || res.Ratings[0] != 1000 || res.Battles[0] != 0 {
			t.Fatalf("got %+v, %v; want solo at 1000 with 0 battles", res, err)
		}
	})
	t.Run("an agent that always wins gets a finite top rating", func(t *testing.T) {
		var battles []Battle
		for range 50 {
			battles = append(battles, Battle{"champ", "x", WinnerA}, Battle{"y", "champ", WinnerB}, Battle{"x", "y", WinnerA})
		}
		res, err := FitBT(battles, BTOptions{})
		if err != nil {
			t.Fatal(err)
		}
		top := res.Ratings[0] // "champ" sorts first
		if math.IsInf(top, 0) || math.IsNaN(top) || top < res.Ratings[1] || top < res.Ratings[2] || top > 3000 {
			t.Errorf("champ rated %v among %v", top, res.Ratings)
		}
	})

	invalid := []struct {
		name    string
		battles []Battle
		opt     BTOptions
	}{
		{"a self-battle is rejected", []Battle{{"a", "b", WinnerA}, {"a", "a", WinnerA}}, BTOptions{}},
		{"an empty agent name is rejected", []Battle{{"", "b", WinnerA}}, BTOptions{}},
		{"an unknown winner value is rejected", []Battle{{"a", "b", 3}}, BTOptions{}},
		{"a negative prior is rejected", []Battle{{"a", "b", WinnerA}}, BTOptions{Prior: -1}},
		{"a NaN tolerance is rejected", []Battle{{"a", "b", WinnerA}}, BTOptions{Tol: math.NaN()}},
		{"an unknown anchor agent is rejected", []Battle{{"a", "b", WinnerA}}, BTOptions{AnchorAgent: "z"}},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := FitBT(tt.battles, tt.opt); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("got %v, want an invalid error", err)
			}
		})
	}

	badCounts := []struct {
		name   string
		counts Counts
	}{
		{"counts with a self-battle are rejected", countsOf([]string{"a", "b"}, map[[2]int]int{{0, 0}: 1}, nil)},
		{"asymmetric ties are rejected", Counts{Agents: []string{"a", "b"}, Wins: [][]int{{0, 0}, {0, 0}}, Ties: [][]int{{0, 1}, {0, 0}}}},
		{"negative counts are rejected", countsOf([]string{"a", "b"}, map[[2]int]int{{0, 1}: -1}, nil)},
		{"a ragged matrix is rejected", Counts{Agents: []string{"a", "b"}, Wins: [][]int{{0}, {0, 0}}, Ties: [][]int{{0, 0}, {0, 0}}}},
		{"a duplicate agent is rejected", newCounts([]string{"a", "a"})},
	}
	for _, tt := range badCounts {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := FitBTCounts(tt.counts, BTOptions{}); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("got %v, want an invalid error", err)
			}
		})
	}
}

func TestLog10AgreesWithTheLibraryToAFewUlps(t *testing.T) {
	for _, x := range []float64{1e-300, 1e-9, 0.001, 0.5, 0.70710678, 1, 1.4142, 2, 3, 10, 12345.678, 1e9, 1e300} {
		got, want := log10(x), math.Log10(x)
		if math.Abs(got-want) > 4e-16*math.Max(1, math.Abs(want)) {
			t.Errorf("log10(%g) = %.17g, want %.17g", x, got, want)
		}
	}
}
