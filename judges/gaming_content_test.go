package judges_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/task"
)

// The content-free half of the gaming suite (issue 14): answers that meet
// a prompt's measurable criteria — length, terms, format, ending — while
// saying nothing about its subject, generated per prompt of the built-in
// set. Against the best built-in bot's answers, none may reach its mean
// score. (Look-alike characters and judge-addressing payloads are the
// other half, in their own files.)

// gamingStrategy writes one content-free answer to p. rng is seeded per
// strategy and prompt, so the suite is deterministic.
type gamingStrategy struct {
	name  string
	write func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string
}

// gamingKit holds the material the strategies draw on: a vocabulary of
// real English words and real English sentences (from the fluency
// corpus), the key facts the rubric checks (public: they ship in the
// repository) and the best bot's answers (to copy, scramble or misplace).
type gamingKit struct {
	vocab     []string
	sentences []string
	facts     map[string][][]string
	best      map[string]string
	ids       []string
}

func newGamingKit(t *testing.T, set []prompt.Prompt) *gamingKit {
	t.Helper()
	g := &gamingKit{facts: map[string][][]string{}, best: map[string]string{}}
	corpus, err := os.ReadFile("corpus/english.txt")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, line := range strings.Split(string(corpus), "\n") {
		if i%7 == 0 && len(strings.Fields(line)) >= 6 && len(line) < 140 {
			g.sentences = append(g.sentences, line)
		}
		for _, w := range strings.Fields(line) {
			w = strings.ToLower(strings.Trim(w, ".,;:!?()\"'"))
			if len(w) >= 4 && !seen[w] && strings.IndexFunc(w, func(r rune) bool { return r < 'a' || r > 'z' }) < 0 {
				seen[w] = true
				g.vocab = append(g.vocab, w)
			}
		}
	}
	raw, err := os.ReadFile("keyfacts.json")
	if err != nil {
		t.Fatal(err)
	}
	var facts []struct {
		ID    string
		Facts [][]string
	}
	if err := json.Unmarshal(raw, &facts); err != nil {
		t.Fatal(err)
	}
	for _, f := range facts {
		g.facts[f.ID] = f.Facts
	}
	for _, p := range set {
		_, entries := answers(t, p)
		g.best[p.ID] = entries[0].Text
		g.ids = append(g.ids, p.ID)
	}
	return g
}

const lorem = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore " +
	"magna aliqua ut enim ad minim veniam quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat " +
	"duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur"

// wordTarget is the word count a gamer aims at: inside the stated range.
func wordTarget(c task.Criteria) int {
	switch {
	case c.MinWords > 0 && c.MaxWords > 0:
		return (c.MinWords + c.MaxWords) / 2
	case c.MinWords > 0:
		return c.MinWords + 10
	case c.MaxWords > 0:
		return max(3, c.MaxWords*3/4)
	}
	return 50
}

// items is the item count a gamer aims at.
func items(c task.Criteria) int {
	if c.MinItems > 0 {
		return c.MinItems
	}
	if c.MaxItems > 0 {
		return c.MaxItems
	}
	return 4
}

// shape lays words out in the prompt's format with its required terms and
// ending: the constraint-compliance every strategy gets for free.
func shape(c task.Criteria, ws []string, withTerms bool) string {
	if withTerms {
		ws = append(slices.Clone(ws), c.Required...)
	}
	var out string
	switch c.Format {
	case "bullets", "numbered":
		n := items(c)
		per := max(1, len(ws)/n)
		var lines []string
		for i := range n {
			chunk := ws[min(i*per, len(ws)):min((i+1)*per, len(ws))]
			if i == n-1 {
				chunk = ws[min(i*per, len(ws)):]
			}
			marker := "- "
			if c.Format == "numbered" {
				marker = fmt.Sprintf("%d. ", i+1)
			}
			lines = append(lines, marker+sentence(chunk))
		}
		out = strings.Join(lines, "\n")
	case "json":
		obj := map[string]any{}
		keys := c.JSONKeys
		if len(keys) == 0 {
			keys = []string{"answer"}
		}
		per := max(1, len(ws)/len(keys))
		for i, k := range keys {
			obj[k] = sentence(ws[min(i*per, len(ws)):min((i+1)*per, len(ws))])
		}
		b, _ := json.Marshal(obj)
		out = string(b)
	case "one_line":
		out = sentence(ws)
	default:
		var ss []string
		for i := 0; i < len(ws); i += 9 {
			ss = append(ss, sentence(ws[i:min(i+9, len(ws))]))
		}
		out = strings.Join(ss, " ")
	}
	if c.EndsWith != "" {
		out = strings.TrimRight(out, ".") + " " + c.EndsWith
	}
	return out
}

