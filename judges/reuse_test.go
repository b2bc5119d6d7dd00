package judges_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/judges"
)

// reuseWindow is how many of an agent's earlier answers each entry is
// compared with, as the runner passes them (arena/runner/judge.go).
const reuseWindow = 8

// reuseFlags answers every prompt of set with write and reports, per
// prompt, whether the entry is flagged as a template only once the
// agent's answers to the reuseWindow prompts before it are known.
func reuseFlags(set []prompt.Prompt, write func(p prompt.Prompt, i int) string) (flagged, already []string) {
	texts := make([]string, len(set))
	for i, p := range set {
		texts[i] = write(p, i)
	}
	for i, p := range set {
		task := judges.Task{PromptID: p.ID, Prompt: p.Text, Criteria: p.Criteria}
		e := judges.Entry{Text: texts[i]}
		before := judges.EntryFlags(task, []judges.Entry{e})
		for k := 1; k <= reuseWindow; k++ {
			q := set[(i-k+len(set))%len(set)]
			e.Recent = append(e.Recent, judges.Earlier{
				Task: judges.Task{PromptID: q.ID, Prompt: q.Text, Criteria: q.Criteria},
				Text: texts[(i-k+len(set))%len(set)],
			})
		}
		after := judges.EntryFlags(task, []judges.Entry{e})
		isTemplate := func(f judges.Flag) bool { return f.Kind == judges.FlagTemplate }
		switch {
		case slices.ContainsFunc(before, isTemplate):
			already = append(already, p.ID)
		case slices.ContainsFunc(after, isTemplate):
			flagged = append(flagged, p.ID)
		}
	}
	return flagged, already
}

// TestTemplateReuseAcrossPrompts: an agent answering every prompt with
// one frame is flagged once its earlier answers are known, however well
// the frame hides inside a single answer; the careful bot's real
// answers, different prompt by prompt, never are.
func TestTemplateReuseAcrossPrompts(t *testing.T) {
	set := prompt.DefaultSet()
	g := newGamingKit(t, set)
	bot := map[string][]string{}
	for _, p := range set {
		names, es := answers(t, p)
		for i, n := range names {
			bot[n] = append(bot[n], es[i].Text)
		}
	}
	for name, texts := range bot {
		if got, _ := reuseFlags(set, func(_ prompt.Prompt, i int) string { return texts[i] }); len(got) > 0 {
			t.Errorf("%s's answers flagged as a reused template on %v", name, got)
		}
	}
	// The least share of prompts each template strategy must be flagged
	// on, once its earlier answers are known. Below these, the frames fill
	// no slot (a prompt without required terms leaves the generic
	// template with nothing to fill), and relevance scores the rest.
	want := map[string]int{
		"a generic fluent template naming each required term":      40,
		"a restatement of the task with a non-committal close":     40,
		"each key fact's words in one templated sentence":          66,
		"lorem ipsum with one template sentence per required term": 50,
		"the old txt-careful template":                             70,
	}
	for si, st := range contentFreeStrategies {
		flagged, already := reuseFlags(set, func(p prompt.Prompt, pi int) string {
			return st.write(g, p, rand.New(rand.NewPCG(uint64(si), uint64(pi))))
		})
		n := len(flagged) + len(already)
		t.Logf("%-60s flagged on %2d of %d prompts (%d within the answer alone)", st.name, n, len(set), len(already))
		if min, ok := want[st.name]; ok && n < min {
			t.Errorf("%s: flagged as a template on %d prompts, want at least %d", st.name, n, min)
		}
		delete(want, st.name)
	}
	for name := range want {
		t.Errorf("strategy %q is gone from the suite", name)
	}
}
