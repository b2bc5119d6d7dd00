package judges_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/task"
)

// These tests run the text bots through the rubric judge end to end: the
// careful bot, which reads the constraints a prompt states, should beat
// the bots that ignore them. They live in judges_test so the rubric and
// the bots stay independent packages.

// testPrompts state their constraints in words, as the prompt set's own
// validation requires, phrased differently from the built-in set.
var testPrompts = []prompt.Prompt{
	{ID: "t01", Text: `Explain how Raft elects a leader in 40 to 80 words. Mention "term" and "vote", and do not use the word "simply".`,
		Criteria: task.Criteria{MinWords: 40, MaxWords: 80, Required: []string{"term", "vote"}, Forbidden: []string{"simply"}}},
	{ID: "t02", Text: `List three benefits of code review as a bulleted list of 3 items. Mention "reviewer". Avoid "obviously".`,
		Criteria: task.Criteria{Format: "bullets", MinItems: 3, MaxItems: 3, Required: []string{"reviewer"}, Forbidden: []string{"obviously"}}},
	{ID: "t03", Text: `Describe a quorum as JSON with keys "definition" and "example".`,
		Criteria: task.Criteria{Format: "json", JSONKeys: []string{"definition", "example"}}},
	{ID: "t04", Text: `Summarise the CAP theorem on one line of at most 25 words. End with "QED".`,
		Criteria: task.Criteria{Format: "one_line", MaxWords: 25, EndsWith: "QED"}},
	{ID: "t05", Text: `Give a numbered list of 4 to 6 steps to deploy a service safely. Include "rollback" and "canary".`,
		Criteria: task.Criteria{Format: "numbered", MinItems: 4, MaxItems: 6, Required: []string{"rollback", "canary"}}},
	{ID: "t06", Text: `Write at least 120 words about logging. Keep sentences under 14 words. Do not use "very".`,
		Criteria: task.Criteria{MinWords: 120, MaxSentenceWords: 14, Forbidden: []string{"very"}}},
	{ID: "t07", Text: `In no more than 30 words, define "idempotency". Don't use the word "basically".`,
		Criteria: task.Criteria{MaxWords: 30, Required: []string{"idempotency"}, Forbidden: []string{"basically"}}},
	{ID: "t08", Text: `Explain backpressure in 60-90 words as plain prose. Mention "buffer", "queue" and "producer".`,
		Criteria: task.Criteria{MinWords: 60, MaxWords: 90, Format: "plain", Required: []string{"buffer", "queue", "producer"}}},
	{ID: "t09", Text: `Write exactly 30 words on caching. Finish with "Done."`,
		Criteria: task.Criteria{MinWords: 30, MaxWords: 30, EndsWith: "Done."}},
	{ID: "t10", Text: `Return a JSON object with keys "risk", "reasons" and "mitigation" about Friday deploys. Use "rollback".`,
		Criteria: task.Criteria{Format: "json", JSONKeys: []string{"risk", "reasons", "mitigation"}, Required: []string{"rollback"}}},
	{ID: "t11", Text: `Give 5 bullet points on onboarding a new engineer, with at most 60 words in total. Mention "mentor".`,
		Criteria: task.Criteria{Format: "bullets", MinItems: 5, MaxItems: 5, MaxWords: 60, Required: []string{"mentor"}}},
	{ID: "t12", Text: `Describe a mutex in one sentence of at most 20 words. Include "lock".`,
		Criteria: task.Criteria{Format: "one_line", MaxWords: 20, Required: []string{"lock"}}},
}

// answers collects every prompt bot's answer to one prompt, careful first.
func answers(t *testing.T, p prompt.Prompt) (names []string, entries []judges.Entry) {
	t.Helper()
	for seat, b := range bots.All(1) {
		if b.Game() != bots.GamePrompt {
			continue
		}
		view, _ := json.Marshal(map[string]any{"game": "prompt", "prompt_id": p.ID, "prompt": p.Text,
			"max_answer_bytes": 4096, "you": seat, "final": false, "answer": ""})
		raw, err := b.Move(context.Background(), view)
		if err != nil {
			t.Fatalf("%s on %s: %v", b.Name(), p.ID, err)
		}
		var m struct{ Text string }
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		names = append(names, b.Name())
		entries = append(entries, judges.Entry{Seat: len(entries), Text: m.Text})
	}
	if names[0] != "txt-careful" {
		t.Fatalf("bots.All order changed: %v", names)
	}
	return names, entries
}

// carefulWinRate judges every prompt and returns the share where the
// careful bot scores strictly above every other text bot.
func carefulWinRate(t *testing.T, set []prompt.Prompt) float64 {
	t.Helper()
	j := judges.NewRubricJudge()
	wins := 0
	for _, p := range set {
		names, entries := answers(t, p)
		v, err := j.Rank(context.Background(), judges.Task{PromptID: p.ID, Prompt: p.Text, Criteria: p.Criteria}, entries)
		if err != nil {
			t.Fatal(err)
		}
		won := true
		for i := 1; i < len(v.Scores); i++ {
			won = won && v.Scores[0] > v.Scores[i]
		}
		if won {
			wins++
		} else {
			t.Logf("%s: careful did not win; scores %v for %v\n%s\ncareful answered: %q", p.ID, v.Scores, names, v.Rationale, entries[0].Text)
		}
		for _, f := range v.Flags {
			// Every bot answers the task; echo and verbose are poor
			// answers the rubric may flag as non-answers, but none
			// addresses the judge, and the careful bot is never flagged.
			if f.Kind == judges.FlagJudgeAddressing || f.Entry == 0 {
				t.Errorf("%s: %s was flagged: %+v", p.ID, names[f.Entry], f)
			}
		}
	}
	return float64(wins) / float64(len(set))
}

func TestCarefulBotOutranksTheOtherTextBots(t *testing.T) {
	rate := carefulWinRate(t, testPrompts)
	t.Logf("careful bot won %.0f%% of %d test prompts", rate*100, len(testPrompts))
	if rate < 0.8 {
		t.Fatalf("careful bot won %.0f%% of prompts, want >= 80%%", rate*100)
	}
}

func TestCarefulBotOutranksTheOtherTextBotsOnTheDefaultSet(t *testing.T) {
	set := prompt.DefaultSet()
	rate := carefulWinRate(t, set)
	t.Logf("careful bot won %.0f%% of %d default prompts", rate*100, len(set))
	if rate < 0.8 {
		t.Fatalf("careful bot won %.0f%% of prompts, want >= 80%%", rate*100)
	}
}
