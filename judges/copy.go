package judges

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// FlagCopied marks an answer that repeats another owner's answer to the
// same prompt, published (every answer is, once its contest settles)
// before this agent ever gave it. A prompt arena's prompts recur, so
// replaying the best published answer would otherwise tie the agent that
// wrote it, and its pairs would teach a trainer that copying wins.
const FlagCopied = "copied"

// copiedPenalty multiplies the score of an entry flagged as copied: a
// copy of the best answer then ranks below honest, weaker answers.
const copiedPenalty = 0.5

// Prior is an answer to the same prompt from an earlier, settled contest,
// or the house's published reference answer (Reference, At ReferenceTime).
type Prior struct {
	Text      string
	At        time.Time // when its contest settled
	Contest   string
	Reference bool
}

// ReferenceTime is when a reference answer counts as published: before
// any contest.
var ReferenceTime = time.Unix(0, 0).UTC()

// Copy detection compares runs of five words (folded to lower case, words
// the prompt itself supplies left out). Two prose answers written
// independently share almost none; a copy shares most, and light edits
// (a changed word, a sentence added) leave most of the runs intact.
const (
	copyRunWords = 5
	// copyMinRuns: an answer with fewer runs of its own is too short to
	// tell a copy from a coincidence.
	copyMinRuns = 12
	// copiedShare of an entry's runs found in a prior answer make it that
	// answer's copy.
	copiedShare = 0.5
)

// detectCopy returns why e repeats an answer another owner published
// before this agent gave it, or "". Only prose prompts are checked: a
// JSON object or a list asked for has one right form, which honest
// agents reach independently.
func detectCopy(task Task, e Entry) string {
	if len(e.Published) == 0 || !proseFormat(task.Criteria.Format) {
		return ""
	}
	own := copyRuns(task, e.Text)
	if len(own) < copyMinRuns {
		return ""
	}
	first, share, found := Prior{}, 0.0, false
	for _, p := range e.Published {
		if s := runShare(own, copyRuns(task, p.Text)); s >= copiedShare && (!found || p.At.Before(first.At)) {
			first, share, found = p, s, true
		}
	}
	if !found {
		return ""
	}
	// The agent that wrote it first is not copying when it gives it again,
	// even after a copier published it meanwhile.
	for _, p := range e.Own {
		if !p.At.After(first.At) && runShare(own, copyRuns(task, p.Text)) >= copiedShare {
			return ""
		}
	}
	if first.Reference {
		return fmt.Sprintf("repeats %.0f%% of the house's published reference answer to this prompt", 100*share)
	}
	return fmt.Sprintf("repeats %.0f%% of an answer another owner's agent published earlier (contest %s)", 100*share, first.Contest)
}

// proseFormat reports whether a prompt's format leaves the wording to the
// writer.
func proseFormat(format string) bool {
	return format == "" || format == "plain" || format == "one_line"
}

// copyRuns returns the set of runs of copyRunWords consecutive words of
// text as a reader reads them (foldText: look-alike letters are the
// letters they imitate, invisible characters are gone), lower-cased and
// stripped of punctuation, skipping runs made only of words the prompt
// supplies. Up to rubric-v7 the runs were read without folding, so the
// best published answer with Cyrillic а, е, о, р, с in place of the
// Latin letters shared no run with it and tied its author live.
func copyRuns(task Task, text string) map[string]bool {
	promptWords := map[string]bool{}
	for _, w := range words(strings.ToLower(foldText(task.Prompt))) {
		promptWords[strings.TrimFunc(w, notWordRune)] = true
	}
	var ws []string
	for _, w := range words(strings.ToLower(foldText(text))) {
		if w = strings.TrimFunc(w, notWordRune); w != "" {
			ws = append(ws, w)
		}
	}
	out := map[string]bool{}
	for i := 0; i+copyRunWords <= len(ws); i++ {
		run := ws[i : i+copyRunWords]
		fromPrompt := true
		for _, w := range run {
			fromPrompt = fromPrompt && promptWords[w]
		}
		if !fromPrompt {
			out[strings.Join(run, " ")] = true
		}
	}
	return out
}

func notWordRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// runShare is the share of runs found in other.
func runShare(runs, other map[string]bool) float64 {
	if len(runs) == 0 {
		return 0
	}
	n := 0
	for r := range runs {
		if other[r] {
			n++
		}
	}
	return float64(n) / float64(len(runs))
}
