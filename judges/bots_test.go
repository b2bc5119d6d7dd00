package judges_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/task"
)

// These tests run the text bots through the rubric judge end to end: on
// the built-in set the careful bot, which writes real answers, should beat
// the bots that say too little, too much or only echo; outside the set no
// bot knows the subject, and the careful bot's constraint template is
// flagged as one. They live in judges_test so the rubric and the bots stay
// independent packages.

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

// botScores judges every prompt of set and returns each bot's scores,
// the share of prompts where the careful bot scored strictly above every
// other text bot, and the flags raised, by bot name.
func botScores(t *testing.T, set []prompt.Prompt, logLosses bool) (names []string, scores [][]float64, winRate float64, flags map[string][]judges.Flag) {
	t.Helper()
	j := judges.NewRubricJudge()
	wins := 0
	flags = map[string][]judges.Flag{}
	for _, p := range set {
		var entries []judges.Entry
		names, entries = answers(t, p)
		v, err := j.Rank(context.Background(), judges.Task{PromptID: p.ID, Prompt: p.Text, Criteria: p.Criteria}, entries)
		if err != nil {
			t.Fatal(err)
		}
		scores = append(scores, v.Scores)
		won := true
		for i := 1; i < len(v.Scores); i++ {
			won = won && v.Scores[0] > v.Scores[i]
		}
		if won {
			wins++
		} else if logLosses {
			t.Logf("%s: careful did not win; scores %v for %v\n%s\ncareful answered: %q", p.ID, v.Scores, names, v.Rationale, entries[0].Text)
		}
		for _, f := range v.Flags {
			flags[names[f.Entry]] = append(flags[names[f.Entry]], f)
		}
	}
	return names, scores, float64(wins) / float64(len(set)), flags
}

func TestCarefulBotOutranksTheOtherTextBotsOnTheDefaultSet(t *testing.T) {
	t.Parallel() // long and CPU-bound: shares the cores with the other long tests
	set := prompt.DefaultSet()
	names, scores, rate, flags := botScores(t, set, true)
	t.Logf("careful bot won %.0f%% of %d default prompts", rate*100, len(set))
	if rate < 0.95 {
		t.Errorf("careful bot won %.0f%% of prompts, want >= 95%%", rate*100)
	}
	mean := make([]float64, len(names))
	for _, s := range scores {
		for i, x := range s {
			mean[i] += x / float64(len(scores))
		}
	}
	for i, n := range names {
		t.Logf("%s: mean %.3f", n, mean[i])
	}
	// Each weaker bot is worse for its own reason, and clearly so.
	for i := 1; i < len(names); i++ {
		if mean[0]-mean[i] < 0.08 {
			t.Errorf("%s mean %.3f is within 0.08 of txt-careful's %.3f", names[i], mean[i], mean[0])
		}
	}
	// The careful bot writes real, prompt-specific answers: never flagged.
	// No bot addresses the judge; the echo is a non-answer every time.
	if f := flags["txt-careful"]; len(f) > 0 {
		t.Errorf("txt-careful was flagged: %+v", f)
	}
	for n, fs := range flags {
		for _, f := range fs {
			if f.Kind == judges.FlagJudgeAddressing {
				t.Errorf("%s addressed the judge: %+v", n, f)
			}
		}
	}
	if n := len(flags["txt-echo"]); n != len(set) {
		t.Errorf("txt-echo flagged on %d of %d prompts, want all", n, len(set))
	}
}

// Outside the built-in set no bot has a written answer. The careful bot
// falls back to filling the stated constraints with sentence frames, and
// the rubric must not mistake that for an answer: it is flagged as a
// template on every such prompt, and no bot's answer scores as well as the
// careful bot's real answers do on the set.
func TestOutsideTheSetTheCarefulTemplateIsFlagged(t *testing.T) {
	names, scores, _, flags := botScores(t, testPrompts, false)
	templated := 0
	for _, f := range flags["txt-careful"] {
		if f.Kind == judges.FlagTemplate {
			templated++
		}
	}
	if templated != len(testPrompts) {
		t.Errorf("careful template flagged on %d of %d prompts, want all: %+v", templated, len(testPrompts), flags["txt-careful"])
	}
	for pi, s := range scores {
		for i, x := range s {
			if x > 0.95 {
				t.Errorf("%s: %s scored %.3f without knowing the subject", testPrompts[pi].ID, names[i], x)
			}
		}
	}
}

// The careful bot's written answers meet every criterion of their prompt
// and state every key fact: the rationale lists nothing as missed.
func TestCarefulAnswersMissNothing(t *testing.T) {
	for _, p := range prompt.DefaultSet() {
		_, entries := answers(t, p)
		v, err := judges.NewRubricJudge().Rank(context.Background(),
			judges.Task{PromptID: p.ID, Prompt: p.Text, Criteria: p.Criteria}, entries[:1])
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(v.Rationale, "missed:") {
			t.Errorf("%s: %s", p.ID, v.Rationale)
		}
	}
}
