package judges

import (
	"regexp"
	"strings"
	"sync"
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

// trigrams returns the text's word trigrams. Words are compared
// lower-cased without surrounding punctuation, so "Raft," and "raft" are
// the same word.
func trigrams(text string) [][3]string {
	var toks []string
	for _, w := range words(text) {
		w = strings.ToLower(strings.TrimFunc(w, func(r rune) bool { return !isWordRune(r) }))
		if w != "" {
			toks = append(toks, w)
		}
	}
	if len(toks) < 3 {
		return nil
	}
	out := make([][3]string, 0, len(toks)-2)
	for i := 0; i+2 < len(toks); i++ {
		out = append(out, [3]string{toks[i], toks[i+1], toks[i+2]})
	}
	return out
}

// repeatedTrigramRatio is the share of word trigrams that repeat an
// earlier trigram: 0 for fresh text, near 1 for a paragraph pasted over
// and over.
func repeatedTrigramRatio(text string) float64 {
	tg := trigrams(text)
	if len(tg) == 0 {
		return 0
	}
	seen := make(map[[3]string]bool, len(tg))
	repeated := 0
	for _, k := range tg {
		if seen[k] {
			repeated++
		}
		seen[k] = true
	}
	return float64(repeated) / float64(len(tg))
}

// copiedTrigramRatio is the share of the answer's word trigrams that also
// occur in the prompt: 1 for an answer that echoes the prompt, near 0 for
// one in its own words.
func copiedTrigramRatio(answer, prompt string) float64 {
	tg := trigrams(answer)
	if len(tg) == 0 {
		return 0
	}
	inPrompt := make(map[[3]string]bool)
	for _, k := range trigrams(prompt) {
		inPrompt[k] = true
	}
	copied := 0
	for _, k := range tg {
		if inPrompt[k] {
			copied++
		}
	}
	return float64(copied) / float64(len(tg))
}

// termPattern matches a term as whole words, case-insensitively, with any
// run of whitespace standing for a space inside a phrase. Go's regexp has
// no \b for Unicode letters, so the boundaries are spelled out.
func termPattern(term string) (*regexp.Regexp, error) { return termPatternPlural(term, false) }

// termPatternPlural is termPattern that, with plural, also matches the
// term with "s" or "es" added: a term counts when the answer uses its
// plural ("wavelengths" mentions "wavelength", "API keys" mentions "API
// key", "storms" uses "storm"), as a reader would say it does. Up to
// rubric-v5 it did not: an honest answer that wrote "short wavelengths"
// lost a required term's whole weight, and "storms" dodged a forbidden
// "storm".
func termPatternPlural(term string, plural bool) (*regexp.Regexp, error) {
	return termPatterns.get(term, plural)
}

// compileTermPattern builds termPatternPlural's pattern.
func compileTermPattern(term string, plural bool) (*regexp.Regexp, error) {
	parts := strings.Fields(term)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	suffix := ""
	if plural && len(parts) > 0 && strings.IndexFunc(term, unicode.IsLetter) >= 0 {
		suffix = `(?:s|es)?`
	}
	return regexp.Compile(`(?i)(?:^|[^\p{L}\p{N}])` + strings.Join(parts, `\s+`) + suffix + `(?:$|[^\p{L}\p{N}])`)
}

// A verdict matches dozens of terms against each answer, and compiling
// their patterns was a seventh of the rubric judge's CPU. Compiled
// patterns are safe for concurrent use, so one cache serves every judge.
// Some terms come from answers (a verdict-like key), so it is bounded: at
// termPatternCap entries it starts over, which costs recompiling the
// prompt sets' few hundred terms once.
const termPatternCap = 4096

var termPatterns = patternCache{m: map[patternKey]patternEntry{}, cap: termPatternCap}

type patternKey struct {
	term   string
	plural bool
}

type patternEntry struct {
	re  *regexp.Regexp
	err error
}

type patternCache struct {
	mu  sync.Mutex
	m   map[patternKey]patternEntry
	cap int
}

func (c *patternCache) get(term string, plural bool) (*regexp.Regexp, error) {
	k := patternKey{term, plural}
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return e.re, e.err
	}
	re, err := compileTermPattern(term, plural)
	c.mu.Lock()
	if len(c.m) >= c.cap {
		clear(c.m)
	}
	c.m[k] = patternEntry{re, err}
	c.mu.Unlock()
	return re, err
}

// hasTerm reports whether text contains term as whole words. An empty
// term is trivially present. A term too large to compile (criteria come
// from operators' prompt sets) falls back to a plain case-insensitive
// substring test rather than failing the verdict.
func hasTerm(text, term string) bool { return hasTermPlural(text, term, false) }

// hasTermPlural is hasTerm, matching plurals too when plural is set
// (termPatternPlural).
func hasTermPlural(text, term string, plural bool) bool {
	if strings.TrimSpace(term) == "" {
		return true
	}
	re, err := termPatternPlural(term, plural)
	if err != nil {
		return strings.Contains(strings.ToLower(text), strings.ToLower(term))
	}
	return re.MatchString(text)
}

// StripFence removes one Markdown code fence around a whole text, since
// models often wrap JSON in ```json … ``` and the fence is not the answer.
func StripFence(text string) string {
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
