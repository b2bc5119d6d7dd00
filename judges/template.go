package judges

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// FlagTemplate marks an answer built from a fill-in-the-blanks template
// rather than written for its prompt: the same sentence frame filled with
// each required term in turn ("Quorum is central here, since it shapes
// everything else. Leader is central here, since …"), or prose about the
// answer itself ("This answer covers …") instead of about the subject.
// The rubric cuts a flagged entry's score by templatePenalty.
//
// Inside one answer the template leaves two marks. A frame is recognised
// by its skeleton: the sentence with every word the task supplies (its
// words, its required terms, its key facts' words: slotWords) and every
// number replaced by a slot. Real answers vary their sentences; a
// template repeats its skeleton with different slot fillers. A template
// clever enough to use each frame once per answer is NOT caught here,
// and relevance does not catch it either: a frame filled with a key
// fact's words covers that fact ("When the majority changes, the store
// changes along with it." covers majority+store). What gives such a
// generator away is its frames recurring across its answers to other
// prompts, when the caller passes them (reuse.go).
const FlagTemplate = "template"

// templatePenalty multiplies a templated entry's rubric score.
const templatePenalty = 0.5

// Thresholds of detectTemplate.
const (
	// skeletonMinFixed is how many non-slot words a sentence frame needs
	// before a repeat counts: "It is." twice is not a template.
	skeletonMinFixed = 3
	// phraseWords and phraseMinSentences: a phrase of this many words
	// in this many sentences is a frame.
	phraseWords        = 4
	phraseMinSentences = 3
	// metaMin is how many answer-about-the-answer phrases flag an entry.
	metaMin = 2
)

// metaPhrases talk about the answer instead of the subject, or are known
// filler. Each is generic enough that a real answer to any prompt of the
// set has no use for it, and together they are the frames filler
// generators reach for.
var metaPhrases = []string{
	"this answer", "this response", "my answer", "the answer above", "here is a focused answer",
	"is central here", "shapes everything else", "it helps to understand", "before going further",
	"any honest account", "keep it in mind", "decides how well the approach works",
	"explains the key behaviour", "explains the key behavior", "there is a great deal to say",
	"many different aspects", "it is important to note that", "as mentioned before", "as i mentioned before",
	"the topic of", "this topic", "the question asks", "the prompt asks", "as requested",
	// The filler sentences of the constraint template the careful bot
	// used before rubric-v4 (and still uses off the built-in set), and
	// which outside owners copied: known templates, recognised as such.
	"start with the goal, then look at the parts", "each part has a clear job and a clear limit",
	"a concrete example makes the idea easier to test", "small, explicit steps are safer than one large leap",
	"trade-offs exist, so the right choice depends on context", "ask for feedback often",
	"prefer small, steady steps", "test the common case first", "write the rollback down", "name things plainly",
}

// detectTemplate returns why text looks templated, or "".
func detectTemplate(task Task, text string) string {
	folded := strings.ToLower(foldText(text))
	hits := 0
	var seen []string
	for _, m := range metaPhrases {
		if n := strings.Count(folded, m); n > 0 {
			hits += n
			seen = append(seen, strconv.Quote(m))
		}
	}
	if hits >= metaMin {
		return "stock phrases about the answer, not the subject: " + strings.Join(seen, ", ")
	}
	if frame, n := repeatedSkeleton(task, text); n >= 2 {
		return fmt.Sprintf("one sentence frame filled %d times: %q", n, frame)
	}
	if phrase, n := recurringPhrase(text); n >= phraseMinSentences {
		return fmt.Sprintf("the phrase %q recurs in %d sentences", phrase, n)
	}
	return ""
}

// recurringPhrase returns the word 4-gram found in the most sentences
// and how many. A frame whose slots are filled with words the prompt does
// not supply ("It is true that X and Y are closely related here.") keeps
// its fixed words, and those recur sentence after sentence; prose does
// not reuse a four-word phrase in three sentences.
func recurringPhrase(text string) (string, int) {
	in := map[string]int{}
	for _, u := range answerUnits(text) {
		ws := wordTokens(u)
		seen := map[string]bool{}
		for i := 0; i+phraseWords <= len(ws); i++ {
			g := strings.Join(ws[i:i+phraseWords], " ")
			if !seen[g] {
				seen[g] = true
				in[g]++
			}
		}
	}
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	best, top := "", 0
	for _, k := range keys {
		if in[k] > top {
			best, top = k, in[k]
		}
	}
	return best, top
}

// repeatedSkeleton returns the most repeated sentence frame (with at least
// skeletonMinFixed words of its own) and how many sentences share it.
func repeatedSkeleton(task Task, text string) (string, int) {
	slotWords := newSlotWords(task, task.Criteria.Required)
	counts := map[string]int{}
	// Identical sentences are repetition, not a frame (a JSON answer may
	// name its correct option twice); the repetition check scores them.
	for _, u := range distinct(answerUnits(text)) {
		var sk []string
		fixed := 0
		for _, w := range wordTokens(u) {
			if slotWords.has(w) || strings.IndexFunc(w, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
				if len(sk) == 0 || sk[len(sk)-1] != "_" {
					sk = append(sk, "_")
				}
				continue
			}
			sk = append(sk, w)
			fixed++
		}
		if fixed >= skeletonMinFixed {
			counts[strings.Join(sk, " ")]++
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a fixed choice among equal counts
	best, top := "", 0
	for _, k := range keys {
		if counts[k] > top {
			best, top = k, counts[k]
		}
	}
	return best, top
}

// wordTokens lower-cases text and splits it into words of letters,
// digits and apostrophes.
func wordTokens(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !isWordRune(r) && r != '\'' })
}

// distinct returns the strings of list without repeats, in first-seen
// order.
func distinct(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// slotWords are the words a task supplies to any answer: its prompt's
// words, the terms its criteria name and, since rubric-v6, the
// alternatives of its key facts (keyfacts.json, public). A template
// filled with them is the same template whatever they are: a frame
// generator that reads the key facts ("None of this would work without
// the quorum.") fills its slots with the facts' words rather than the
// prompt's, and the facts' words are as predictable to it as the
// prompt's.
type slotWords struct {
	exact    map[string]bool
	prefixes []string // key-fact alternatives, which match at a word's start
}

// minSlotPrefix is the shortest key-fact alternative that makes every
// word it starts a slot; a shorter one ("go", "he") makes only itself
// one, as it starts too many unrelated words.
const minSlotPrefix = 4

func newSlotWords(task Task, terms []string) slotWords {
	sw := slotWords{exact: map[string]bool{}}
	for _, s := range append([]string{task.Prompt}, terms...) {
		for _, w := range wordTokens(foldText(s)) {
			sw.exact[w] = true
		}
	}
	if facts := factsFor(task); facts != nil {
		for _, f := range facts.groups {
			for _, g := range f {
				for _, alt := range g {
					for _, w := range wordTokens(alt) {
						if len(w) >= minSlotPrefix {
							sw.prefixes = append(sw.prefixes, w)
						} else {
							sw.exact[w] = true
						}
					}
				}
			}
		}
	}
	return sw
}

// has reports whether w (a lower-cased word token) is a slot word.
func (sw slotWords) has(w string) bool {
	if sw.exact[w] {
		return true
	}
	for _, p := range sw.prefixes {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}
