package bots

import (
	"context"
	"encoding/json"
	"fmt"
)

// TextCareful is the best built-in text bot: on the built-in prompt set it
// answers with a hand-written answer (answers.json) that is correct,
// specific to the prompt and within every stated criterion — the bar the
// rubric is tested against. On a prompt it has no answer for, it falls
// back to composeCareful, which reads the constraints the prompt states
// and fills them from sentence frames: it knows nothing of the topic, and
// the rubric (rightly) scores that low on content and flags the frames.
type TextCareful struct{}

// NewTextCareful returns the careful text bot.
func NewTextCareful() *TextCareful { return &TextCareful{} }

func (*TextCareful) Name() string { return "txt-careful" }
func (*TextCareful) Game() string { return GamePrompt }
func (*TextCareful) Description() string {
	return "Prompt: a written, prompt-specific answer that meets every stated criterion (built-in prompts); otherwise a constraint-following template."
}

func (*TextCareful) Move(ctx context.Context, view json.RawMessage) (json.RawMessage, error) {
	return answerOnce(ctx, view, func(id, prompt string) string {
		if a, ok := lookupAnswer(id, prompt); ok {
			return a
		}
		return composeCareful(prompt)
	})
}

// Sentence kinds, in the order trimming sacrifices them: fillers first,
// the opener next, term sentences last (they carry required terms).
const (
	kindFiller = iota
	kindOpener
	kindTerm
)

type sentence struct {
	text string
	kind int
	seq  int    // order of addition; trimming takes the newest first
	term string // the required term a kindTerm sentence carries
}

var termTemplates = []string{
	"%s is central here, since it shapes everything else.",
	"It helps to understand %s before going further.",
	"A good example makes %s concrete and easy to check.",
	"Keep %s in mind, because it explains the key behaviour.",
	"Many mistakes come from ignoring %s.",
	"In practice, %s decides how well the approach works.",
	"Any honest account has to cover %s.",
}

// fillers are generic, mutually distinct sentences: no two share a word
// trigram, so padding never trips a repetition check.
var fillers = []string{
	"Start with the goal, then look at the parts that serve it.",
	"Each part has a clear job and a clear limit.",
	"A concrete example makes the idea easier to test.",
	"Small, explicit steps are safer than one large leap.",
	"Trade-offs exist, so the right choice depends on context.",
	"Measure before changing anything, and measure again afterwards.",
	"Failures should be visible rather than hidden behind silent defaults.",
	"Good names and short functions keep a design readable.",
	"Write down assumptions, because they drift over time.",
	"Prefer the plain solution until evidence demands something cleverer.",
	"Keep the common path fast and the rare path correct.",
	"Record why a decision was made, not only what it was.",
	"Ask someone who did not build it to review the result.",
	"Automate the checks people forget under pressure.",
	"When in doubt, favour clarity over brevity.",
	"State costs and benefits in plain numbers.",
	"Edge cases deserve their own tests, since they break first.",
	"Users care about outcomes, so describe the effect on them.",
	"A rollback plan turns a risky change into a safe experiment.",
	"Feedback arrives faster when results come back within minutes.",
	"Limits on size and time prevent one request from hurting others.",
	"Clear ownership avoids work that nobody finishes.",
	"Logs and metrics show what happened after the fact.",
	"Defaults matter because most people never change them.",
	"Interfaces should be small enough to explain in one breath.",
	"Retries need backoff, or they make an outage worse.",
	"Security reviews belong early, before designs harden.",
	"Documentation works best next to the code it describes.",
	"Incremental delivery lets a team learn from real use.",
	"Consistency across a system lowers the cost of reading it.",
	"Remove dead code promptly so readers are not misled.",
	"Benchmarks must run on realistic data to mean anything.",
	"Dependencies bring risk as well as speed.",
	"Budgets for latency and memory make trade-offs explicit.",
	"Teaching the idea to a newcomer exposes gaps in it.",
	"Simple checklists catch mistakes that experts still make.",
	"Every alert should lead to a clear action.",
	"Capacity planning starts from observed peaks, not averages.",
	"Versioned formats let old and new readers coexist.",
	"Honest estimates include the time for testing and review.",
	// Short ones, for tight limits and list items.
	"Check the result twice.",
	"Plan for failure early.",
	"Keep notes as you go.",
	"Ask for feedback often.",
	"Prefer small, steady steps.",
	"Test the common case first.",
	"Write the rollback down.",
	"Name things plainly.",
}

