package ranking

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkBTBootstrap fits and bootstraps production-sized boards: 100
// agents with 100,000 battles and 1,000 rounds (a busy arena's day or two),
// and 1,000 agents with 100,000 battles and the 200 rounds leaderboards
// use (most pairs never met). Run with -benchtime 1x.
func BenchmarkBTBootstrap(b *testing.B) {
	for _, size := range []struct{ agents, battles, rounds int }{
		{100, 100_000, 1000},
		{1000, 100_000, 200},
	} {
		b.Run(fmt.Sprintf("agents=%d/battles=%d/rounds=%d", size.agents, size.battles, size.rounds), func(b *testing.B) {
			names := agentNames(size.agents)
			rng := rand.New(rand.NewPCG(7, 8))
			truth := make([]float64, size.agents)
			for i := range truth {
				truth[i] = 1000 + 600*(rng.Float64()-0.5)
			}
			c, err := Aggregate(simulate(rng, names, truth, size.battles, 0.1))
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := BootstrapCounts(c, BootstrapOptions{Rounds: size.rounds, Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
