package judges

import (
	"regexp"
	"strings"
	"unicode"
)

// The measurements below define what the rubric counts. They are
// deliberately simple so an agent author can predict them: the careful bot
// in agents/bots follows the same conventions.

var (
	bulletItem   = regexp.MustCompile(`^\s*[-*]\s+\S`)
	numberedItem = regexp.MustCompile(`^\s*\d+[.)]\s+\S`)
	// listMarker is stripped before counting words, so "- " and "1." are
	// not words.
	listMarker   = regexp.MustCompile(`^\s*(?:[-*•]|\d+[.)])\s+`)
	sentenceStop = regexp.MustCompile(`[.!?]+(?:\s+|$)|\n`)
	codeFence    = regexp.MustCompile("(?s)^```[a-zA-Z]*\\s*\n(.*?)\n?```$")
)

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// words returns the whitespace-separated tokens that hold a letter or a
// digit, after list markers are removed from each line. A lone "-" or "—"
// is punctuation, not a word.
func words(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		for _, f := range strings.Fields(listMarker.ReplaceAllString(line, "")) {
			if strings.IndexFunc(f, isWordRune) >= 0 {
				out = append(out, f)
			}
		}
	}
	return out
}

// nonEmptyLines returns the lines with any non-space content.
func nonEmptyLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// sentenceCount counts sentences: runs of text ended by . ! ? or a line
// break that hold at least one word.
func sentenceCount(text string) int {
	n := 0
	for _, s := range sentenceStop.Split(text, -1) {
		if len(words(s)) > 0 {
			n++
		}
	}
	return n
}

// repeatedTrigramRatio is the share of word trigrams that repeat an
// earlier trigram: 0 for fresh text, near 1 for a paragraph pasted over
// and over. Words are compared lower-cased without surrounding
// punctuation, so "Raft," and "raft" are the same word.
func repeatedTrigramRatio(text string) float64 {
	var toks []string
	for _, w := range words(text) {
		w = strings.ToLower(strings.TrimFunc(w, func(r rune) bool { return !isWordRune(r) }))
		if w != "" {
			toks = append(toks, w)
		}
	}
	if len(toks) < 3 {
		return 0
	}
	seen := make(map[[3]string]bool, len(toks))
	repeated := 0
	for i := 0; i+2 < len(toks); i++ {
		k := [3]string{toks[i], toks[i+1], toks[i+2]}
		if seen[k] {
			repeated++
		}
		seen[k] = true
	}
	return float64(repeated) / float64(len(toks)-2)
}

// termPattern matches a term as whole words, case-insensitively, with any
// run of whitespace standing for a space inside a phrase. Go's regexp has
// no \b for Unicode letters, so the boundaries are spelled out.
func termPattern(term string) *regexp.Regexp {
	parts := strings.Fields(term)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}])` + strings.Join(parts, `\s+`) + `(?:$|[^\p{L}\p{N}])`)
}

// hasTerm reports whether text contains term as whole words. An empty
// term is trivially present.
func hasTerm(text, term string) bool {
	if strings.TrimSpace(term) == "" {
		return true
	}
	return termPattern(term).MatchString(text)
}

// stripFence removes one Markdown code fence around a whole answer, since
// models often wrap JSON in ```json … ``` and the fence is not the answer.
func stripFence(text string) string {
	t := strings.TrimSpace(text)
	if m := codeFence.FindStringSubmatch(t); m != nil {
		return strings.TrimSpace(m[1])
	}
	return t
}

// boundScore gives partial credit for a count outside [lo, hi] (0 = no
// bound): below lo it is n/lo, above hi it falls linearly to 0 at 2·hi.
func boundScore(n, lo, hi int) float64 {
	if hi > 0 && lo > hi {
		lo, hi = hi, lo
	}
	switch {
	case lo > 0 && n < lo:
		return float64(n) / float64(lo)
	case hi > 0 && n > hi:
		return max(0, 1-float64(n-hi)/float64(hi))
	}
	return 1
}