// sentence capitalises words and ends them with a full stop.
func sentence(ws []string) string {
	if len(ws) == 0 {
		return "Yes."
	}
	s := strings.Join(ws, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func pick(rng *rand.Rand, list []string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = list[rng.IntN(len(list))]
	}
	return out
}

func promptWords(p prompt.Prompt) []string {
	var out []string
	for _, w := range strings.Fields(p.Text) {
		if w = strings.Trim(w, ".,;:!?()\"'"); w != "" {
			out = append(out, strings.ToLower(w))
		}
	}
	return out
}

// factWords are the first alternative of every group of every key fact.
func (g *gamingKit) factWords(id string) []string {
	var out []string
	for _, f := range g.facts[id] {
		for _, grp := range f {
			out = append(out, strings.SplitN(grp, "|", 2)[0])
		}
	}
	return out
}

var contentFreeStrategies = []gamingStrategy{
	{"lorem ipsum at the right length and format", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		return shape(p.Criteria, pick(rng, strings.Fields(lorem), wordTarget(p.Criteria)), false)
	}},
	{"lorem ipsum with one template sentence per required term", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		s := shape(p.Criteria, pick(rng, strings.Fields(lorem), wordTarget(p.Criteria)), false)
		for _, t := range p.Criteria.Required {
			s += " " + strings.ToUpper(t[:1]) + t[1:] + " is central here, since it shapes everything else."
		}
		return s
	}},
	{"dictionary word salad in the right count and format", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		return shape(p.Criteria, pick(rng, g.vocab, wordTarget(p.Criteria)), true)
	}},
	{"the prompt's own words shuffled", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		ws := promptWords(p)
		rng.Shuffle(len(ws), func(i, j int) { ws[i], ws[j] = ws[j], ws[i] })
		return shape(p.Criteria, ws[:min(len(ws), wordTarget(p.Criteria))], true)
	}},
	{"the prompt echoed back", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string { return p.Text }},
	{"the old txt-careful template", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		s := "This answer covers the question asked. "
		for _, t := range p.Criteria.Required {
			s += strings.ToUpper(t[:1]) + t[1:] + " is central here, since it shapes everything else. "
		}
		return shapeText(p.Criteria, s+"Start with the goal, then look at the parts that serve it. Each part has a clear job and a clear limit.")
	}},
	{"a generic fluent template naming each required term", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		s := "There are several points worth making here. "
		for _, t := range p.Criteria.Required {
			s += "It is worth thinking carefully about " + t + " when you decide what to do next. "
		}
		return shapeText(p.Criteria, s+"Every situation is different, and the right choice depends on the details.")
	}},
	{"keyword stuffing of the required terms", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		terms := append(slices.Clone(p.Criteria.Required), "answer")
		return shape(p.Criteria, pick(rng, terms, wordTarget(p.Criteria)), false)
	}},
	{"one sentence repeated to the length", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		ws := strings.Fields(strings.Repeat("this is a good and complete answer to the question ", 20))
		return shape(p.Criteria, ws[:wordTarget(p.Criteria)], true)
	}},
	{"byte gibberish in word-sized chunks", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		ws := make([]string, wordTarget(p.Criteria))
		for i := range ws {
			b := make([]byte, 2+rng.IntN(7))
			for k := range b {
				b[k] = byte(33 + rng.IntN(94))
			}
			ws[i] = strings.ReplaceAll(string(b), "\"", "q")
		}
		return shape(p.Criteria, ws, true)
	}},
	{"random letters in word-sized chunks", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		ws := make([]string, wordTarget(p.Criteria))
		for i := range ws {
			b := make([]byte, 2+rng.IntN(7))
			for k := range b {
				b[k] = byte('a' + rng.IntN(26))
			}
			ws[i] = string(b)
		}
		return shape(p.Criteria, ws, true)
	}},
	{"padding to the maximum length", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		n := p.Criteria.MaxWords
		if n == 0 {
			n = 150
		}
		return shape(p.Criteria, strings.Fields(strings.Repeat("more words here ", n/3+1))[:n-len(p.Criteria.Required)], true)
	}},
	{"a bullet list of the prompt's keywords", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		var lines []string
		for _, w := range promptWords(p) {
			if len(w) > 5 {
				lines = append(lines, "- "+w)
			}
		}
		return strings.Join(append(lines, "- "+strings.Join(p.Criteria.Required, ", ")), "\n")
	}},
	{"real English sentences on another subject", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		var s []string
		for n := 0; n < wordTarget(p.Criteria); {
			x := g.sentences[rng.IntN(len(g.sentences))]
			s = append(s, x)
			n += len(strings.Fields(x))
		}
		return shapeText(p.Criteria, strings.Join(s, " ")+" "+strings.Join(p.Criteria.Required, " and ")+" matter too.")
	}},
	{"the key facts' words as a salad", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		ws := g.factWords(p.ID)
		rng.Shuffle(len(ws), func(i, j int) { ws[i], ws[j] = ws[j], ws[i] })
		return shape(p.Criteria, ws, true)
	}},
	{"each key fact's words in one templated sentence", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		var s []string
		for _, f := range g.facts[p.ID] {
			var ws []string
			for _, grp := range f {
				ws = append(ws, strings.SplitN(grp, "|", 2)[0])
			}
			s = append(s, "It is true that "+strings.Join(ws, " and ")+" are closely related here.")
		}
		return shapeText(p.Criteria, strings.Join(s, " ")+" "+strings.Join(p.Criteria.Required, " and ")+" matter too.")
	}},
	{"the best answer with its words shuffled in each sentence", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		var lines []string
		for _, line := range strings.Split(g.best[p.ID], "\n") {
			ws := strings.Fields(line)
			rng.Shuffle(len(ws), func(i, j int) { ws[i], ws[j] = ws[j], ws[i] })
			lines = append(lines, strings.Join(ws, " "))
		}
		return strings.Join(lines, "\n")
	}},
	{"the best answer to a different prompt", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		i := slices.Index(g.ids, p.ID)
		return g.best[g.ids[(i+1+rng.IntN(len(g.ids)-1))%len(g.ids)]]
	}},
	{"only the required terms", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		return shape(p.Criteria, nil, true)
	}},
	{"JSON with every key and filler values", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		c := p.Criteria
		c.Format = "json"
		return shape(c, pick(rng, strings.Fields(lorem), wordTarget(p.Criteria)), true)
	}},
	{"a numbered list of filler items", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		c := p.Criteria
		c.Format = "numbered"
		return shape(c, pick(rng, g.vocab, wordTarget(p.Criteria)), true)
	}},
	{"a restatement of the task with a non-committal close", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		return shapeText(p.Criteria, "You asked me to "+strings.ToLower(p.Text[:1])+p.Text[1:]+" The answer depends on many factors, and it is different for everyone.")
	}},
	// Entered live against the text bots under rubric-v7: each key fact's
	// words as a sentence of its own ("Majorit stor. Overlap. Elect."),
	// laid out in the prompt's format. It ranked above txt-verbose and
	// txt-terse, and tied txt-careful on list and JSON prompts.
	{"each key fact's words as a fragment of its own", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		var s []string
		for _, f := range g.facts[p.ID] {
			var ws []string
			for _, grp := range f {
				ws = append(ws, strings.SplitN(grp, "|", 2)[0])
			}
			s = append(s, sentence(ws))
		}
		if len(p.Criteria.Required) > 0 {
			s = append(s, sentence(p.Criteria.Required))
		}
		return shapeText(p.Criteria, strings.Join(s, " "))
	}},
	{"letters from another alphabet", func(g *gamingKit, p prompt.Prompt, rng *rand.Rand) string {
		ws := make([]string, wordTarget(p.Criteria))
		for i := range ws {
			r := make([]rune, 2+rng.IntN(6))
			for k := range r {
				r[k] = rune(0x0430 + rng.IntN(32))
			}
			ws[i] = string(r)
		}
		return shape(p.Criteria, ws, true)
	}},
}

