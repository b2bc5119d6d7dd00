package ranking

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkBTBootstrap is the production-sized case: 100 agents, 100,000
// battles, 1,000 bootstrap rounds. Run with -benchtime 1x.
func BenchmarkBTBootstrap(b *testing.B) {
	const agents = 100
	names := agentNames(agents)
	rng := rand.New(rand.NewPCG(7, 8))
	truth := make([]float64, agents)
	for i := range truth {
		truth[i] = 1000 + 600*(rng.Float64()-0.5)
	}
	c, err := Aggregate(simulate(rng, names, truth, 100_000, 0.1))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := BootstrapCounts(c, BootstrapOptions{Rounds: 1000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
