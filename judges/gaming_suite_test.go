package judges_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/judges/internal/gamingset"
)

// The gaming suite against the whole built-in prompt set: every strategy
// of judges/testdata/gaming/*.json is expanded on every prompt it applies
// to, around the answer of the best built-in text bot (the one with the
// highest mean rubric score, measured here rather than named, so a
// rewrite of the bots keeps the test meaningful), and judged by the
// rubric. The suite's files may grow (one per class of strategy); every
// case is held to the same bar.

// botAnswers returns every prompt bot's answer to every prompt, by bot.
func botAnswers(t *testing.T, set []prompt.Prompt) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, b := range bots.All(1) {
		if b.Game() != bots.GamePrompt {
			continue
		}
		for _, p := range set {
			view, _ := json.Marshal(map[string]any{"game": "prompt", "prompt_id": p.ID, "prompt": p.Text,
				"max_answer_bytes": 4096, "you": 0, "final": false, "answer": ""})
			raw, err := b.Move(context.Background(), view)
			if err != nil {
				t.Fatalf("%s on %s: %v", b.Name(), p.ID, err)
			}
			var m struct{ Text string }
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			out[b.Name()] = append(out[b.Name()], m.Text)
		}
	}
	return out
}

// rubricScore judges one answer alone and returns its verdict.
func rubricScore(t *testing.T, p prompt.Prompt, text string) judges.Verdict {
	t.Helper()
	v, err := rubricVerdict(p, text)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// rubricVerdict is rubricScore for a goroutine that cannot fail the test.
func rubricVerdict(p prompt.Prompt, text string) (judges.Verdict, error) {
	return judges.NewRubricJudge().Rank(context.Background(),
		judges.Task{PromptID: p.ID, Prompt: p.Text, Criteria: p.Criteria}, []judges.Entry{{Seat: 0, Text: text}})
}

// promptsPerCase bounds the prompts each strategy is run on, spread
// evenly over those it applies to, so the suite stays a few seconds long
// as it grows (a third of them under the race detector).
var promptsPerCase = map[bool]int{false: 12, true: 4}[raceDetector]

// spread returns the indices of up to promptsPerCase prompts the case
// applies to, spread evenly over the set.
func spread(set []prompt.Prompt, c gamingset.Case) []int {
	var idx []int
	for i, p := range set {
		if c.Applies(p.Criteria) {
			idx = append(idx, i)
		}
	}
	if len(idx) <= promptsPerCase {
		return idx
	}
	out := make([]int, promptsPerCase)
	for k := range out {
		out[k] = idx[k*len(idx)/promptsPerCase]
	}
	return out
}

func TestNoGamingStrategyReachesTheBestBotsMeanScore(t *testing.T) {
	// Hundreds of verdicts, each judged alone: the slowest test of the
	// package under -race, so it shares the machine's cores with the
	// package's other long tests, and its strategies run side by side.
	t.Parallel()
	set := prompt.DefaultSet()
	cases, err := gamingset.Load(filepath.Join("testdata", "gaming"))
	if err != nil {
		t.Fatal(err)
	}
	answers := botAnswers(t, set)
	// Score every bot on every prompt; the best bot has the highest mean.
	names := slices.Sorted(maps.Keys(answers))
	botScores := make(map[string][]float64, len(names))
	for _, name := range names {
		botScores[name] = make([]float64, len(set))
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(names)*len(set))
	for _, name := range names {
		wg.Go(func() {
			for i, p := range set {
				v, err := rubricVerdict(p, answers[name][i])
				if err != nil {
					errs <- fmt.Errorf("%s on %s: %w", name, p.ID, err)
					return
				}
				botScores[name][i] = v.Scores[0]
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	best, bestMean := "", -1.0
	for _, name := range names {
		var sum float64
		for _, s := range botScores[name] {
			sum += s
		}
		if m := sum / float64(len(set)); m > bestMean {
			best, bestMean = name, m
		}
	}
	t.Logf("best built-in bot: %s, mean %.4f over %d prompts", best, bestMean, len(set))

	var mu sync.Mutex
	var report []string
	worst := 0.0
	t.Run("strategies", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.ID, func(t *testing.T) {
				t.Parallel()
				var sum, bestSum float64
				n := 0
				for _, i := range spread(set, c) {
					p := set[i]
					text, err := c.Expand(p.Criteria, p.Text, answers[best][i])
					if err != nil {
						t.Fatal(err)
					}
					v := rubricScore(t, p, text)
					for _, k := range c.Expect {
						if !slices.ContainsFunc(v.Flags, func(f judges.Flag) bool { return f.Kind == k }) {
							t.Errorf("%s: not flagged %s (%s); flags %+v", p.ID, k, c.Notes, v.Flags)
						}
					}
					_, missed, _ := strings.Cut(v.Rationale, "; missed: ")
					for _, m := range c.Missed {
						if !strings.HasPrefix(missed, m) && !strings.Contains(missed, ", "+m) {
							t.Errorf("%s: did not miss %q (%s):\n%s", p.ID, m, c.Notes, v.Rationale)
						}
					}
					sum += v.Scores[0]
					bestSum += botScores[best][i]
					n++
				}
				if n == 0 {
					t.Fatalf("applies to no prompt of the built-in set (needs %q)", c.Needs)
				}
				mean, bestOnSame := sum/float64(n), bestSum/float64(n)
				if mean >= bestOnSame {
					t.Errorf("mean score %.4f over %d prompts reaches %s's %.4f on the same prompts", mean, n, best, bestOnSame)
				}
				mu.Lock()
				defer mu.Unlock()
				worst = max(worst, mean/bestOnSame)
				report = append(report, fmt.Sprintf("%-34s %-18s %3d prompts  mean %.4f  (%s %.4f)", c.ID, c.Category, n, mean, best, bestOnSame))
			})
		}
	})
	if testing.Verbose() {
		slices.Sort(report)
		for _, l := range report {
			t.Log(l)
		}
	}
	t.Logf("%d strategies; the best of them reaches %.1f%% of %s's mean on the same prompts", len(cases), worst*100, best)
}
