package ranking

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBootstrapBitsArePinned pins the exact bits of a few boards. Every
// node computes a leaderboard's intervals itself from the same battles, so
// a change to the fit's arithmetic (order of sums, a fused product, a
// different iteration) would show different boards on different builds of
// a cluster mid-upgrade; a change that is meant to alter the numbers must
// update these digests and say why.
func TestBootstrapBitsArePinned(t *testing.T) {
	cases := []struct {
		name    string
		agents  int
		battles int
		anchor  string
		want    uint64
	}{
		{"ten agents, dense", 10, 3000, "", 0x834db631e85f8293},
		{"two hundred agents, sparse", 200, 1500, "", 0x13d09e42c3ebf777},
		{"anchored to one agent", 40, 800, "agent-007", 0x9bb3cf38deddac5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.agents), uint64(tc.battles)))
			names := agentNames(tc.agents)
			truth := make([]float64, tc.agents)
			for i := range truth {
				truth[i] = 1000 + 500*(rng.Float64()-0.5)
			}
			res, err := Bootstrap(simulate(rng, names, truth, tc.battles, 0.1),
				BootstrapOptions{Rounds: 32, Seed: 9, Workers: 2, BT: BTOptions{AnchorAgent: tc.anchor}})
			if err != nil {
				t.Fatal(err)
			}
			if got := digest(res); got != tc.want {
				t.Errorf("digest %#x, want %#x", got, tc.want)
			}
		})
	}
}

// TestBoardFromBattlesEqualsBoardFromCounts: Bootstrap and FitBT aggregate
// battles straight to cells, BootstrapCounts and FitBTCounts list them from
// the matrices; the two must list the same cells in the same order, or the
// resamples (drawn by cell) would differ.
func TestBoardFromBattlesEqualsBoardFromCounts(t *testing.T) {
	for _, size := range []struct{ agents, battles int }{{2, 1}, {3, 40}, {30, 200}, {120, 5000}} {
		rng := rand.New(rand.NewPCG(uint64(size.agents), 1))
		battles := simulate(rng, agentNames(size.agents), make([]float64, size.agents), size.battles, 0.3)
		direct, err := aggregateBoard(battles)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Aggregate(battles)
		if err != nil {
			t.Fatal(err)
		}
		viaCounts, err := c.board()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(direct.agents, viaCounts.agents) || !slices.Equal(direct.cs, viaCounts.cs) || !slices.Equal(direct.m, viaCounts.m) {
			t.Errorf("%d agents, %d battles: boards differ: %d cells against %d", size.agents, size.battles, len(direct.cs), len(viaCounts.cs))
		}
	}
}

func TestBootstrapStopsWhenItsContextIsDone(t *testing.T) {
	battles := simulate(rand.New(rand.NewPCG(1, 2)), agentNames(20), make([]float64, 20), 500, 0.1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Bootstrap(battles, BootstrapOptions{Rounds: 50, Seed: 1, Context: ctx})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a done context: err %v, want context.Canceled", err)
	}
	if _, err := Bootstrap(battles, BootstrapOptions{Rounds: 50, Seed: 1, Context: context.Background()}); err != nil {
		t.Fatalf("a live context: %v", err)
	}
}
