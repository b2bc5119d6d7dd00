package main

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/judges"
)

// evaluator pits two policies against each other on prompts under a judge.
type evaluator struct {
	judge    judges.Judge
	samples  int
	maxBytes int
	temp     float64
	seed     uint64
}

// winRate samples answers from a and b for every prompt and has the judge
// rank each pair of samples: a's share of wins (ties half), and each
// policy's mean score.
func (e evaluator) winRate(ctx context.Context, a, b *gpu.Model, set []prompt.Prompt) (rate, meanA, meanB float64, err error) {
	ra := rand.New(rand.NewPCG(e.seed, 101))
	rb := rand.New(rand.NewPCG(e.seed, 202))
	var wins float64
	n := 0
	for _, p := range set {
		for s := 0; s < e.samples; s++ {
			ansA := a.Sample(p.Text, e.maxBytes, e.temp, ra)
			ansB := b.Sample(p.Text, e.maxBytes, e.temp, rb)
			v, err := e.judge.Rank(ctx, judges.Task{PromptID: p.ID, Prompt: p.Text, Criteria: p.Criteria},
				[]judges.Entry{{Seat: 0, Text: ansA}, {Seat: 1, Text: ansB}})
			if err != nil {
				return 0, 0, 0, fmt.Errorf("judge: %w", err)
			}
			switch {
			case v.Ranks[0] < v.Ranks[1]:
				wins++
			case v.Ranks[0] == v.Ranks[1]:
				wins += 0.5
			}
			meanA += v.Scores[0]
			meanB += v.Scores[1]
			n++
		}
	}
	if n == 0 {
		return 0, 0, 0, fmt.Errorf("no prompts to evaluate on")
	}
	return wins / float64(n), meanA / float64(n), meanB / float64(n), nil
}
