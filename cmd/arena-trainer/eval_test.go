package main

import (
	"context"
	"testing"

	"github.com/agentarena/arena/games/verifiable"
	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/gpu/gpt"
)

// A held-out instance whose text a training pair had is still counted in
// the held-out accuracy, but not among the novel tasks.
func TestEvaluateCountsTheTasksNoTrainingPairHad(t *testing.T) {
	tok, err := openTokenizer("bytes", "", "")
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := gpt.Preset("tiny")
	cfg.Vocab, cfg.BlockSize = tok.Vocab(), 128
	m, err := gpt.New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := taskPool(verifiable.Options{Families: []string{"extract"}, Levels: []int{1}}, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		trained map[string]bool
		novel   int
	}{
		{"nothing trained", nil, 4},
		{"one task's text trained", trainedPrompts([]gpu.Sequence{{Prompt: learnerPrompt(tasks[0].Text)}}, nil), 3},
		{"two, one as a pair", trainedPrompts([]gpu.Sequence{{Prompt: learnerPrompt(tasks[0].Text)}}, []gpu.Pair{{Prompt: learnerPrompt(tasks[2].Text)}}), 2},
		{"another text only", trainedPrompts(nil, []gpu.Pair{{Prompt: "something else"}}), 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			acc, err := evaluate(context.Background(), gpu.ModelSampler(m), tok, tasks, 4, tc.trained)
			if err != nil {
				t.Fatal(err)
			}
			if acc.Tasks != 4 || acc.NovelTasks != tc.novel || acc.Novel < 0 || acc.Novel > 1 {
				t.Fatalf("got %d tasks, %d novel (rate %v); want 4, %d", acc.Tasks, acc.NovelTasks, acc.Novel, tc.novel)
			}
		})
	}
}
