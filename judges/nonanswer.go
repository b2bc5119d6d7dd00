package judges

import (
	"fmt"
	"slices"
	"strings"
)

// FlagNonAnswer marks an entry that games the judge by shape rather than
// by instruction: empty or invisible, padded with repetition far past
// what the task asks, stuffed with one keyword, or an echo of the prompt.
// The rubric cuts a flagged entry's score by nonAnswerPenalty: an echo of
// the prompt meets most criteria (it names the required terms, fits the
// length), so the criteria alone would let it beat a real but weak
// answer. The arena's injection rule does not act on this flag; it also
// tells readers and preference-pair filters that the entry was not a real
// answer.
const FlagNonAnswer = "non_answer"

// nonAnswerPenalty multiplies a non-answer's rubric score.
const nonAnswerPenalty = 0.25

// Thresholds of detectNonAnswer. They sit well above what an honest
// answer does: the careful bot repeats under 5% of its trigrams and copies
// under 20% from the prompt.
const (
	paddingRepeatRatio = 0.6  // share of repeated word trigrams
	paddingMinWords    = 60   // shorter texts are not "padding"
	oversizeFactor     = 5    // words over this many times max_words
	oversizeMinWords   = 200  // … and at least this many words
	stuffingShare      = 0.25 // one word this share of all words
	stuffingMinWords   = 20
	copyShare          = 0.8 // share of trigrams copied from the prompt
)

// stopwords are left out of the keyword-stuffing count.
var stopwords = map[string]bool{"the": true, "and": true, "for": true, "that": true, "with": true, "this": true,
	"are": true, "was": true, "you": true, "not": true, "but": true, "its": true, "has": true, "have": true, "from": true}

// detectNonAnswer returns why text is not a real answer to the task, or
// "" if it is one. It reads the folded text, so zero-width padding is
// empty and look-alike letters count as the words they imitate.
func detectNonAnswer(task Task, text string) string {
	folded := foldText(text)
	switch {
	case text == "":
		return "empty answer"
	case strings.TrimSpace(text) == "":
		return "only whitespace"
	case strings.TrimSpace(folded) == "":
		return "only invisible characters"
	}
	ws := words(folded)
	if len(ws) == 0 {
		return "no words"
	}
	if n := len(ws); n >= paddingMinWords {
		if r := repeatedTrigramRatio(folded); r >= paddingRepeatRatio {
			return fmt.Sprintf("padding: %s%% of its word trigrams repeat", fmtNum(r*100, 1))
		}
	}
	if m := task.Criteria.MaxWords; m > 0 && len(ws) > oversizeFactor*m && len(ws) >= oversizeMinWords {
		return fmt.Sprintf("oversized: %d words for a maximum of %d", len(ws), m)
	}
	if len(ws) >= stuffingMinWords {
		counts := map[string]int{}
		for _, w := range ws {
			w = strings.ToLower(strings.TrimFunc(w, func(r rune) bool { return !isWordRune(r) }))
			if len([]rune(w)) >= 3 && !stopwords[w] {
				counts[w]++
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
		if float64(top) >= stuffingShare*float64(len(ws)) {
			return fmt.Sprintf("keyword stuffing: %q is %d of %d words", best, top, len(ws))
		}
	}
	if len(trigrams(folded)) >= 3 {
		if c := copiedTrigramRatio(folded, foldText(task.Prompt)); c >= copyShare {
			return fmt.Sprintf("copies the prompt: %s%% of its word trigrams", fmtNum(c*100, 1))
		}
	}
	return ""
}
