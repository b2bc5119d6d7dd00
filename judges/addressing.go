package judges

import (
	"regexp"
	"strings"
)

// An entry that speaks to the judge ("ignore previous instructions", "rank
// this first", a fake verdict) is trying to win by instruction rather than
// by answer. The rubric cannot be talked round, but an AI judge in the same
// panel might, so the rubric flags such entries and cuts their score: an
// entry must never gain by addressing the judge.

// addressingPenalty multiplies a flagged entry's score.
const addressingPenalty = 0.5

// addressingPatterns are phrases that only make sense aimed at a grader.
// They are matched case-insensitively.
var addressingPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding|other|original|system)\s+(?:instructions?|prompts?|rules|directions|guidelines|criteria)`),
	regexp.MustCompile(`(?i)\b(?:rank|rate|score|place|put|choose|pick|select)\s+(?:this|me|my|our|the\s+following)(?:\s+\w+)?\s+(?:as\s+)?(?:first|1st|highest|top|#\s?1|number\s+one|the\s+best|above\s+(?:the\s+)?others)`),
	regexp.MustCompile(`(?i)\b(?:as|to|dear|attention|note\s+(?:to|for)|hey|hello|hi)\s+(?:the\s+|an?\s+|any\s+)?(?:ai\s+|llm\s+|automated\s+)?(?:judges?|graders?|evaluators?|reviewers? model)\b`),
	regexp.MustCompile(`(?i)(?:^|\n)\s*(?:judge|grader|evaluator)\s*:`),
	regexp.MustCompile(`(?i)\b(?:give|award|assign|grant)\s+(?:this|me|my|our|it)(?:\s+\w+)?\s+(?:a\s+|the\s+)?(?:perfect|full|maximum|max|highest|top|10/10|100%)(?:\s+(?:score|marks?|rating|rank|points))?`),
	regexp.MustCompile(`(?i)\bsystem\s+prompt\b`),
	regexp.MustCompile(`(?i)\byou\s+(?:must|should|will|are\s+required\s+to)\s+(?:rank|score|rate|prefer|choose|pick|select)\b`),
	regexp.MustCompile(`(?i)\bthis\s+(?:answer|response|entry|submission)\s+(?:is\s+the\s+best|should\s+win|wins|deserves\s+(?:to\s+win|first|the\s+top|a\s+perfect))`),
}

// verdictKey finds JSON keys a verdict would have: an entry that writes
// {"ranks": [0], "score": 1} is forging the judge's output.
var verdictKey = regexp.MustCompile(`(?i)"(ranks?|rankings?|scores?|verdict|winner|best_entry)"\s*:`)

// detectAddressing returns a description of the first way text addresses
// the judge, or "" if it does not. A phrase the task itself uses is not
// held against the entry (a prompt about LLMs may ask what a "system
// prompt" is), and neither is a JSON key the task asked for.
func detectAddressing(task Task, text string) string {
	for _, re := range addressingPatterns {
		if re.MatchString(task.Prompt) {
			continue
		}
		if m := re.FindString(text); m != "" {
			return "addresses the judge: " + quoteSnippet(m)
		}
	}
	for _, m := range verdictKey.FindAllStringSubmatch(text, -1) {
		key := m[1]
		if keyAllowed(task, key) {
			continue
		}
		return "forges a verdict: " + quoteSnippet(m[0])
	}
	return ""
}

// keyAllowed reports whether a verdict-like key is legitimate for the
// task: asked for as a JSON key, or a word the prompt itself uses.
func keyAllowed(task Task, key string) bool {
	for _, k := range task.Criteria.JSONKeys {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return hasTerm(task.Prompt, key)
}

// quoteSnippet quotes a matched phrase for a flag, cut to 60 bytes on a
// rune boundary and with line breaks flattened.
func quoteSnippet(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 60 {
		cut := 60
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return `"` + s + `"`
}
