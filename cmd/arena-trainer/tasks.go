package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/games/verifiable"
	"github.com/agentarena/arena/gpu"
)

// learnerPrompt is what the learner reads of a task: the arena's text
// with the answer-format boilerplate every verifiable task repeats
// shortened, so a small context window holds the question itself. The
// learner applies it to what it trains on and to what it answers alike;
// the format demanded (the kind of value after "ANSWER:") stays.
func learnerPrompt(text string) string {
	text = strings.Replace(text, "Answer format: end your reply with one line that starts with \"ANSWER:\" followed by ", "Answer with ANSWER: then ", 1)
	return strings.Replace(text, ". Anything before that line is ignored; nothing may follow the value.", ".", 1)
}

// learnerTarget is what the learner trains to write for an answer: its
// ANSWER: line alone. The checker reads nothing before that line, so the
// bots' working ("Solved from the task's data.") teaches the policy
// nothing it is judged on, yet costs a small model a third of its tokens
// and, sampled, a third of its answer budget. An answer with no ANSWER:
// line (the badly formatted bot's prose) stays whole: it is what the
// learner must learn not to write.
func learnerTarget(answer string) string {
	lines := strings.Split(strings.TrimRight(answer, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); strings.HasPrefix(l, "ANSWER:") {
			return l
		}
	}
	return answer
}

// taskPool draws n distinct tasks from an arena's options, from seed on.
func taskPool(o verifiable.Options, seed uint64, n int) ([]verifiable.Task, error) {
	seen := map[string]bool{}
	var out []verifiable.Task
	for i := uint64(0); len(out) < n && i < uint64(20*n+100); i++ {
		t, err := verifiable.Generate(seed*1_000_003+i, o)
		if err != nil {
			return nil, err
		}
		if !seen[t.ID] {
			seen[t.ID] = true
			out = append(out, t)
		}
	}
	if len(out) < n {
		return nil, fmt.Errorf("the task pool %+v holds fewer than %d distinct tasks", o, n)
	}
	return out, nil
}

// scored is one answer to a task with the checker's result.
type scored struct {
	text   string
	result verifiable.Result
}

// botAnswers has every honest verifiable bot (and the badly formatted
// one) answer t, as a verifiable contest among them would.
func botAnswers(t verifiable.Task, seed uint64) ([]scored, error) {
	var out []scored
	for _, b := range bots.All(seed) {
		s, ok := b.(*bots.VerifiableSolver)
		if !ok {
			continue
		}
		text, err := s.Answer(t.ID, t.Family, t.Data)
		if err != nil {
			return nil, err
		}
		out = append(out, scored{text, verifiable.Check(t.Want, text)})
	}
	return out, nil
}

// preferencesOf turns scored answers to one task into what the arena
// would export: a pair for every strictly better/worse two (the checker's
// score decides, as it decides the contest's ranks), and an SFT example
// for every answer that passed (the export's chosen_passed filter).
func preferencesOf(t verifiable.Task, answers []scored, idPrefix string) (sft []gpu.Sequence, pairs []gpu.Pair) {
	prompt := learnerPrompt(t.Text)
	for i, a := range answers {
		a.text = learnerTarget(a.text)
		if a.result.Passed && !slices.ContainsFunc(sft, func(s gpu.Sequence) bool { return s.Response == a.text }) {
			sft = append(sft, gpu.Sequence{Prompt: prompt, Response: a.text})
		}
		for j, b := range answers {
			if rejected := learnerTarget(b.text); a.result.Score > b.result.Score && a.text != rejected {
				pairs = append(pairs, gpu.Pair{ID: fmt.Sprintf("%s%s/%d>%d", idPrefix, t.ID, i, j), Prompt: prompt,
					Chosen: a.text, Rejected: rejected})
			}
		}
	}
	return sft, pairs
}
