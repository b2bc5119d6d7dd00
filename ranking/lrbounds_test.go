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

func repeat(b Battle, n int) []Battle {
	out := make([]Battle, n)
	for i := range out {
		out[i] = b
	}
	return out
}

func mustCounts(t *testing.T, b []Battle) Counts {
	t.Helper()
	c, err := Aggregate(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Reference values from an independent implementation in natural
// logarithms (Python floats): the fit by Hunter's MM update with the
// prior's rescaling, iterated to a relative change below 1e-15, then each
// bound by bisection of
//
//	ℓ_i(θ) = (S_i + c/2)·θ − Σ_j n_ij·ln(e^θ + p_j) − c·ln(e^θ + 1)
//
// for ℓ_i(θ̂) − ℓ_i(θ) = χ²₁(0.95)/2 = 1.920729410347062, mapped to
// ratings by k·Δθ·(1 − 1/n) with mean anchoring (k = 400/ln 10) and k·Δθ
// when anchored at another agent. The fitted ratings agree with the ones
// derived by hand for the two-agent records: p_A·p_B = 1 there, and for
// 1–0 p_A = 2.130395434767279, r_A = 1000 + k·ln p_A = 1131.384089112214.
func TestLikelihoodBoundsMatchReferenceValues(t *testing.T) {
	tests := []struct {
		name    string
		battles []Battle
		opt     BTOptions
		// per agent in name order: rating, lower, upper
		want [][3]float64
	}{
		{"one game", record(1, 0), BTOptions{}, [][3]float64{
			{1131.384089112214, 873.0138103076849, 1565.6897295076128},
			{868.6159108877857, 434.31027049238736, 1126.9861896923148}}},
		{"one game, anchored at the loser", record(1, 0), BTOptions{AnchorAgent: "B"}, [][3]float64{
			{1262.7681782244285, 746.0276206153704, 2131.3794590152256},
			{1000, 1000, 1000}}},
		{"three to nil", record(3, 0), BTOptions{}, [][3]float64{
			{1203.3671661233102, 994.3419584242502, 1631.072528943417},
			{796.6328338766897, 368.927471056583, 1005.6580415757496}}},
		{"one tie", []Battle{{"A", "B", Tie}}, BTOptions{}, [][3]float64{
			{1000, 719.4990257127351, 1280.5009742872649},
			{1000, 719.4990257127351, 1280.5009742872649}}},
		{"thirty to ten", record(30, 10), BTOptions{}, [][3]float64{
			{1093.9028812863091, 1035.77653692542, 1159.0515178431817},
			{906.0971187136906, 840.9484821568179, 964.2234630745797}}},
		// a beat b twice, b beat c once, a tied c once.
		{"three agents", []Battle{{"a", "b", WinnerA}, {"a", "b", WinnerA}, {"b", "c", WinnerA}, {"a", "c", Tie}}, BTOptions{}, [][3]float64{
			{1143.981456057069, 904.9784847528247, 1492.6061119529534},
			{951.9815613993854, 668.3027836538905, 1194.2786177356938},
			{904.0369825435458, 545.3602268975374, 1182.062103391209}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, lo, hi, err := percentileBootstrap(mustCounts(t, tt.battles).board, BootstrapOptions{Rounds: 20, Seed: 1, BT: tt.opt})
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range tt.want {
				got := [3]float64{res.Ratings[i], lo[i], hi[i]}
				for k := range got {
					if math.Abs(got[k]-w[k]) > 1e-5 {
						t.Errorf("%s: rating, lower, upper = %.9f, want %.9f", res.Agents[i], got, w)
						break
					}
				}
			}
		})
	}
}

// TestIntervalsDoNotCollapseOnOneSidedRecords: every resample of these
// records is the record itself, so the bootstrap alone gives a zero-width
// interval and the winner would rank above the loser after one game.
func TestIntervalsDoNotCollapseOnOneSidedRecords(t *testing.T) {
	for _, tt := range []struct {
		name    string
		battles []Battle
	}{
		{"one game", record(1, 0)},
		{"three to nil", record(3, 0)},
		{"one tie", []Battle{{"A", "B", Tie}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Bootstrap(tt.battles, BootstrapOptions{Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			for i := range res.Agents {
				if !(res.Upper[i]-res.Lower[i] > 200) {
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
	// After one game the bootstrap adds nothing: the intervals are the
	// likelihood bounds (reference values above).
	res, err := Bootstrap(record(1, 0), BootstrapOptions{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]float64{{873.0138103076849, 1565.6897295076128}, {434.31027049238736, 1126.9861896923148}}
	for i, w := range want {
		if math.Abs(res.Lower[i]-w[0]) > 1e-5 || math.Abs(res.Upper[i]-w[1]) > 1e-5 {
			t.Errorf("%s after one game: [%.6f, %.6f], want %.6f", res.Agents[i], res.Lower[i], res.Upper[i], w)
		}
	}
	// Six straight wins are enough to separate them.
	if res, err = Bootstrap(record(6, 0), BootstrapOptions{Seed: 7}); err != nil {
		t.Fatal(err)
	}
	if rows := res.Leaderboard(); rows[0].Agent != "A" || rows[0].Rank != 1 || rows[1].Rank != 2 {
		t.Errorf("after 6–0: %+v, want A alone at rank 1", rows)
	}
}

// TestLikelihoodBoundsAgreeWithTheBootstrapOnManyBattles: with enough
// battles the two intervals nearly coincide, so taking their union
// barely widens what the bootstrap shows.
func TestLikelihoodBoundsAgreeWithTheBootstrapOnManyBattles(t *testing.T) {
	t.Run("30 to 10", func(t *testing.T) {
		c := mustCounts(t, record(30, 10))
		// 1,000 rounds for a steady bootstrap; 40 battles allow only 41
		// outcomes, so its percentiles move in steps of about 9 points.
		boot, lo, hi, err := percentileBootstrap(c.board, BootstrapOptions{Rounds: 1000, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		for i := range boot.Agents {
			if r := (hi[i] - lo[i]) / (boot.Upper[i] - boot.Lower[i]); math.Abs(r-1) > 0.05 {
				t.Errorf("%s: likelihood width %.2f vs bootstrap %.2f (ratio %.3f)", boot.Agents[i], hi[i]-lo[i], boot.Upper[i]-boot.Lower[i], r)
			}
		}
		res, err := BootstrapCounts(c, BootstrapOptions{Seed: 0})
		if err != nil {
			t.Fatal(err)
		}
		boot, _, _, _ = percentileBootstrap(c.board, BootstrapOptions{Seed: 0})
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
		boot, lo, hi, err := percentileBootstrap(mustCounts(t, simulate(rng, agentNames(8), truth, 1500, 0)).board, BootstrapOptions{Rounds: 1000, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		var mean float64
		for i := range boot.Agents {
			mean += (hi[i] - lo[i]) / (boot.Upper[i] - boot.Lower[i]) / float64(len(boot.Agents))
		}
		// 0.999 with these seeds: holding the opponents fixed costs little
		// when every agent meets every other often.
		if mean < 0.9 || mean > 1.1 {
			t.Errorf("likelihood widths average %.3f times the bootstrap's", mean)
		}
	})
}

// TestAnUnbeatenAgentDoesNotWidenTheOthers: an agent that never lost has
// a rating the data bound only from below. Its interval reaches far up,
// but its lower bound is firm, so it ranks first alone, and it leaves the
// other agents' intervals as the bootstrap draws them.
func TestAnUnbeatenAgentDoesNotWidenTheOthers(t *testing.T) {
	var battles []Battle
	for _, o := range []string{"B", "C", "D"} {
		battles = append(battles, repeat(Battle{"A", o, WinnerA}, 15)...)
	}
	for _, p := range []struct {
		a, b     string
		win, los int
	}{{"B", "C", 12, 8}, {"C", "D", 12, 8}, {"B", "D", 14, 6}} {
		battles = append(battles, repeat(Battle{p.a, p.b, WinnerA}, p.win)...)
		battles = append(battles, repeat(Battle{p.a, p.b, WinnerB}, p.los)...)
	}
	c := mustCounts(t, battles)
	opt := BootstrapOptions{Seed: 5, Rounds: 1000}
	res, err := BootstrapCounts(c, opt)
	if err != nil {
		t.Fatal(err)
	}
	boot, _, _, _ := percentileBootstrap(c.board, opt)
	rows := res.Leaderboard()
	if rows[0].Agent != "A" || rows[0].Rank != 1 || rows[1].Rank != 2 {
		t.Errorf("leaderboard %+v, want A alone at rank 1", rows)
	}
	for i, name := range res.Agents {
		if name == "A" {
			continue
		}
		// Here B, C and D are 790–957, 720–882 and 644–812 by likelihood
		// and 801–948, 721–876 and 631–810 by the bootstrap.
		if w := (res.Upper[i] - res.Lower[i]) / (boot.Upper[i] - boot.Lower[i]); w > 1.2 {
			t.Errorf("%s: interval %.3f times the bootstrap's", name, w)
		}
	}
}
