package ranking

import (
	"math"
	"slices"
	"testing"
)

func TestWinRatesCountTiesAsHalfAWin(t *testing.T) {
	battles := []Battle{
		{"a", "b", WinnerA}, {"a", "b", WinnerA}, {"b", "a", Tie}, {"b", "a", WinnerA},
		{"b", "c", WinnerB},
		{"c", "c", WinnerA}, {"", "a", WinnerA}, {"a", "c", 7}, // invalid: skipped
	}
	agents, rates, games := WinRates(battles)
	if !slices.Equal(agents, []string{"a", "b", "c"}) {
		t.Fatalf("agents %v", agents)
	}
	nan := math.NaN()
	wantRates := [][]float64{
		{nan, 2.5 / 4, nan},
		{1.5 / 4, nan, 0},
		{nan, 1, nan},
	}
	wantGames := [][]int{{0, 4, 0}, {4, 0, 1}, {0, 1, 0}}
	for i := range wantRates {
		if !slices.Equal(games[i], wantGames[i]) {
			t.Errorf("games row %s: %v, want %v", agents[i], games[i], wantGames[i])
		}
		for j, w := range wantRates[i] {
			if g := rates[i][j]; !(g == w || math.IsNaN(g) && math.IsNaN(w)) {
				t.Errorf("rate %s vs %s: %v, want %v", agents[i], agents[j], g, w)
			}
		}
	}
	t.Run("no battles give an empty matrix", func(t *testing.T) {
		if a, r, g := WinRates(nil); len(a)+len(r)+len(g) != 0 {
			t.Errorf("got %v %v %v", a, r, g)
		}
	})
}
