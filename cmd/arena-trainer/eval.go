package main

import (
	"context"

	"github.com/agentarena/arena/games/verifiable"
	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/gpu/gpt"
)

// accuracy is how a policy did on a set of tasks under the checker.
type accuracy struct {
	Tasks int `json:"tasks"`
	// Passed is the share of answers passing every check (the accuracy);
	// Score the mean checker score (partial credit); Formatted the share
	// whose ANSWER: line could be read at all.
	Passed    float64 `json:"passed"`
	Score     float64 `json:"score"`
	Formatted float64 `json:"formatted"`
	// ByFamily is the pass rate per family.
	ByFamily map[string]float64 `json:"by_family"`
}

// evaluate answers every task greedily (temperature 0: the policy's own
// best answer, no luck) and checks the answers.
func evaluate(ctx context.Context, m *gpt.Model, tok gpu.Tokenizer, tasks []verifiable.Task, maxTokens int) (accuracy, error) {
	acc := accuracy{Tasks: len(tasks), ByFamily: map[string]float64{}}
	if len(tasks) == 0 {
		return acc, nil
	}
	count := map[string]int{}
	for _, t := range tasks {
		if err := ctx.Err(); err != nil {
			return acc, err
		}
		text := gpu.Answer(m, tok, learnerPrompt(t.Text), gpt.SampleOptions{MaxTokens: maxTokens})
		r := verifiable.Check(t.Want, text)
		count[t.Family]++
		if r.Passed {
			acc.Passed++
			acc.ByFamily[t.Family]++
		}
		if r.FormatError == "" {
			acc.Formatted++
		}
		acc.Score += r.Score
	}
	n := float64(len(tasks))
	acc.Passed /= n
	acc.Score /= n
	acc.Formatted /= n
	for f, c := range count {
		acc.ByFamily[f] /= float64(c)
	}
	return acc, nil
}