// composeCareful writes the answer: opener, one sentence per required
// term, fillers up to the word target; then trims back under the maximum;
// then renders the requested format.
func composeCareful(prompt string) string {
	c := parseConstraints(prompt)
	w := &writer{c: c}
	opener := "Here is a focused answer."
	if topic := taskTopic(prompt); topic != "" {
		opener = "This answer covers " + topic + "."
	}

	blocks := 1
	switch c.format {
	case "bullets", "numbered":
		blocks = listLength(c)
	case "json":
		if len(w.c.jsonKeys) == 0 {
			w.c.jsonKeys = []string{"answer"}
		}
		w.c.jsonKeys = w.c.jsonKeys[:min(len(w.c.jsonKeys), maxListItems)]
		blocks = len(w.c.jsonKeys)
	}
	w.blocks = make([][]sentence, blocks)

	lo, hi, target := wordTarget(c, blocks)
	// Naming the topic helps a reader, but in a very short answer the
	// restated topic would be most of the text, and an answer that mostly
	// repeats the prompt is not an answer.
	if target >= 30 {
		w.add(0, w.pick(kindOpener, "", opener, "Here is a focused answer."))
	}
	for i, term := range c.required {
		if w.forbids(term) {
			continue // contradictory constraints: obeying the ban is safer
		}
		long := fmt.Sprintf(termTemplates[i%len(termTemplates)], term)
		w.add((i+1)%blocks, w.pick(kindTerm, term, capFirst(long), capFirst(term)+" matters."))
	}
	// Every item needs content; under a maximum each empty item gets an
	// equal share of the words left.
	for b := range w.blocks {
		if len(w.blocks[b]) == 0 {
			room := -1
			if hi > 0 {
				room = max(2, (hi-w.words())/w.emptyBlocks())
			}
			w.addFiller(b, room, true)
		}
	}
	// Fill towards the target with whole fillers that fit under the
	// maximum; an exact or tight range is topped up with a cut filler.
	for w.words() < target {
		room := -1
		if hi > 0 {
			room = hi - w.words()
		}
		if !w.addFiller(w.shortest(), room, false) {
			break
		}
	}
	if need := lo - w.words(); need > 0 {
		w.addFiller(w.shortest(), need, true)
	}
	// Fixed sentences alone may exceed the maximum: cut back towards the
	// target, so the answer sits inside the range rather than on its edge.
	for hi > 0 && w.words() > hi && w.trim(w.words()-target) {
	}
	return w.render()
}

// maxListItems caps list and JSON answers.
const maxListItems = 30

// listLength picks an item count inside the stated bounds, leaning to
// fewer items when a word limit would leave each one only a few words.
func listLength(c constraints) int {
	// No prompt asks for more; the cap keeps a hostile "list of 100000
	// items" from costing more than a move is allowed.
	n := min(listBounds(c), maxListItems)
	if c.maxWords > 0 && c.maxWords/n < 6 {
		// minItems comes from the prompt too, so it is capped like the
		// rest (a fuzzed "list 100000 tips in 9 words" hung here).
		n = min(maxListItems, max(1, c.minItems, min(n, c.maxWords/6)))
	}
	return n
}

func listBounds(c constraints) int {
	switch {
	case c.minItems > 0 && c.maxItems >= c.minItems:
		return (c.minItems + c.maxItems) / 2
	case c.minItems > 0:
		return c.minItems
	case c.maxItems > 0:
		return min(c.maxItems, 3)
	}
	return 3
}

// wordTarget aims inside the stated range: its middle when both bounds are
// given, a little over a bare minimum, two thirds of a bare maximum.
func wordTarget(c constraints, blocks int) (lo, hi, target int) {
	lo, hi = c.minWords, c.maxWords
	if hi > 0 && lo > hi {
		lo, hi = hi, lo
	}
	switch {
	case lo > 0 && hi > 0:
		target = (lo + hi) / 2
	case lo > 0:
		target = lo + max(5, lo/10)
	case hi > 0:
		target = max(hi*2/3, min(hi, 10))
	case c.oneSentence:
		target = 15
	case c.format == "one_line":
		target = 25
	case blocks > 1:
		target = 12 * blocks
	default:
		target = 60
	}
	return lo, hi, target
}
