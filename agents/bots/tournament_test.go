package bots

import "testing"

// The tournament checks that strengths are ordered as their names promise.
// Seeds are fixed, so the results are reproducible; the thresholds leave
// room for the luck a random opponent has.
func TestTournamentStrengthsAreOrdered(t *testing.T) {
	cases := []struct {
		strong, weak Bot
		games, min   int
	}{
		{NewC4AlphaBeta(5, 11), NewC4Random(12), 20, 18},
		{NewC4Greedy(21), NewC4Random(22), 20, 15},
		{NewC4AlphaBeta(2, 31), NewC4Random(32), 20, 15},
	}
	for _, tc := range cases {
		t.Run(tc.strong.Name()+" beats "+tc.weak.Name(), func(t *testing.T) {
			w, l, d := match(t, tc.strong, tc.weak, tc.games)
			t.Logf("%s vs %s: %d wins, %d losses, %d draws", tc.strong.Name(), tc.weak.Name(), w, l, d)
			if w < tc.min {
				t.Fatalf("%s won %d of %d games, want >= %d", tc.strong.Name(), w, tc.games, tc.min)
			}
		})
	}
}

func TestTournamentDeeperSearchWinsMoreThanItLoses(t *testing.T) {
	// Against non-random opponents many games are draws, so the bar is a
	// winning record rather than a win count.
	cases := []struct{ strong, weak Bot }{
		{NewC4AlphaBeta(5, 41), NewC4Greedy(42)},
		{NewC4AlphaBeta(5, 51), NewC4AlphaBeta(2, 52)},
		{NewC4AlphaBeta(2, 61), NewC4Greedy(62)},
	}
	for _, tc := range cases {
		t.Run(tc.strong.Name()+" beats "+tc.weak.Name(), func(t *testing.T) {
			w, l, d := match(t, tc.strong, tc.weak, 20)
			t.Logf("%s vs %s: %d wins, %d losses, %d draws", tc.strong.Name(), tc.weak.Name(), w, l, d)
			if w <= l {
				t.Fatalf("won %d and lost %d, want more wins than losses", w, l)
			}
		})
	}
}
