package ranking

import (
	"math"
	"math/rand/v2"
	"testing"
)

// record is A's w wins and l losses against B.
func record(w, l int) []Battle {
	var out []Battle
	for range w {
		out = append(out, Battle{"A", "B", WinnerA})
	}
	for range l {
		out = append(out, Battle{"A", "B", WinnerB})
	}
	return out
}

// Reference values, derived by hand and checked with mpmath at 40 digits.
// k = 400/ln 10 = 173.7177927613007 rating points per unit of θ = ln p.
//
// Two agents, prior 1. Adding the two score equations (W_i + ½ =
// Σ_j n_ij·q_ij + s_i) gives s_A + s_B = 1, i.e. p_A·p_B = 1, whatever the
// record. With x = p_A: W_A + ½ = n·x²/(x²+1) + x/(x+1), q = x²/(x²+1),
// h = q(1−q), a = s_A(1−s_A) = s_B(1−s_B) = x/(x+1)², and
//
//	H = [[a + n·h, −n·h], [−n·h, a + n·h]].
//
// v = e_A − ½·1 = (½, −½) is an eigenvector of H with eigenvalue
// λ = a + 2n·h, so with mean anchoring vᵀH⁻¹v = ½/λ and SE = k·√(½/λ),
// the same for both agents; the ratings are 1000 ± k·ln x. Anchored at B,
// v = e_A − e_B = (1, −1), so SE_A = k·√(2/λ) and r_A = 1000 + 2k·ln x.
//
//	1–0:   x = 2.130395434767279, q = 0.819448459735676,
//	       h = 0.147952681572504, a = 0.217401141308180,
//	       H = [[0.365353822880684, −0.147952681572504], …],
//	       λ = 0.513306504453188, r_A = 1131.384089112214,
//	       SE = 171.4513547177727; anchored at B: r_A = 1262.768178224429,
//	       SE_A = 342.9027094355453.
//	3–0:   x = 3.224169871088594, q = 0.912244301288188,
//	       h = 0.0800546360554139, a = 0.180690436092415,
//	       λ = 0.661018252424898, r_A = 1203.367166123310,
//	       SE = 151.0854279208992.
//	30–10: x = 1.716948241269611, q = 0.746701500278974,
//	       h = 0.189138369760103, a = 0.232591839344625,
//	       λ = 15.3636614201529, r_A = 1093.902881286309,
//	       SE = 31.33876955751668.
//	one tie: x = 1, q = s = ½, h = a = ¼, λ = ¾: SE = k·√(2/3) =
//	       141.8399838359133; anchored at B, SE_A = k·√(8/3) =
//	       283.6799676718266.
//	no battles (both listed): x = 1, λ = a = ¼: SE = k·√2 =
//	       245.6740585485502.
//
// Three agents a, b, c (prior 1): a beat b twice, b beat c once, a tied c
// once. Newton's method on the score equations gives p = (2.314879847513744,
// 0.7665292248271803, 0.5816574169818877), ratings (1143.981456057069,
// 951.9815613993853, 904.0369825435457) and
//
//	H = [[ 0.744907598310309, −0.373756241214228, −0.160486122494710],
//	     [−0.373756241214228,  0.864688536563111, −0.245299096397417],
//	     [−0.160486122494710, −0.245299096397417,  0.638295641670245]],
//	Σ = [[2.181233947582463, 1.232806803535166, 1.022197444014789],
//	     [1.232806803535166, 1.994761849875131, 1.076557034274513],
//	     [1.022197444014789, 1.076557034274513, 2.237406741811273]],
//
// so with mean anchoring SE = k·√((e_i − ⅓·1)ᵀΣ(e_i − ⅓·1)) =
// (142.9021876876093, 132.1045813853721, 155.3371087121070), and anchored
// at b, SE = k·√(Σ_ii − 2Σ_ib + Σ_bb) = (227.1908756855813, 0,
// 250.4824151236530), ratings (1191.999894657684, 1000, 952.0554211441604).
//
// A beat B once and C, listed, has no battles: C keeps p_C = 1 and H gains
// a block of its own, the prior's ¼. Mean anchoring now averages in C's
// unknown level: SE = (224.7659407961123, 224.7659407961123,
// 290.6830652611326).
func TestWaldSEMatchesHandComputedCurvature(t *testing.T) {
	abc := []string{"a", "b", "c"}
	chain := countsOf(abc, map[[2]int]int{{0, 1}: 2, {1, 2}: 1}, map[[2]int]int{{0, 2}: 1})
	tests := []struct {
		name    string
		counts  Counts
		opt     BTOptions
		ratings []float64
		se      []float64
	}{
		{"A beat B once", mustCounts(t, record(1, 0)), BTOptions{},
			[]float64{1131.384089112214, 868.615910887786}, []float64{171.4513547177727, 171.4513547177727}},
		{"A beat B three times", mustCounts(t, record(3, 0)), BTOptions{},
			[]float64{1203.367166123310, 796.632833876690}, []float64{151.0854279208992, 151.0854279208992}},
		{"A beat B 30 to 10", mustCounts(t, record(30, 10)), BTOptions{},
			[]float64{1093.902881286309, 906.097118713691}, []float64{31.33876955751668, 31.33876955751668}},
		{"A beat B once, anchored at B", mustCounts(t, record(1, 0)), BTOptions{AnchorAgent: "B"},
			[]float64{1262.768178224429, 1000}, []float64{342.9027094355453, 0}},
		{"one tie counts as a battle", mustCounts(t, []Battle{{"A", "B", Tie}}), BTOptions{},
			[]float64{1000, 1000}, []float64{141.8399838359133, 141.8399838359133}},
		{"one tie, anchored at B", mustCounts(t, []Battle{{"A", "B", Tie}}), BTOptions{AnchorAgent: "B"},
			[]float64{1000, 1000}, []float64{283.6799676718266, 0}},
		{"two agents without battles have only the prior", newCounts([]string{"A", "B"}), BTOptions{},
			[]float64{1000, 1000}, []float64{245.6740585485502, 245.6740585485502}},
		{"three agents", chain, BTOptions{},
			[]float64{1143.981456057069, 951.9815613993853, 904.0369825435457},
			[]float64{142.9021876876093, 132.1045813853721, 155.3371087121070}},
		{"three agents anchored at the middle one", chain, BTOptions{AnchorAgent: "b"},
			[]float64{1191.999894657684, 1000, 952.0554211441604},
			[]float64{227.1908756855813, 0, 250.4824151236530}},
		{"an agent without battles is widest", countsOf(abc, map[[2]int]int{{0, 1}: 1}, nil), BTOptions{},
			[]float64{1131.384089112214, 868.615910887786, 1000},
			[]float64{224.7659407961123, 224.7659407961123, 290.6830652611326}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, se, err := percentileBootstrap(tt.counts, BootstrapOptions{Rounds: 10, BT: tt.opt})
			if err != nil {
				t.Fatal(err)
			}
			if len(se) != len(tt.se) {
				t.Fatalf("got %d standard errors, want %d", len(se), len(tt.se))
			}
			for i := range tt.se {
				if math.Abs(res.Ratings[i]-tt.ratings[i]) > 1e-6 {
					t.Errorf("%s: rating %.9f, want %.9f", res.Agents[i], res.Ratings[i], tt.ratings[i])
				}
				if math.Abs(se[i]-tt.se[i]) > 1e-6 {
					t.Errorf("%s: SE %.9f, want %.9f", res.Agents[i], se[i], tt.se[i])
				}
			}
		})
	}
}

