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

// A prompt that asks for prose of some length ("In 40 to 80 words,
// explain …": no format or "plain", and a minimum of sentencePromptMinWords
// words or more) asks for sentences. The fluency model gives text
// without a sentence of grammarMinWords words its neutral verdict (a list
// of names has no grammar to judge), and up to rubric-v7 that let a run
// of fragments pass as prose: each key fact's words as a sentence of its
// own ("Majority store. Overlap. Quorum leader.", 8 words for 40–80)
// scored 0.84 and, live, ranked above txt-verbose and txt-terse. For these
// formats fluency is capped by the share of the answer's words that
// stand in sentences: from sentenceShareFull up nothing changes, below
// it the cap falls quadratically to 0 for an answer of fragments only.
// One-line answers (a slogan, a title), lists and short answers ("Say
// alpha.") are left alone: a fragment is a fine answer there.
var sentenceFormats = map[string]bool{"": true, "plain": true}

const (
	sentencePromptMinWords = 20
	sentenceShareFull      = 0.8
)

// A list prompt of the built-in set whose items are statements (tips,
// steps, reasons, questions), and a one-line prompt of the set (a
// summary, a definition, a piece of advice), are answered in words that
// read as English, if tersely: "Use the imperative mood", "Explain why".
// A run of bare words ("1. Evidence. 2. Task. 3. Correct.", "Latency
// time. Request respon. latency.") gives the fluency model no unit of
// grammarMinWords to read, so it got the model's neutral verdict, and up
// to rubric-v7 the key facts' words laid out so tied the best answer
// (p025, p028) or beat honest one-liners. There fluency is capped like a
// prose answer's, by the share of words that stand in statements
// (fluencyResult.statementShare). Lists of names or things
// (promptFacts.PhraseItems) and prompts outside the set are left alone.
var statementFormats = map[string]bool{"bullets": true, "numbered": true, "one_line": true}

// sentenceCap is the fluency cap for a prose prompt's answer whose
// words stand in sentences at the given share.
func sentenceCap(share float64) float64 {
	c := min(1, share/sentenceShareFull)
	return c * c
}

// Compliance is what the prompt asks for in form; on its own it says
// nothing about the subject. Up to rubric-v7 it counted in full whatever
// the answer said, so fluent English on another subject with the
// required words (0.65 on average) beat a correct answer that was too
// short (txt-terse, 0.59) on 50 of the 70 prompts, and live by 107
// contests to 23. Since rubric-v8 compliance counts in full once the
// answer states a third of the prompt's key facts in English (relevance
// × fluency), and for an answer stating none only complianceFloor of it:
// meeting the form of a task one does not answer is worth little.
const (
	complianceFloor = 0.25
	complianceSlope = 2.25 // full from relevance 1/3
)

func complianceGate(relevance float64) float64 {
	return min(1, complianceFloor+complianceSlope*relevance)
}

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
	if sentenceFormats[task.Criteria.Format] && task.Criteria.MinWords >= sentencePromptMinWords {
		if c := sentenceCap(fl.sentenceShare); c < f {
			f = c
			checks = append(checks, check{
				label: fmt.Sprintf("written in sentences (%s%% of its words in sentences of %d words or more; fluency counted as %s)",
					fmtNum(fl.sentenceShare*100, 1), grammarMinWords, fmtNum(f, 2)),
			})
		}
	}
	facts := factsFor(task)
	if facts != nil && statementFormats[task.Criteria.Format] && !facts.PhraseItems {
		if c := sentenceCap(fl.statementShare); c < f {
			f = c
			checks = append(checks, check{
				label: fmt.Sprintf("written in statements (%s%% of its words in sentences or phrases with a function word; fluency counted as %s)",
					fmtNum(fl.statementShare*100, 1), fmtNum(f, 2)),
			})
		}
	}
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
	// The gate reads the facts stated in English (relevance × fluency,
	// as the score does): fragments that name the facts unlock nothing.
	g := complianceGate(rel.score() * f)
	if g < 1 {
		checks = append(checks, check{label: fmt.Sprintf("on the subject (compliance counted at %s%%: too few key facts stated)", fmtNum(g*100, 1))})
	}
	return shareCompliance*compliance*g + shareRelevance*rel.score()*f + shareFluency*f, checks
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
