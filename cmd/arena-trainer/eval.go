package main

import (
	"context"
	"fmt"

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
	// NovelTasks counts the tasks whose text no training pair had: a
	// held-out instance of a small family (level-1 strings has 40
	// distinct tasks) can repeat a trained one word for word, so Novel,
	// the pass rate on these alone, is the measure of generalisation.
	NovelTasks int     `json:"novel_tasks"`
	Novel      float64 `json:"novel"`
}

// novelRate prints the pass rate on the tasks no training pair had, or
// "–" when every task's text was trained on: 0.000 of 0 tasks read as a
// model that failed them.
func novelRate(a accuracy) string {
	if a.NovelTasks == 0 {
		return "–"
	}
	return fmt.Sprintf("%.3f", a.Novel)
}

// evaluate answers every task greedily (temperature 0: the policy's own
// best answer, no luck) and checks the answers; trained holds the prompts
// the policy trained on (nil: none), which Novel leaves out.
func evaluate(ctx context.Context, s gpu.Sampler, tok gpu.Tokenizer, tasks []verifiable.Task, maxTokens int, trained map[string]bool) (accuracy, error) {
	acc := accuracy{Tasks: len(tasks), ByFamily: map[string]float64{}}
	if len(tasks) == 0 {
		return acc, nil
	}
	count := map[string]int{}
	for _, t := range tasks {
		if err := ctx.Err(); err != nil {
			return acc, err
		}
		prompt := learnerPrompt(t.Text)
		text, err := gpu.AnswerWith(s, tok, prompt, gpt.SampleOptions{MaxTokens: maxTokens})
		if err != nil {
			return acc, err
		}
		r := verifiable.Check(t.Want, text)
		count[t.Family]++
		if !trained[prompt] {
			acc.NovelTasks++
			if r.Passed {
				acc.Novel++
			}
		}
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
	if acc.NovelTasks > 0 {
		acc.Novel /= float64(acc.NovelTasks)
	}
	for f, c := range count {
		acc.ByFamily[f] /= float64(c)
	}
	return acc, nil
}

// trainedPrompts is the set of prompts a policy trained on, for Novel.
func trainedPrompts(sft []gpu.Sequence, pairs []gpu.Pair) map[string]bool {
	seen := make(map[string]bool, len(sft)+len(pairs))
	for _, x := range sft {
		seen[x.Prompt] = true
	}
	for _, x := range pairs {
		seen[x.Prompt] = true
	}
	return seen
}
