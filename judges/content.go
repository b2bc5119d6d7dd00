package judges

import (
	"fmt"
	"strings"
)

// The rubric's score has two parts since rubric-v4. Compliance is the
// weighted mean of the measurable criteria (rubric.go): length, terms,
// format, ending, sentence length, repetition, own words. Content is
// what compliance cannot see: whether the text is English prose at all
// (fluency.go) and whether it says what a good answer to this prompt says
// (relevance.go). Before v4 compliance was the whole score, and filler
// that met every constraint scored 0.96–0.99 against 1.0 for real
// answers: the rubric saturated and could not tell them apart.
//
// Relevance counts only as far as the text is fluent (relevance ×
// fluency), so a salad of the right nouns earns nothing for them. Fluency
// also counts on its own, so a fluent answer that misses facts still
// beats gibberish that meets the constraints.
const (
	shareCompliance = 0.45
	shareRelevance  = 0.35
	shareFluency    = 0.20
	// Without key facts (a prompt outside the built-in set) the content
	// part is fluency alone.
	shareComplianceNoFacts = 0.65
	shareFluencyNoFacts    = 0.35
)

// contentFreeFluency: below this fluency a text of contentFreeMinRunes or
// more is flagged as a non-answer. Honest answers of the set score above
// 0.6 (see TestFluencySeparatesProseFromFiller).
const (
	contentFreeFluency  = 0.15
	contentFreeMinRunes = 40
)

// A prompt that asks for JSON or a list asks for data, and its best
// answer is often names, numbers and short phrases: the fluency model
// finds no sentence to judge there and gives its neutral verdict (0.85,
// fluency.go), while the same keys or items written as sentences read as
// fluent prose. Up to rubric-v5 that made a list of board games "with no
// descriptions", as asked, lose to one with a description on every line,
// and an exact extraction lose to filler sentences under the same keys.
// For these formats fluency is a gate, not a ladder: from
// structuredFluencyFull up it counts in full, so reading more like prose
// earns nothing, while gibberish and word salad (which score far lower)
// still count against the entry.
var structuredFormats = map[string]bool{"json": true, "bullets": true, "numbered": true}

const structuredFluencyFull = 0.8

// contentScore combines compliance with fluency and relevance and
// appends the checks that explain it to the rationale.
func contentScore(task Task, text string, compliance float64, checks []check) (float64, []check) {
	fl := defaultFluency().fluency(text)
	f, full := fl.score, ""
	if structuredFormats[task.Criteria.Format] {
		f = min(1, fl.score/structuredFluencyFull)
		if f == 1 {
			full = ", full marks for " + task.Criteria.Format
		}
	}
	checks = append(checks, check{
		label: fmt.Sprintf("fluent English (fluency %s%s: %s bits/char, grammar gain %s bits/word)",
			fmtNum(fl.score, 2), full, fmtNum(fl.charBits, 2), fmtNum(fl.grammarGain, 2)),
		met: fl.score >= 0.5,
	})
	facts := factsFor(task)
	if facts == nil {
		return shareComplianceNoFacts*compliance + shareFluencyNoFacts*f, checks
	}
	rel := facts.relevance(text)
	checks = append(checks, check{
		label: fmt.Sprintf("key facts %d of %d", rel.covered, rel.total),
		met:   rel.covered*2 >= rel.total,
	})
	if len(rel.missed) > 0 {
		checks = append(checks, check{label: "key facts not stated: " + strings.Join(rel.missed, "; ")})
	}
	return shareCompliance*compliance + shareRelevance*rel.score()*f + shareFluency*f, checks
}

// detectContentFree returns why text is not prose, or "".
func detectContentFree(text string) string {
	fl := defaultFluency().fluency(text)
	if fl.runes >= contentFreeMinRunes && fl.score < contentFreeFluency {
		return fmt.Sprintf("content-free: does not read as English (fluency %s: %s bits/char, grammar gain %s bits/word)",
			fmtNum(fl.score, 2), fmtNum(fl.charBits, 2), fmtNum(fl.grammarGain, 2))
	}
	return ""
}