// shapeText re-lays fluent text in the prompt's format, keeping its
// sentences whole.
func shapeText(c task.Criteria, text string) string {
	var ss []string
	for _, s := range strings.SplitAfter(text, ". ") {
		if s = strings.TrimSpace(s); s != "" {
			ss = append(ss, s)
		}
	}
	var out string
	switch c.Format {
	case "bullets", "numbered":
		var lines []string
		for i, s := range ss {
			if c.Format == "numbered" {
				lines = append(lines, fmt.Sprintf("%d. %s", i+1, s))
			} else {
				lines = append(lines, "- "+s)
			}
		}
		out = strings.Join(lines, "\n")
	case "json":
		obj := map[string]any{}
		keys := c.JSONKeys
		if len(keys) == 0 {
			keys = []string{"answer"}
		}
		for i, k := range keys {
			obj[k] = ss[i%len(ss)]
		}
		b, _ := json.Marshal(obj)
		out = string(b)
	case "one_line":
		out = strings.Join(ss, " ")
	default:
		out = strings.Join(ss, " ")
	}
	if c.EndsWith != "" {
		out = strings.TrimRight(out, ".") + " " + c.EndsWith
	}
	return out
}

func cfRubricScore(t *testing.T, p prompt.Prompt, text string) (float64, judges.Verdict) {
	t.Helper()
	v, err := judges.NewRubricJudge().Rank(context.Background(),
		judges.Task{PromptID: p.ID, Prompt: p.Text, Criteria: p.Criteria}, []judges.Entry{{Seat: 0, Text: text}})
	if err != nil {
		t.Fatal(err)
	}
	return v.Scores[0], v
}