func TestBootstrapIntervalsDoNotCollapseOnOneSidedRecords(t *testing.T) {
	// Every resample of these records is the record itself, so the
	// percentile bootstrap alone gives Lower = Upper = rating, and the
	// winner would rank above the loser after a single game. The Wald
	// term gives rating ± 1.96·SE (reference values above).
	tests := []struct {
		name         string
		battles      []Battle
		opt          BTOptions
		lower, upper []float64
	}{
		{"one game", record(1, 0), BTOptions{},
			[]float64{1131.384089112214 - 1.96*171.4513547177727, 868.615910887786 - 1.96*171.4513547177727},
			[]float64{1131.384089112214 + 1.96*171.4513547177727, 868.615910887786 + 1.96*171.4513547177727}},
		{"three to nil", record(3, 0), BTOptions{},
			[]float64{1203.367166123310 - 1.96*151.0854279208992, 796.632833876690 - 1.96*151.0854279208992},
			[]float64{1203.367166123310 + 1.96*151.0854279208992, 796.632833876690 + 1.96*151.0854279208992}},
		{"one game, anchored at the loser", record(1, 0), BTOptions{AnchorAgent: "B"},
			[]float64{1262.768178224429 - 1.96*342.9027094355453, 1000},
			[]float64{1262.768178224429 + 1.96*342.9027094355453, 1000}},
		{"one tie", []Battle{{"A", "B", Tie}}, BTOptions{},
			[]float64{1000 - 1.96*141.8399838359133, 1000 - 1.96*141.8399838359133},
			[]float64{1000 + 1.96*141.8399838359133, 1000 + 1.96*141.8399838359133}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Bootstrap(tt.battles, BootstrapOptions{Rounds: 200, Seed: 7, BT: tt.opt})
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.lower {
				if math.Abs(res.Lower[i]-tt.lower[i]) > 1e-6 || math.Abs(res.Upper[i]-tt.upper[i]) > 1e-6 {
					t.Errorf("%s: [%.9f, %.9f], want [%.9f, %.9f]", res.Agents[i], res.Lower[i], res.Upper[i], tt.lower[i], tt.upper[i])
				}
				if res.Agents[i] != tt.opt.AnchorAgent && !(res.Upper[i]-res.Lower[i] > 100) {
					t.Errorf("%s: interval [%.3f, %.3f] is too narrow", res.Agents[i], res.Lower[i], res.Upper[i])
				}
			}
			for _, row := range res.Leaderboard() {
				if row.Rank != 1 {
					t.Errorf("%s ranks %d after %d battle(s); want both at rank 1", row.Agent, row.Rank, row.Battles)
				}
			}
		})
	}
}

