package judges_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
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
	t.Parallel() // long and CPU-bound: shares the cores with the other long tests
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

// keyFactFrames answers with the key facts' words (keyfacts.json is
// public) set in varied sentence frames, each frame used at most once in
// an answer, so no frame repeats inside it: "When the majority changes,
// the store changes along with it. None of this would work without the
// elect." Read one at a time these are fluent sentences that cover every
// fact, and up to rubric-v5 they tied or beat the careful bot on 29 of
// the 70 prompts (QA judge gaming, played live as an agent). The frames
// are a fixed pool, as a generator's are, so across prompts they recur
// filled with other facts' words.
func keyFactFrames(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
	pools := [][]string{
		nil,
		{"Most of it comes down to the %s in the end.", "It is easy to forget how much the %s matters here.", "None of this would work without the %s."},
		{"The %s is what makes the %s work in the first place.", "When the %s changes, the %s changes along with it.",
			"You can think of the %s as the reason for the %s.", "People who study the %s often talk about the %s too.",
			"A good %s will usually lead to a better %s over time.", "In most cases the %s follows from the %s, not the other way round.",
			"If you look closely, the %s and the %s turn out to be linked."},
		{"The %s shapes the %s, and both of them affect the %s.", "Once the %s is in place, the %s can start to shape the %s.",
			"Think of the %s and the %s as two sides of the same %s.", "Because of the %s, the %s tends to decide the %s."},
		{"The %s and the %s both matter, since the %s depends on the %s."},
	}
	for _, pool := range pools {
		rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	}
	var s []string
	for _, f := range g.facts[p.ID] {
		var ws []any
		var plain []string
		for _, grp := range f {
			alt := strings.SplitN(grp, "|", 2)[0]
			w := alt
			if !strings.Contains(alt, " ") {
				for _, v := range g.vocab {
					if strings.HasPrefix(v, alt) {
						w = v
						break
					}
				}
			}
			ws, plain = append(ws, w), append(plain, w)
		}
		n := min(len(ws), 4)
		if len(pools[n]) == 0 {
			s = append(s, "The "+strings.Join(plain, " and the ")+" go together.")
			continue
		}
		s = append(s, fmt.Sprintf(pools[n][0], ws[:n]...))
		pools[n] = pools[n][1:]
	}
	if req := p.Criteria.Required; len(req) > 0 {
		s = append(s, "It also helps to mention "+strings.Join(req, " and ")+" here.")
	}
	return shapeText(p.Criteria, strings.Join(s, " "))
}

// TestKeyFactFramesAreFlaggedAcrossPrompts: one answer of key-fact
// frames cannot be told from prose by the rubric, but an agent that
// writes them for every prompt is flagged as a template once its earlier
// answers are known (rubric-v6: the key facts' words are slots too).
func TestKeyFactFramesAreFlaggedAcrossPrompts(t *testing.T) {
	set := prompt.DefaultSet()
	g := newGamingKit(t, set)
	flagged, already := reuseFlags(set, func(p prompt.Prompt, pi int) string {
		return keyFactFrames(g, p, rand.New(rand.NewPCG(99, uint64(pi))))
	})
	n := len(flagged) + len(already)
	t.Logf("key-fact frames flagged on %d of %d prompts (%d within the answer alone)", n, len(set), len(already))
	if n < 55 {
		t.Errorf("key-fact frames flagged as a template on %d prompts, want at least 55", n)
	}
}