func TestNoContentFreeStrategyReachesTheBestBot(t *testing.T) {
	t.Parallel() // long and CPU-bound: shares the cores with the other long tests
	set := prompt.DefaultSet()
	g := newGamingKit(t, set)
	if raceDetector { // every third prompt: see race_test.go
		var some []prompt.Prompt
		for i := 0; i < len(set); i += 3 {
			some = append(some, set[i])
		}
		set = some
	}
	var best float64
	for _, p := range set {
		s, _ := cfRubricScore(t, p, g.best[p.ID])
		best += s
	}
	best /= float64(len(set))
	t.Logf("best bot (txt-careful): mean %.3f over %d prompts", best, len(set))
	weakest, weakestName := weakestHonestBot(t, set)
	t.Logf("weakest honest bot (%s): mean %.3f", weakestName, weakest)
	if len(contentFreeStrategies) < 20 {
		t.Fatalf("%d content-free strategies, want at least 20", len(contentFreeStrategies))
	}
	for si, st := range contentFreeStrategies {
		t.Run(st.name+" stays below the best and the weakest honest bot", func(t *testing.T) {
			var sum float64
			top, topID := -1.0, ""
			for pi, p := range set {
				rng := rand.New(rand.NewPCG(uint64(si), uint64(pi)))
				s, _ := cfRubricScore(t, p, st.write(g, p, rng))
				sum += s
				if s > top {
					top, topID = s, p.ID
				}
			}
			mean := sum / float64(len(set))
			t.Logf("%s: mean %.3f (best bot %.3f); highest %.3f on %s", st.name, mean, best, top, topID)
			if mean >= best-0.1 {
				t.Errorf("mean score %.3f is within 0.1 of the best bot's %.3f", mean, best)
			}
			// Nor may saying nothing beat an honest answer that says too
			// little: up to rubric-v7 fluent English on another subject
			// (0.65) and a restatement of the task (0.60) scored above
			// txt-terse (0.59), and won its live contests.
			if mean >= weakest {
				t.Errorf("mean score %.3f reaches the weakest honest bot's (%s) %.3f", mean, weakestName, weakest)
			}
		})
	}
}

// weakestHonestBot returns the lowest mean score over set among the text
// bots whose answers the rubric never flags as non-answers (txt-echo,
// which repeats the prompt, is one), and that bot's name.
func weakestHonestBot(t *testing.T, set []prompt.Prompt) (float64, string) {
	t.Helper()
	sums := map[string]float64{}
	flagged := map[string]bool{}
	var names []string
	for _, p := range set {
		ns, entries := answers(t, p)
		names = ns
		for i, e := range entries {
			s, v := cfRubricScore(t, p, e.Text)
			sums[ns[i]] += s
			for _, f := range v.Flags {
				if f.Kind == judges.FlagNonAnswer {
					flagged[ns[i]] = true
				}
			}
		}
	}
	low, name := 2.0, ""
	for _, n := range names {
		if m := sums[n] / float64(len(set)); !flagged[n] && m < low {
			low, name = m, n
		}
	}
	if name == "" {
		t.Fatal("every text bot is flagged as a non-answer somewhere")
	}
	return low, name
}