func TestWaldAgreesWithTheBootstrapOnManyBattles(t *testing.T) {
	t.Run("30 to 10", func(t *testing.T) {
		c, err := Aggregate(record(30, 10))
		if err != nil {
			t.Fatal(err)
		}
		// 1,000 rounds for a steady bootstrap; 40 battles allow only 41
		// outcomes, so its percentiles move in steps of about 9 points.
		boot, se, err := percentileBootstrap(c, BootstrapOptions{Rounds: 1000, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		for i := range se {
			half := (boot.Upper[i] - boot.Lower[i]) / 2
			if r := waldZ * se[i] / half; math.Abs(r-1) > 0.05 {
				t.Errorf("%s: Wald half-width %.2f vs bootstrap %.2f (ratio %.3f)", boot.Agents[i], waldZ*se[i], half, r)
			}
		}
		// What the leaderboard shows: the union is only a little wider,
		// and still separates the two agents.
		boot, _, _ = percentileBootstrap(c, BootstrapOptions{Seed: 0})
		res, err := BootstrapCounts(c, BootstrapOptions{Seed: 0})
		if err != nil {
			t.Fatal(err)
		}
		for i := range res.Agents {
			if w := (res.Upper[i] - res.Lower[i]) / (boot.Upper[i] - boot.Lower[i]); w < 1 || w > 1.1 {
				t.Errorf("%s: the union is %.3f times the bootstrap width", res.Agents[i], w)
			}
		}
		if rows := res.Leaderboard(); rows[0].Agent != "A" || rows[0].Rank != 1 || rows[1].Rank != 2 {
			t.Errorf("leaderboard %+v, want A at 1 and B at 2", rows)
		}
	})
	t.Run("eight agents, 1,500 battles", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		truth := []float64{800, 850, 900, 950, 1000, 1050, 1100, 1200}
		boot, se, err := percentileBootstrap(mustCounts(t, simulate(rng, agentNames(8), truth, 1500, 0)), BootstrapOptions{Rounds: 1000, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		var mean float64
		for i := range se {
			mean += waldZ * se[i] / ((boot.Upper[i] - boot.Lower[i]) / 2) / float64(len(se))
		}
		if math.Abs(mean-1) > 0.03 {
			t.Errorf("Wald half-widths average %.3f times the bootstrap's", mean)
		}
	})
}

func mustCounts(t *testing.T, b []Battle) Counts {
	t.Helper()
	c, err := Aggregate(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
